// Bad input is the client's fault: every JSON route answers 4xx problem+json (never a 5xx) to a body that does not
// decompress in any Content-Encoding, and the transaction relay to a signature whose r is not on the curve.
import { expect } from "chai";
import { Signature, Transaction, Wallet } from "ethers";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { allRoutes } from "../../../src/http/routes/index.js";
import { problem } from "../../helpers/problem.js";

/** An x for which x³ + 7 has no square root mod p: no secp256k1 point has it, so no signer can be recovered. */
function offCurveX(): bigint {
  const p = 2n ** 256n - 2n ** 32n - 977n;
  const pow = (b: bigint, e: bigint): bigint => {
    let r = 1n;
    for (b %= p; e > 0n; e >>= 1n, b = (b * b) % p) if (e & 1n) r = (r * b) % p;
    return r;
  };
  let x = 5n;
  while (pow((x ** 3n + 7n) % p, (p - 1n) / 2n) === 1n) x++;
  return x;
}

describe("bad input never answers 5xx", function () {
  let srv: TestServer;
  before(async () => (srv = await startTestServer()));
  after(async () => srv?.stop());

  it("answers 400 problem+json to an undecodable body in every content encoding on every JSON route, sign-in included", async () => {
    const posts = allRoutes(srv.ctx).filter((r) => r.method !== "get" && r.body);
    expect(posts.length).to.be.greaterThan(20);
    const garbage = Buffer.from("this is not a compressed stream, not at all ................");
    for (const r of posts) {
      const path = r.path.replace(/(?<!\\):(\w+)/g, (_m, n: string) => (/id$/i.test(n) ? "0x" + "ab".repeat(32) : "x")).replace(/\\:/g, ":");
      for (const enc of ["br", "gzip", "deflate"]) {
        const res = await fetch(srv.url + path, { method: r.method.toUpperCase(), headers: { "content-type": "application/json", "content-encoding": enc }, body: garbage });
        expect(res.status, `${r.method.toUpperCase()} ${r.path} with ${enc}`).to.be.within(400, 499);
        expect(res.headers.get("content-type"), `${r.path} ${enc}`).to.match(/^application\/problem\+json/);
      }
    }
  });

  it("refuses a signed transaction whose r is not on the curve with 400 and relays nothing", async () => {
    const { wallet } = await accreditCounselor(srv);
    const api = await srv.api().login(wallet);
    const acct = await api.get("/v1/chain/account");
    const good = Transaction.from(
      await wallet.signTransaction({ to: acct.consentLedger, data: "0x", nonce: acct.nonce, chainId: acct.chainId, gasLimit: 100_000, maxFeePerGas: 1n, maxPriorityFeePerGas: 0n, type: 2 }),
    );
    const forged = Transaction.from({ ...good.toJSON(), signature: null, hash: undefined, from: undefined });
    forged.signature = Signature.from({ r: "0x" + offCurveX().toString(16).padStart(64, "0"), s: good.signature!.s, yParity: good.signature!.yParity });
    const e = await problem(api.post("/v1/chain/transactions", { rawTransaction: forged.serialized }));
    expect(e.status).to.equal(400);
    expect(e.problem.errors?.[0]).to.deep.equal({ path: "body.rawTransaction", message: "not a signed transaction" });
    expect(await srv.ctx.chain.provider.getTransactionCount(wallet.address)).to.equal(0);
    expect(srv.logLines.filter((l) => l.includes('"level":50'))).to.have.length(0);
  });
});
