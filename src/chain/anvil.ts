// The embedded dev chain: Anvil from the @foundry-rs/anvil npm package, as a child process on loopback.
// State persists in a JSON file dumped every second and on SIGTERM (SIGKILL loses the last second).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { processAlive } from "../process-alive.js";

export interface AnvilHandle {
  url: string;
  /** The running process's pid (a new one after each supervised restart). */
  readonly pid: number;
  port: number;
  /** How many times the supervisor restarted a chain that died. */
  readonly restarts: number;
  stop(): Promise<void>;
  /** SIGKILL and no restart: for fault tests that need the chain to stay down. */
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
  /**
   * Restart the chain from its state file when it dies on its own (SIGKILL, OOM, a crash): the server keeps one URL
   * and carries on without a person. Called after each restart, or with an error when restarting failed for good.
   */
  supervise?: (event: { restarts: number; pid?: number; exitCode: number | null; error?: string }) => void;
}

/** Restarts allowed within RESTART_WINDOW_MS before the supervisor gives up (a chain that dies at once, every time). */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

/** Where a persistent chain records its anvil's pid: after a crash of the server the child outlives it. */
export function anvilPidFile(stateFile: string): string {
  return path.join(path.dirname(stateFile), "anvil.pid");
}


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
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (processAlive(pid)) {
    process.kill(pid, "SIGKILL");
    const hard = Date.now() + 5_000;
    while (processAlive(pid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 20));
  }
  rmSync(pidFile, { force: true });
  return pid;
}

interface Running {
  child: ChildProcess;
  /** Resolves with the exit code when the process is gone. */
  exited: Promise<number>;
  isExited(): boolean;
}

async function spawnAnvil(args: string[], url: string, opts: StartAnvilOptions): Promise<Running> {
  const child: ChildProcess = spawn(anvilBinary(), args, { stdio: ["ignore", "pipe", "pipe"], detached: false });
  let code: number | null = null;
  let stderr = "";
  const exited = new Promise<number>((resolve) =>
    child.on("exit", (c) => {
      code = c ?? -1;
      if (opts.stateFile) rmSync(anvilPidFile(opts.stateFile), { force: true });
      resolve(code);
    }),
  );
  child.stderr?.on("data", (d) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdout?.on("data", (d) => opts.onLog?.(d.toString().trimEnd()));
  if (opts.stateFile && child.pid) writeFileSync(anvilPidFile(opts.stateFile), `${child.pid}\n`);
  const deadline = Date.now() + 30_000;
  while (!(await rpcAnswers(url))) {
    if (code !== null) throw new Error(`anvil exited with code ${code} before answering: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("anvil did not answer within 30 s");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, exited, isExited: () => code !== null };
}

async function waitExit(run: Running, ms: number): Promise<void> {
  if (run.isExited()) return;
  const t = setTimeout(() => run.child.kill("SIGKILL"), ms);
  await run.exited;
  clearTimeout(t);
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
  const url = `http://127.0.0.1:${port}`;
  let run = await spawnAnvil(args, url, opts);
  let stopping = false;
  let restarts = 0;
  const recent: number[] = [];
  // The supervisor: a chain that exits while nobody asked it to is started again on the same port and state file.
  let restarting: Promise<void> | undefined;
  const watch = (r: Running) =>
    void (restarting = r.exited.then(async (exitCode) => {
      if (stopping || !opts.supervise) return;
      const now = Date.now();
      while (recent.length && now - recent[0] > RESTART_WINDOW_MS) recent.shift();
      if (recent.length >= MAX_RESTARTS) {
        opts.supervise({ restarts, exitCode, error: `the chain died ${MAX_RESTARTS} times within a minute; not restarting` });
        return;
      }
      recent.push(now);
      await new Promise((res) => setTimeout(res, 250 * recent.length));
      if (stopping) return;
      try {
        run = await spawnAnvil(args, url, opts);
        restarts++;
        opts.supervise({ restarts, pid: run.child.pid, exitCode });
        watch(run);
      } catch (e) {
        opts.supervise({ restarts, exitCode, error: (e as Error).message });
      }
    }));
  watch(run);
  /** A restart that was under way when we were told to stop: wait for it and stop what it started too. */
  const settle = async (signal: NodeJS.Signals, ms: number) => {
    await restarting?.catch(() => undefined);
    if (!run.isExited()) run.child.kill(signal);
    await waitExit(run, ms);
  };
  return {
    url,
    port,
    get pid() {
      return run.child.pid!;
    },
    get restarts() {
      return restarts;
    },
    // SIGTERM to anvil's own PID: it dumps its state, then exits.
    async stop() {
      stopping = true;
      if (!run.isExited()) run.child.kill("SIGTERM");
      await waitExit(run, 15_000);
      await settle("SIGTERM", 15_000);
    },
    async kill() {
      stopping = true;
      if (!run.isExited()) run.child.kill("SIGKILL");
      await waitExit(run, 5_000);
      await settle("SIGKILL", 5_000);
    },
  };
}
