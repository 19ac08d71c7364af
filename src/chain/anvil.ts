// The embedded dev chain: Anvil from the @foundry-rs/anvil npm package, as a child process on loopback.
// State persists in a JSON file dumped every second and on SIGTERM (SIGKILL loses the last second).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";

export interface AnvilHandle {
  url: string;
  pid: number;
  port: number;
  stop(): Promise<void>;
  /** SIGKILL: for fault tests that simulate a crash. */
  kill(): Promise<void>;
}

export function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const pkg = path.dirname(require.resolve("@foundry-rs/anvil-linux-amd64/package.json"));
  const bin = path.join(pkg, "bin", "anvil");
  if (!existsSync(bin)) throw new Error(`anvil binary missing at ${bin}: run npm ci`);
  return bin;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function rpcAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

export interface StartAnvilOptions {
  stateFile?: string;
  port?: number;
  chainId?: number;
  /** Forwarded to a callback line by line (anvil's own log has no personal data: only tx hashes). */
  onLog?: (line: string) => void;
}

export async function startAnvil(opts: StartAnvilOptions = {}): Promise<AnvilHandle> {
  const port = opts.port && opts.port > 0 ? opts.port : await freePort();
  if (await rpcAnswers(`http://127.0.0.1:${port}`)) {
    throw new Error(`port ${port} already answers JSON-RPC: another chain is running there (set ANXIN_ANVIL_PORT or CHAIN_RPC_URL)`);
  }
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(opts.chainId ?? 31337), "--silent"];
  if (opts.stateFile) {
    mkdirSync(path.dirname(opts.stateFile), { recursive: true });
    args.push("--state", opts.stateFile, "--state-interval", "1", "--preserve-historical-states");
  }
  const child: ChildProcess = spawn(anvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"], detached: false });
  let exited: number | null = null;
  let stderr = "";
  child.on("exit", (code) => (exited = code ?? -1));
  child.stderr?.on("data", (d) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdout?.on("data", (d) => opts.onLog?.(d.toString().trimEnd()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await rpcAnswers(url))) {
    if (exited !== null) throw new Error(`anvil exited with code ${exited} before answering: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("anvil did not answer within 30 s");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const waitExit = (ms: number) =>
    new Promise<void>((resolve) => {
      if (exited !== null) return resolve();
      const t = setTimeout(() => {
        child.kill("SIGKILL");
        resolve();
      }, ms);
      child.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
    });
  return {
    url,
    port,
    pid: child.pid!,
    // SIGTERM to anvil's own PID: it dumps its state, then exits.
    async stop() {
      if (exited === null) child.kill("SIGTERM");
      await waitExit(15_000);
    },
    async kill() {
      if (exited === null) child.kill("SIGKILL");
      await waitExit(5_000);
    },
  };
}
