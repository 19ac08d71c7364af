// Shared by the C2SP log tests: a real `anxin witness` process, synthetic leaves and waiting for anchors.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { eventTime, leafHash, toHex } from "../../src/log/index.js";
import { chainLatest } from "../../src/services/anchoring.js";
import type { TestServer } from "./server.js";

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/anxin.js");

export interface WitnessProcess {
  url: string;
  vkey: string;
  dir: string;
  stop(): Promise<void>;
}

/** Starts `anxin witness` on a free port; `logVkey` is the log it accepts. */
export async function startWitness(logVkey: string, name = "witness.test/w1", dir = mkdtempSync(path.join(tmpdir(), "anxin-witness-"))): Promise<WitnessProcess> {
  const child: ChildProcess = spawn(process.execPath, [bin, "witness", "--dir", dir, "--name", name, "--log", logVkey, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(out.split("\n")[0]);
    });
    child.on("exit", (c) => reject(new Error(`anxin witness exited ${c}: ${err}`)));
  });
  const info = JSON.parse(line) as { url: string; vkey: string };
  return {
    url: info.url,
    vkey: info.vkey,
    dir,
    stop: () =>
      new Promise((r) => {
        if (child.exitCode !== null) return r();
        child.on("exit", () => r());
        child.kill("SIGTERM");
      }),
  };
}

export async function writeLeaves(srv: TestServer, n: number, tag: string) {
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      srv.ctx.writer.submit(async ({ append }) => append({ type: "accredit", id: `c2sp-${tag}-${i}`, hash: toHex(leafHash(new TextEncoder().encode(`${tag}${i}`))), at: eventTime(Date.now()) })),
    ),
  );
}

export const until = async (f: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** Waits until the chain has anchored the whole local log. */
export async function anchoredAll(srv: TestServer) {
  await until(async () => {
    const [row] = await srv.ctx.db.query<{ size: number }>("SELECT size FROM log_head");
    return (await chainLatest(srv.ctx.chain.checkpointLog)).size === Number(row.size);
  });
}
