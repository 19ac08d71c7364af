// Envelope signature checks per second, every implementation on the same signatures in one run: libsecp256k1
// (native recovery, the default), the hand-written table-based check of src/crypto/eip191-verify.ts, @noble/curves
// (verify against the known key, recovery, and verify with a precomputed key table like ours) and ethers (the
// baseline). `node --import tsx scripts/bench/secp256k1.ts`, or the `secp256k1` part of `npm run bench`.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Wallet, SigningKey, getBytes, hashMessage, computeAddress, id } from "ethers";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { eip191Digest32, precomputePublicKey, verifyEip191 } from "../../src/crypto/eip191-verify.js";
import { loadNativeSecp256k1 } from "../../src/native/secp256k1.js";
import { eip191Recoverer } from "../../src/crypto/eip191-recover.js";

const AUTHORS = 4;
const PER_AUTHOR = 64;
const N = secp256k1.Point.CURVE().n;

interface Sample {
  author: number;
  hash: Uint8Array;
  digest: Uint8Array;
  sigHex: string;
  sig65: Uint8Array; // r ‖ s ‖ v (Anxin's form)
  recovered: Uint8Array; // recid ‖ r ‖ s (noble's 'recovered' form)
}

/** Runs `f` over the samples for at least `ms`, returns checks per second; throws if any check disagrees. */
function rate(name: string, samples: Sample[], ms: number, f: (s: Sample) => boolean): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (const s of samples) if (!f(s)) throw new Error(`${name}: a genuine signature was refused`);
    n += samples.length;
    t = performance.now();
  }
  return Math.round((n * 1000) / (t - t0));
}

export async function benchSecp256k1(ms = 1500): Promise<Record<string, unknown>> {
  const wallets = Array.from({ length: AUTHORS }, (_, i) => new Wallet(id(`anxin-bench-secp-${i}`)));
  const addresses = wallets.map((w) => w.address.toLowerCase());
  const pubs = wallets.map((w) => getBytes(w.signingKey.publicKey));
  const samples: Sample[] = [];
  for (let a = 0; a < AUTHORS; a++) {
    for (let i = 0; i < PER_AUTHOR; i++) {
      const hash = getBytes(id(`record-${a}-${i}`));
      const sig = wallets[a].signingKey.sign(hashMessage(hash));
      const sig65 = getBytes(sig.serialized);
      const recovered = new Uint8Array(65);
      recovered[0] = sig.v - 27;
      recovered.set(sig65.subarray(0, 64), 1);
      samples.push({ author: a, hash, digest: eip191Digest32(hash), sigHex: sig.serialized, sig65, recovered });
    }
  }

  // Hand-written: tables built once per key (that cost is reported apart).
  let t = performance.now();
  const tables = pubs.map((p) => precomputePublicKey(p));
  const handTableMsPerKey = (performance.now() - t) / AUTHORS;
  // noble with a precomputed key: the same technique with noble's point arithmetic.
  t = performance.now();
  const noblePoints = pubs.map((p) => secp256k1.Point.fromBytes(p).precompute(8, false));
  const nobleTableMsPerKey = (performance.now() - t) / AUTHORS;
  const G = secp256k1.Point.BASE;
  const nobleTableVerify = (s: Sample): boolean => {
    const sig = secp256k1.Signature.fromBytes(s.recovered, "recovered");
    if (sig.hasHighS()) return false;
    const e = BigInt("0x" + Buffer.from(s.digest).toString("hex")) % N;
    const si = secp256k1.Point.Fn.inv(sig.s);
    const R = G.multiplyUnsafe((e * si) % N).add(noblePoints[s.author].multiplyUnsafe((sig.r * si) % N));
    if (R.is0()) return false;
    const q = R.toAffine();
    return q.x === sig.r && Number(q.y & 1n) === sig.recovery;
  };

  const native = loadNativeSecp256k1();
  const recover = native ? eip191Recoverer(native) : null;
  const figures: Record<string, number | string | boolean> = { signatures: samples.length, authors: AUTHORS, msPerImplementation: ms };
  // Warm up every path once (JIT, noble's base-point table) before timing.
  const paths: Array<[string, (s: Sample) => boolean]> = [
    ["handWrittenVerifyPerSecond", (s) => verifyEip191(tables[s.author], s.hash, s.sigHex)],
    ["nobleVerifyPerSecond", (s) => secp256k1.verify(s.recovered, s.digest, pubs[s.author], { prehash: false, format: "recovered" })],
    ["nobleTableVerifyPerSecond", nobleTableVerify],
    ["nobleRecoverPerSecond", (s) => "0x" + Buffer.from(keccak_256(secp256k1.Signature.fromBytes(s.recovered, "recovered").recoverPublicKey(s.digest).toBytes(false).subarray(1)).subarray(12)).toString("hex") === addresses[s.author]],
    ["ethersRecoverPerSecond", (s) => computeAddress(SigningKey.recoverPublicKey(s.digest, s.sigHex)).toLowerCase() === addresses[s.author]],
  ];
  if (recover) paths.unshift(["nativeRecoverPerSecond", (s) => recover(s.hash, s.sig65) === addresses[s.author]]);
  for (const [name, f] of paths) rate(name, samples.slice(0, 8), 0, f);
  for (const [name, f] of paths) figures[name] = rate(name, name.startsWith("ethers") ? samples.slice(0, 32) : samples, ms, f);
  figures.nativeAvailable = recover !== null;
  figures.handTableMsPerKey = Number(handTableMsPerKey.toFixed(1));
  figures.nobleTableMsPerKey = Number(nobleTableMsPerKey.toFixed(1));
  figures.handOverNobleVerify = Number(((figures.handWrittenVerifyPerSecond as number) / (figures.nobleVerifyPerSecond as number)).toFixed(2));
  figures.handOverNobleTable = Number(((figures.handWrittenVerifyPerSecond as number) / (figures.nobleTableVerifyPerSecond as number)).toFixed(2));
  return figures;
}

const invokedDirectly = process.argv.slice(1).some((a) => resolve(a) === fileURLToPath(import.meta.url));
if (invokedDirectly) console.log(await benchSecp256k1());
