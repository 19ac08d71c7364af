// Fast check of an EIP-191 (personal_sign) secp256k1 signature over 32 bytes against a KNOWN public key.
// ethers' verifyMessage recovers the public key on every call (~3 ms of BigInt curve arithmetic). A server that
// checks many signatures of the same few authors can instead precompute, once per key, a table of multiples of the
// key (and one of the generator), after which u1·G + u2·Q costs only ~55 mixed point additions and no doublings.
// The answer is exactly verifyMessage(hash, sig) === address(Q) for the accepted form of signature (v ∈ {27, 28},
// 0 < r < n, 0 < s ≤ n/2): recovery yields Q iff R = u1·G + u2·Q is the point with x = r and y parity v − 27.
// Public data only (signatures, public keys), so nothing here needs to be constant time.
// Kept over @noble/curves because it measured 2.4–3.1× noble's verify on the same signatures (docs/BENCHMARKS.md,
// scripts/bench/secp256k1.ts).
import { keccak_256 } from "@noble/hashes/sha3.js";
import { fromHex0x } from "./encoding.js";
import { isLowS, SECP256K1_GX as GX, SECP256K1_GY as GY, SECP256K1_N as N, SECP256K1_P as P } from "./secp256k1.js";

const mod = (a: bigint) => a % P;
const sub = (a: bigint, b: bigint) => (a >= b ? a - b : a - b + P);

/** Modular inverse by the extended Euclidean algorithm (a ≠ 0 mod m). */
function inv(a: bigint, m: bigint): bigint {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error("not invertible");
  return ((s0 % m) + m) % m;
}

/** Jacobian point (X/Z², Y/Z³); Z = 0 is the point at infinity. */
type Jac = { x: bigint; y: bigint; z: bigint };
const INF: Jac = { x: 0n, y: 1n, z: 0n };

function dbl(p: Jac): Jac {
  if (p.z === 0n || p.y === 0n) return INF;
  const a = mod(p.x * p.x);
  const b = mod(p.y * p.y);
  const c = mod(b * b);
  const xb = p.x + b;
  const d = mod(2n * sub(sub(mod(xb * xb), a), c));
  const e = mod(3n * a);
  const f = mod(e * e);
  const x3 = sub(f, mod(2n * d));
  const y3 = sub(mod(e * sub(d, x3)), mod(8n * c));
  const z3 = mod(2n * p.y * p.z);
  return { x: x3, y: y3, z: z3 };
}

/** p + (ax, ay) with (ax, ay) affine. */
function addAffine(p: Jac, ax: bigint, ay: bigint): Jac {
  if (p.z === 0n) return { x: ax, y: ay, z: 1n };
  const z1z1 = mod(p.z * p.z);
  const u2 = mod(ax * z1z1);
  const s2 = mod(mod(ay * p.z) * z1z1);
  const h = sub(u2, p.x);
  const rr = sub(s2, p.y);
  if (h === 0n) return rr === 0n ? dbl(p) : INF;
  const hh = mod(h * h);
  const i = mod(4n * hh);
  const j = mod(h * i);
  const r = mod(2n * rr);
  const v = mod(p.x * i);
  const x3 = sub(sub(mod(r * r), j), mod(2n * v));
  const y3 = sub(mod(r * sub(v, x3)), mod(2n * mod(p.y * j)));
  const zh = p.z + h;
  const z3 = sub(sub(mod(zh * zh), z1z1), hh);
  return { x: x3, y: y3, z: z3 };
}

/** Affine coordinates of many Jacobian points with one inversion (Montgomery's trick); none may be infinity. */
function normalize(points: Jac[]): Array<[bigint, bigint]> {
  const acc: bigint[] = new Array(points.length);
  let prod = 1n;
  for (let i = 0; i < points.length; i++) {
    acc[i] = prod;
    prod = mod(prod * points[i].z);
  }
  let invProd = inv(prod, P);
  const out: Array<[bigint, bigint]> = new Array(points.length);
  for (let i = points.length - 1; i >= 0; i--) {
    const zi = mod(invProd * acc[i]);
    invProd = mod(invProd * points[i].z);
    const zi2 = mod(zi * zi);
    out[i] = [mod(points[i].x * zi2), mod(mod(points[i].y * zi2) * zi)];
  }
  return out;
}

/**
 * Fixed-window table of a point: for window i and digit d ∈ [1, 2^(w−1)], d·2^(w·i)·point in affine form, so that
 * k·point = Σ ±table[i][|d_i| − 1] over the signed base-2^w digits of k: one addition per non-zero digit.
 */
