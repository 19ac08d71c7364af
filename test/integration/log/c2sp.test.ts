// The log in C2SP formats against a running server: the signed checkpoint note is the chain's anchor, tiles
// rebuild the tree, entry bundles hold the leaf inputs, tlog-proof files verify offline, and a real `anxin witness`
// process cosigns while refusing forked and rolled-back checkpoints (409).
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  ALG_COSIGNATURE_V1,
  ALG_ED25519,
  EMPTY_ROOT,
  cosignedBy,
  decodeEntryBundle,
  encodeTileIndex,
  leafHash,
  noteSignedBy,
  parseCheckpoint,
  parseTilePath,
  parseVkey,
  signNoteLine,
  formatCheckpoint,
  splitHashes,
  splitNote,
  toHex,
  verifyTlogProof,
  parseSignerKey,
  rootOf,
} from "../../../src/log/index.js";
import { chainLatest } from "../../../src/services/anchoring.js";
import { createPublicKey } from "node:crypto";
// sigstore's JS verifier (npm), which checks Rekor checkpoints: an implementation nobody here wrote. No public API
// exposes it, so its modules are imported by path.
import { verifyCheckpoint } from "@sigstore/verify/dist/tlog/checkpoint.js";
import { verifyMerkleInclusion } from "@sigstore/verify/dist/tlog/merkle.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { anchoredAll, startWitness, until, writeLeaves, type WitnessProcess } from "../../helpers/c2sp.js";

const run = promisify(execFile);
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bin/anxin.js");

async function text(url: string, init?: RequestInit) {
  const r = await fetch(url, init);
  return { status: r.status, type: r.headers.get("content-type") ?? "", cache: r.headers.get("cache-control") ?? "", body: await r.text() };
}

