// Interop (npm run test:interop; .ci/run installs Go first): the Go reference implementations of signed notes and
// tiled logs (golang.org/x/mod/sumdb/note and sumdb/tlog, Debian golang-golang-x-mod-dev) verify a running server.
// Not part of `npm test`, which must pass on a machine with only Node and npm: here a missing `go` is a failure.
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import { signerFromSeed, vkeyOf } from "../../src/log/index.js";
import { startTestServer, type TestServer } from "../../test/helpers/server.js";
import { anchoredAll, until, writeLeaves } from "../../test/helpers/c2sp.js";

const run = promisify(execFile);
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/interop/tlogcheck");
const goEnv = { ...process.env, GO111MODULE: "off", GOPATH: "/usr/share/gocode", GOFLAGS: "", GOCACHE: path.join(tmpdir(), "anxin-gocache") };

describe("interop: Go's sumdb/note and sumdb/tlog verify our checkpoint, tiles and proofs", function () {
  let srv: TestServer;
  let bin: string;
  let work: string;
  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), "anxin-interop-"));
    bin = path.join(work, "tlogcheck");
    try {
      await run("go", ["build", "-o", bin, "."], { cwd: dir, env: goEnv });
    } catch (e) {
      throw new Error(`cannot build the Go verifier (apt-get install golang-go golang-golang-x-mod-dev): ${(e as Error).message}`);
    }
    srv = await startTestServer({ config: { anchorEveryLeaves: 50 } });
  });
  after(async () => {
    await srv?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const checkpoint = async () => (await fetch(srv.url + "/checkpoint")).text();
  const sizeOf = (note: string) => Number(note.split("\n")[1]);

  it("note.Open, TileHashReader, CheckRecord on every entry and on our tlog-proofs, CheckTree from an older checkpoint", async () => {
    const vkey = ((await (await fetch(srv.url + "/v1/log/key")).json()) as { vkey: string }).vkey;
    await writeLeaves(srv, 700, "go1"); // several full tiles and a partial one
    await anchoredAll(srv);
    await until(async () => sizeOf(await checkpoint()) >= 700);
    const old = await checkpoint();
    writeFileSync(path.join(work, "old.checkpoint"), old);
    await writeLeaves(srv, 300, "go2");
    await anchoredAll(srv);
    await until(async () => sizeOf(await checkpoint()) > sizeOf(old));
    const { stdout } = await run(bin, [srv.url, vkey, path.join(work, "old.checkpoint")]);
    const r = JSON.parse(stdout) as { size: number; records: number; servedProofs: number; treeProofFrom: number };
    expect(r.size).to.be.at.least(1000);
    expect(r.records).to.equal(r.size);
    expect(r.servedProofs).to.equal(3);
    expect(r.treeProofFrom).to.equal(sizeOf(old));
  });

  it("Go refuses our checkpoint under another key of the same name", async () => {
    const origin = (await checkpoint()).split("\n")[0];
    const other = vkeyOf(signerFromSeed(origin, randomBytes(32)));
    const bad = await run(bin, [srv.url, other]).then(() => undefined, (e) => e as { stderr: string });
    expect(bad?.stderr).to.match(/note\.Open/);
  });
});