export class PointTable {
  readonly windows: number;
  readonly half: number;
  /** Flattened [x, y] per (window, digit). */
  readonly xs: bigint[];
  readonly ys: bigint[];

  constructor(
    readonly x: bigint,
    readonly y: bigint,
    readonly w: number,
  ) {
    this.windows = Math.ceil(257 / w);
    this.half = 1 << (w - 1);
    const jac: Jac[] = [];
    let base: Jac = { x, y, z: 1n };
    for (let i = 0; i < this.windows; i++) {
      const [[bx, by]] = normalize([base]);
      let e: Jac = { x: bx, y: by, z: 1n };
      jac.push(e);
      for (let d = 2; d <= this.half; d++) {
        e = d === 2 ? dbl(e) : addAffine(e, bx, by);
        jac.push(e);
      }
      base = dbl(e); // 2 · 2^(w−1) · base = 2^w · base
    }
    const aff = normalize(jac);
    this.xs = aff.map((a) => a[0]);
    this.ys = aff.map((a) => a[1]);
  }

  /** acc + k·point (0 ≤ k < 2^256). */
  mulAdd(acc: Jac, k: bigint): Jac {
    const w = BigInt(this.w);
    const mask = (1n << w) - 1n;
    const full = 1 << this.w;
    let carry = 0;
    for (let i = 0; i < this.windows && (k !== 0n || carry !== 0); i++) {
      let d = Number(k & mask) + carry;
      k >>= w;
      carry = 0;
      if (d > this.half) {
        d -= full;
        carry = 1;
      }
      if (d === 0) continue;
      const at = i * this.half + Math.abs(d) - 1;
      acc = addAffine(acc, this.xs[at], d > 0 ? this.ys[at] : P - this.ys[at]);
    }
    return acc;
  }
}

let gTable: PointTable | undefined;
/** The generator's table (window 10: 26 additions per u1·G; ~13,000 points, built once, ~0.1 s). */
function generatorTable(): PointTable {
  return (gTable ??= new PointTable(GX, GY, 10));
}

/** Precomputed multiples of a public key, from its 65-byte uncompressed SEC1 encoding (0x04 ‖ x ‖ y). */
export function precomputePublicKey(uncompressed: Uint8Array, window = 7): PointTable {
  if (uncompressed.length !== 65 || uncompressed[0] !== 4) throw new Error("expected a 65-byte uncompressed public key");
  const x = bytesToBig(uncompressed.subarray(1, 33));
  const y = bytesToBig(uncompressed.subarray(33, 65));
  if (x >= P || y >= P || mod(y * y) !== mod(mod(x * x) * x + 7n)) throw new Error("not a point on secp256k1");
  return new PointTable(x, y, window);
}

function bytesToBig(b: Uint8Array): bigint {
  let hex = "0x";
  for (let i = 0; i < b.length; i++) hex += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return hex === "0x" ? 0n : BigInt(hex);
}

const EIP191_PREFIX = new TextEncoder().encode("\x19Ethereum Signed Message:\n32");

/** keccak256("\x19Ethereum Signed Message:\n32" ‖ hash): the digest personal_sign signs for 32 bytes. */
export function eip191Digest32(hash: Uint8Array): Uint8Array {
  if (hash.length !== 32) throw new Error("expected 32 bytes");
  const m = new Uint8Array(EIP191_PREFIX.length + 32);
  m.set(EIP191_PREFIX);
  m.set(hash, EIP191_PREFIX.length);
  return keccak_256(m);
}

/**
 * Whether `sig` (0x + 130 hex: r ‖ s ‖ v) is an EIP-191 signature over the 32 bytes `hash` by the key `key`.
 * Accepts exactly what `verifyMessage(hash, sig) === address(key)` accepts with v ∈ {27, 28} and low s.
 */
export function verifyEip191(key: PointTable, hash: Uint8Array, sig: string): boolean {
  let bytes: Uint8Array;
  try {
    bytes = fromHex0x(sig, 65);
  } catch {
    return false;
  }
  const r = bytesToBig(bytes.subarray(0, 32));
  const s = bytesToBig(bytes.subarray(32, 64));
  const v = bytes[64];
  if (v !== 27 && v !== 28) return false;
  if (r === 0n || r >= N || !isLowS(s)) return false;
  const e = bytesToBig(eip191Digest32(hash));
  const si = inv(s, N);
  const u1 = (e * si) % N;
  const u2 = (r * si) % N;
  const R = key.mulAdd(generatorTable().mulAdd(INF, u1), u2);
  if (R.z === 0n) return false;
  const [[x, y]] = normalize([R]);
  return x === r && Number(y & 1n) === v - 27;
}