describe("the log in C2SP formats (signed notes, tiles, witnesses, tlog-proof)", function () {
  let srv: TestServer;
  let witness: WitnessProcess;
  let logVkey: string;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "anxin-c2sp-"));
    // First start creates the log key; the witness must know it before the server can name the witness.
    const first = await startTestServer({ dataDir, config: { logOrigin: "anxin.test/log" } });
    logVkey = ((await (await fetch(first.url + "/v1/log/key")).json()) as { vkey: string }).vkey;
    await first.stop();
    witness = await startWitness(logVkey);
    srv = await startTestServer({ dataDir, config: { witnesses: [{ vkey: witness.vkey, url: witness.url }], witnessQuorum: 1, anchorEveryLeaves: 10 } });
  });
  after(async () => {
    await srv?.stop();
    await witness?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (witness) rmSync(witness.dir, { recursive: true, force: true });
  });

  it("keeps the log key in a 0600 file of the data directory, never in the database", async () => {
    const file = path.join(dataDir, "log-key");
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const key = parseSignerKey(readFileSync(file, "utf8"));
    expect(key.name).to.equal("anxin.test/log");
    const seed = readFileSync(file, "utf8").trim().split("+")[4];
    const hits = await srv.ctx.db.query("SELECT key FROM meta WHERE value LIKE $1", [`%${seed.slice(4, 30)}%`]);
    expect(hits).to.have.length(0);
    const v = parseVkey(logVkey, ALG_ED25519);
    expect(v.name).to.equal("anxin.test/log");
    expect(Buffer.from(v.publicKey).toString("hex")).to.equal(Buffer.from(key.publicKey).toString("hex"));
    // Published by `anxin status --json` too.
    const status = JSON.parse((await run(process.execPath, [bin, "status", "--url", srv.url, "--json"])).stdout);
    expect(status.log).to.include({ origin: "anxin.test/log", vkey: logVkey, quorum: 1 });
  });

  it("serves the anchored checkpoint as a signed note with the witness's cosignature: same size and root as on chain", async () => {
    await writeLeaves(srv, 300, "a"); // > one full tile
    await anchoredAll(srv);
    const chain = await chainLatest(srv.ctx.chain.checkpointLog);
    let r = await text(srv.url + "/checkpoint");
    await until(async () => {
      r = await text(srv.url + "/checkpoint");
      return r.status === 200 && parseCheckpoint(splitNote(r.body).body).size === chain.size;
    });
    expect(r.type).to.equal("text/plain; charset=utf-8");
    const { body, signatures } = splitNote(r.body);
    const cp = parseCheckpoint(body);
    expect(cp.origin).to.equal("anxin.test/log");
    expect(cp.size).to.equal(chain.size);
    expect(toHex(cp.root)).to.equal(chain.root);
    expect(noteSignedBy(body, signatures, parseVkey(logVkey))).to.equal(true);
    // Altering the size breaks the log's signature.
    const forged = body.replace(`\n${cp.size}\n`, `\n${cp.size + 1}\n`);
    expect(noteSignedBy(forged, signatures, parseVkey(logVkey))).to.equal(false);
    const cos = cosignedBy(body, signatures, parseVkey(witness.vkey, ALG_COSIGNATURE_V1));
    expect(cos, "the witness's cosignature/v1").to.not.equal(undefined);
    expect(Math.abs(cos!.timestamp - Date.now() / 1000)).to.be.below(120);
    const rows = await srv.ctx.db.query<{ size: number }>("SELECT size FROM checkpoint_cosignatures WHERE witness = 'witness.test/w1'");
    expect(rows.map((x) => Number(x.size))).to.include(chain.size);
  });

  it("serves tlog-tiles: hash tiles and entry bundles that rebuild the signed tree", async () => {
    const { body } = splitNote((await text(srv.url + "/checkpoint")).body);
    const cp = parseCheckpoint(body);
    const full = await fetch(srv.url + "/tile/0/000");
    expect(full.status).to.equal(200);
    expect(full.headers.get("cache-control")).to.contain("immutable");
    const leaves = splitHashes(new Uint8Array(await full.arrayBuffer()));
    expect(leaves).to.have.length(256);
    const w = cp.size - 256;
    const part = await fetch(srv.url + `/tile/0/001.p/${w}`);
    expect(part.headers.get("cache-control")).to.not.contain("immutable");
    leaves.push(...splitHashes(new Uint8Array(await part.arrayBuffer())));
    expect(toHex(rootOf(leaves))).to.equal(toHex(cp.root));
    const lvl1 = splitHashes(new Uint8Array(await (await fetch(srv.url + "/tile/1/000.p/1")).arrayBuffer()));
    expect(toHex(lvl1[0])).to.equal(toHex(rootOf(leaves, 256)));
    const entries = decodeEntryBundle(new Uint8Array(await (await fetch(srv.url + "/tile/entries/000")).arrayBuffer()));
    expect(entries).to.have.length(256);
    entries.forEach((e, i) => expect(toHex(leafHash(e))).to.equal(toHex(leaves[i])));
    expect(JSON.parse(new TextDecoder().decode(entries[255])).type).to.be.a("string");
    // A tile the tree does not have yet, and paths that are not canonical.
    expect((await fetch(srv.url + `/tile/0/001.p/${w + 1}`)).status).to.equal(404);
    expect((await fetch(srv.url + "/tile/0/x000/001")).status).to.equal(404);
    expect((await fetch(srv.url + "/tile/0/1")).status).to.equal(404);
    expect(parseTilePath("0/x001/x234/067")).to.deep.equal({ level: 0, index: 1234067, partial: undefined });
    expect(encodeTileIndex(1234067)).to.equal("x001/x234/067");
  });

  it("serves tlog-proof files that verify offline against the log key and the witness policy", async () => {
    const r = await text(srv.url + "/v1/log/tlog-proof/5");
    expect(r.body.startsWith("c2sp.org/tlog-proof@v1\nextra ")).to.equal(true);
    const policy = { log: parseVkey(logVkey), witnesses: [parseVkey(witness.vkey, ALG_COSIGNATURE_V1)], quorum: 1 };
    const ok = verifyTlogProof(r.body, policy);
    expect(ok.problems).to.deep.equal([]);
    expect(ok.cosigners).to.deep.equal(["witness.test/w1"]);
    const [l0, l1, l2, ...rest] = r.body.split("\n");
    const other = Buffer.from('{"other":1}').toString("base64");
    expect(verifyTlogProof([l0, `extra ${other}`, l2, ...rest].join("\n"), policy).problems).to.deep.equal(["the inclusion proof does not lead to the checkpoint root"]);
    expect(l1.startsWith("extra ")).to.equal(true);
    expect(verifyTlogProof(r.body, { ...policy, quorum: 2, witnesses: policy.witnesses }).ok).to.equal(false);
    // `anxin audit check-bundle` accepts the file offline, and refuses a tampered one with a non-zero exit.
    const file = path.join(dataDir, "leaf5.tlog-proof");
    writeFileSync(file, r.body);
    const cli = (f: string) =>
      run(process.execPath, [bin, "audit", "check-bundle", f, "--log-vkey", logVkey, "--witness", witness.vkey, "--quorum", "1", "--json"]).then(
        (x) => ({ code: 0, out: JSON.parse(x.stdout) }),
        (e) => ({ code: e.code as number, out: JSON.parse(e.stdout) }),
      );
    const good = await cli(file);
    expect(good.code).to.equal(0);
    expect(good.out).to.include({ ok: true, origin: "anxin.test/log", type: "accredit" });
    writeFileSync(file, [l0, `extra ${other}`, l2, ...rest].join("\n"));
    const badRun = await cli(file);
    expect(badRun.code).to.equal(1);
    expect(badRun.out.ok).to.equal(false);
  });

  it("a new anchor is cosigned again from the witness's size (consistency proof checked by the witness)", async () => {
    const before = parseCheckpoint(splitNote((await text(srv.url + "/checkpoint")).body).body).size;
    await writeLeaves(srv, 20, "b");
    await anchoredAll(srv);
    await until(async () => parseCheckpoint(splitNote((await text(srv.url + "/checkpoint")).body).body).size >= before + 20);
    const state = JSON.parse(readFileSync(path.join(witness.dir, "witness-state.json"), "utf8"));
    expect(state["anxin.test/log"].size).to.be.at.least(before + 20);
  });

  it("sigstore's verifier (@sigstore/verify) accepts our checkpoint signature and our tlog-proof inclusion proofs", async () => {
    const v = parseVkey(logVkey);
    // sigstore matches a signature's 4-byte key hint to the log id's first 4 bytes (our key id is the hint) and its
    // name to the log's base URL.
    const tlog = {
      logID: Buffer.concat([Buffer.from(v.id), Buffer.alloc(28)]),
      publicKey: createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), v.publicKey]), format: "der", type: "spki" }),
      validFor: { start: new Date(0), end: new Date(8.64e15) },
      baseURL: `https://${v.name}`,
    };
    const proofText = (await text(srv.url + "/v1/log/tlog-proof/7")).body;
    const lines = proofText.split("\n");
    const blank = lines.indexOf("");
    const note = lines.slice(blank + 1).join("\n");
    // The whole note, the witness's cosignature line included (sigstore passes over signatures it has no key for).
    const envelope = (n: string) => ({ inclusionProof: { checkpoint: { envelope: n } } }) as never;
    const cp = verifyCheckpoint(envelope(note), [tlog as never]);
    expect(Number(cp.logSize)).to.equal(parseCheckpoint(splitNote(note).body).size);
    expect(() => verifyCheckpoint(envelope(note.replace(`\n${cp.logSize}\n`, `\n${Number(cp.logSize) - 1}\n`)), [tlog as never])).to.throw(/signature/);
    const entry = {
      canonicalizedBody: Buffer.from(lines[1].slice(6), "base64"),
      inclusionProof: { logIndex: "7", hashes: lines.slice(3, blank).map((h) => Buffer.from(h, "base64")) },
    };
    verifyMerkleInclusion(entry as never, cp);
    expect(() => verifyMerkleInclusion({ ...entry, canonicalizedBody: Buffer.from("{}") } as never, cp)).to.throw(/root hash/);
  });

  it("the witness refuses a forked or rolled-back checkpoint with 409, and a bad consistency proof with 422", async () => {
    const key = parseSignerKey(readFileSync(path.join(dataDir, "log-key"), "utf8"));
    const state = JSON.parse(readFileSync(path.join(witness.dir, "witness-state.json"), "utf8"))["anxin.test/log"] as { size: number; root: string };
    const signed = (size: number, root: Uint8Array) => {
      const b = formatCheckpoint({ origin: "anxin.test/log", size, root });
      return b + "\n" + signNoteLine(b, key);
    };
    const post = (b: string) => text(witness.url + "/add-checkpoint", { method: "POST", body: b });
    // Fork: the same size with another root, signed by the real log key.
    const fork = await post(`old ${state.size}\n\n` + signed(state.size, EMPTY_ROOT));
    expect(fork.status).to.equal(409);
    // Rollback: an older size than the witness has cosigned.
    const back = await post(`old ${state.size - 10}\n\n` + signed(state.size - 10, EMPTY_ROOT));
    expect(back.status).to.equal(409);
    expect(back.type).to.equal("text/x.tlog.size");
    expect(back.body).to.equal(`${state.size}\n`);
    // Growth with a proof that does not verify.
    const bad = await post(`old ${state.size}\n${Buffer.alloc(32).toString("base64")}\n\n` + signed(state.size + 5, EMPTY_ROOT));
    expect(bad.status).to.equal(422);
    // Not signed by a log key it knows; unknown origin.
    const unsigned = formatCheckpoint({ origin: "anxin.test/log", size: state.size, root: Buffer.from(state.root, "base64") });
    expect((await post(`old ${state.size}\n\n` + unsigned + "\n\u2014 anxin.test/log AAAAAA" + "A".repeat(84) + "\n")).status).to.equal(403);
    expect((await post(`old 0\n\n` + formatCheckpoint({ origin: "elsewhere/log", size: 1, root: EMPTY_ROOT }) + "\n\u2014 elsewhere/log AAAAAA" + "A".repeat(84) + "\n")).status).to.equal(404);
    const after = JSON.parse(readFileSync(path.join(witness.dir, "witness-state.json"), "utf8"))["anxin.test/log"];
    expect(after).to.deep.equal(state);
  });
});
