// Signed notes, checkpoints, cosignatures, tile paths and tlog-proof parsing, against the published vectors of
// golang.org/x/mod/sumdb/note (its ExampleSign/ExampleOpen) and the C2SP texts.
import { expect } from "chai";
import {
  ALG_COSIGNATURE_V1,
  EMPTY_ROOT,
  cosignLine,
  cosignedBy,
  decodeEntryBundle,
  encodeEntryBundle,
  encodeSignerKey,
  encodeTileIndex,
  formatCheckpoint,
  noteSignedBy,
  parseCheckpoint,
  parseSignerKey,
  parseTilePath,
  parseTlogProof,
  parseVkey,
  signNoteLine,
  splitNote,
  tilePath,
  tileWidthAt,
  vkeyOf,
} from "../../../src/log/index.js";

const GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIG = "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

describe("C2SP signed notes (against Go's sumdb/note vectors)", () => {
  it("derives Go's key id and vkey from Go's private key and signs exactly as note.Sign", () => {
    const s = parseSignerKey(GO_SKEY);
    expect(s.name).to.equal("PeterNeumann");
    expect(Buffer.from(s.id).toString("hex")).to.equal("c74f20a3");
    expect(vkeyOf(s)).to.equal(GO_VKEY);
    expect(signNoteLine(GO_TEXT, s)).to.equal(GO_SIG);
  });

  it("opens Go's note with Go's vkey and refuses a changed text or another key", () => {
    const { body, signatures } = splitNote(GO_TEXT + "\n" + GO_SIG);
    expect(body).to.equal(GO_TEXT);
    expect(noteSignedBy(body, signatures, parseVkey(GO_VKEY))).to.equal(true);
    expect(noteSignedBy(body.replace("answer", "question"), signatures, parseVkey(GO_VKEY))).to.equal(false);
    const other = parseSignerKey(encodeSignerKey("PeterNeumann", new Uint8Array(32).fill(7)));
    expect(noteSignedBy(body, signatures, parseVkey(vkeyOf(other)))).to.equal(false);
    expect(() => parseVkey(GO_VKEY.replace("c74f20a3", "c74f20a4"))).to.throw(/hash/);
    expect(() => splitNote(GO_TEXT)).to.throw();
  });

  it("formats and parses checkpoints strictly", () => {
    const body = formatCheckpoint({ origin: "example.com/log", size: 20852163, root: EMPTY_ROOT });
    expect(body).to.equal("example.com/log\n20852163\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    expect(parseCheckpoint(body).size).to.equal(20852163);
    expect(() => parseCheckpoint(body.replace("20852163", "020852163"))).to.throw(/leading/);
    expect(() => parseCheckpoint(body.slice(0, -1))).to.throw(/newline/);
    expect(() => parseCheckpoint("o\n1\nAAAA\n")).to.throw(/root/);
  });

  it("cosignature/v1: key id with type 0x04, timestamp and signature over the prefixed body", () => {
    const w = parseSignerKey(encodeSignerKey("witness.example/w1", new Uint8Array(32).fill(3), ALG_COSIGNATURE_V1));
    const body = formatCheckpoint({ origin: "example.com/log", size: 5, root: EMPTY_ROOT });
    const line = cosignLine(body, w, 1679315147);
    const raw = Buffer.from(line.trim().split(" ")[2], "base64");
    expect(raw.length).to.equal(4 + 8 + 64);
    expect(raw.subarray(4, 12).readBigUInt64BE()).to.equal(1679315147n);
    const v = parseVkey(vkeyOf(w), ALG_COSIGNATURE_V1);
    expect(cosignedBy(body, splitNote(body + "\n" + line).signatures, v)?.timestamp).to.equal(1679315147);
    expect(cosignedBy(body.replace("\n5\n", "\n6\n"), splitNote(body + "\n" + line).signatures, v)).to.equal(undefined);
    expect(() => signNoteLine(body, w)).to.throw(/0x01/);
  });
});

describe("tlog-tiles paths and entry bundles", () => {
  it("encodes indices in x-prefixed 3-digit groups and parses only canonical paths", () => {
    expect(encodeTileIndex(0)).to.equal("000");
    expect(encodeTileIndex(1234067)).to.equal("x001/x234/067");
    expect(tilePath({ level: 1, index: 1234, partial: 5 })).to.equal("tile/1/x001/234.p/5");
    expect(parseTilePath("entries/x001/234.p/5")).to.deep.equal({ level: "entries", index: 1234, partial: 5 });
    for (const bad of ["0/1", "0/x000/001", "0/000.p/256", "0/000.p/0", "64/000", "00/000", "0/000/"]) expect(parseTilePath(bad), bad).to.equal(undefined);
  });

  it("computes widths from the tree size", () => {
    expect(tileWidthAt(0, 0, 300)).to.equal(256);
    expect(tileWidthAt(0, 1, 300)).to.equal(44);
    expect(tileWidthAt(1, 0, 300)).to.equal(1);
    expect(tileWidthAt(1, 0, 255)).to.equal(0);
    expect(tileWidthAt(0, 2, 300)).to.equal(0);
  });

  it("length-prefixes entries (uint16, big-endian) and refuses one over 64 KiB", () => {
    const b = encodeEntryBundle([new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300)]);
    expect(Array.from(b.subarray(0, 5))).to.deep.equal([0, 3, 1, 2, 3]);
    expect(Array.from(b.subarray(5, 9))).to.deep.equal([0, 0, 1, 44]);
    expect(decodeEntryBundle(b).map((e) => e.length)).to.deep.equal([3, 0, 300]);
    expect(() => encodeEntryBundle([new Uint8Array(65536)])).to.throw(/64 KiB/);
    expect(() => decodeEntryBundle(b.subarray(0, 4))).to.throw(/truncated/);
  });

  it("parses the C2SP tlog-proof example's structure", () => {
    const text = "c2sp.org/tlog-proof@v1\nextra AAEC\nindex 73894\ngSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n\nexample.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n\n\u2014 example.com/fancylog AAAAAAAA\n";
    const p = parseTlogProof(text);
    expect(p.index).to.equal(73894);
    expect(Array.from(p.extra!)).to.deep.equal([0, 1, 2]);
    expect(p.proof).to.have.length(1);
    expect(parseCheckpoint(splitNote(p.note).body).size).to.equal(109482);
    expect(() => parseTlogProof(text.replace("index 73894", "index 073894"))).to.throw(/index/);
  });
});
