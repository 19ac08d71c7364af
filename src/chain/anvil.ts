// The embedded dev chain: Anvil from the @foundry-rs/anvil npm package, as a child process on loopback.
// State persists in a JSON file dumped every second and on SIGTERM (SIGKILL loses the last second).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/** Where a persistent chain records its anvil's pid: after a crash of the server the child outlives it. */
export function anvilPidFile(stateFile: string): string {
  return path.join(path.dirname(stateFile), "anvil.pid");
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // An exited orphan not yet reaped by its new parent is a zombie: it holds no port and no state.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

/**
 * An anvil left running on our state file by a server that was killed (SIGKILL, OOM) still holds the chain's
 * newest blocks in memory and its port. Stop it with SIGTERM so it dumps its state before we start a new one.
 * Only a process whose command line names our state file is touched (Linux /proc; elsewhere nothing is done).
 */
export async function stopStaleAnvil(stateFile: string): Promise<number | undefined> {
  const pidFile = anvilPidFile(stateFile);
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
  } catch {
    return undefined;
  }
  let ours = false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    ours = Number.isInteger(pid) && pid > 1 && argv.includes(stateFile) && path.basename(argv[0] ?? "") === "anvil";
  } catch {
    ours = false; // gone, or no /proc
  }
  if (!ours) {
    rmSync(pidFile, { force: true });
    return undefined;
  }
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 15_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) {
    process.kill(pid, "SIGKILL");
    const hard = Date.now() + 5_000;
    while (alive(pid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 20));
  }
  rmSync(pidFile, { force: true });
  return pid;
}

export async function startAnvil(opts: StartAnvilOptions = {}): Promise<AnvilHandle> {
  if (opts.stateFile) await stopStaleAnvil(opts.stateFile);
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
  child.on("exit", (code) => {
    exited = code ?? -1;
    if (opts.stateFile) rmSync(anvilPidFile(opts.stateFile), { force: true });
  });
  child.stderr?.on("data", (d) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdout?.on("data", (d) => opts.onLog?.(d.toString().trimEnd()));
  if (opts.stateFile && child.pid) writeFileSync(anvilPidFile(opts.stateFile), `${child.pid}\n`);
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
