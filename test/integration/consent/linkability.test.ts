// One resident, three counselors: nothing on chain ties two of the resident's relationships together.
import { expect } from "chai";
import { getBytes, hexlify, type Contract, type Wallet } from "ethers";
import { grantId as computeGrantId } from "../../../src/consent/index.js";
import { accreditCounselor, startTestServer, type TestServer } from "../../helpers/server.js";
import { withNonceRetry, Resident, onChain, signedGrant, signedRevoke, waitFor } from "./helpers.js";

/** 32-byte words of ABI data (after a 4-byte selector when `selector`). */
function words(data: string, selector: boolean): string[] {
  const b = getBytes(data).subarray(selector ? 4 : 0);
  const out: string[] = [];
  for (let i = 0; i + 32 <= b.length; i += 32) out.push(hexlify(b.subarray(i, i + 32)));
  return out;
}

/** ABI offsets and lengths, the purpose, booleans: small numbers every grant of every resident has. */
const isSmallConstant = (w: string) => /^0x[0-9a-f]{64}$/.test(w) && BigInt(w) < 1n << 16n;
/** The tail word of a 65-byte signature: v (27 or 28) then zero padding. */
const isSignatureV = (w: string) => /^0x(1b|1c)0{62}$/.test(w);

describe("linkability: one resident's three counselor relationships share no on-chain value", function () {
  this.timeout(120_000);
  let srv: TestServer;
  let counselors: Wallet[];
  before(async () => {
    srv = await startTestServer();
    counselors = [];
    for (let i = 0; i < 3; i++) counselors.push((await withNonceRetry(srv, () => accreditCounselor(srv))).wallet);
  });
  after(async () => srv?.stop());

  it("addresses, hashes, topics, event fields and calldata words differ between relationships", async () => {
    const r = await Resident.create();
    const provider = srv.ctx.chain.provider;
    const ledger = srv.ctx.chain.consentLedger as Contract;
    const perRelationship: Set<string>[] = [];
    const subjects = new Set<string>();
    for (const [i, c] of counselors.entries()) {
      const key = await r.keyFor(c.address);
      subjects.add(key.address.toLowerCase());
      const api = await r.api(srv, c.address);
      // Same purpose and categories for all three: the worst case for linkage.
      const { built, body } = await signedGrant(srv, key, c.address, { categories: ["assessment", "consultation_note"], days: 90 });
      const id = computeGrantId(built.grant);
      await api.post("/v1/consents", body);
      const v = await onChain(api, id);
      const txs = [v.txHash as string];
      if (i === 2) {
        await api.post(`/v1/consents/${id}/revoke`, await signedRevoke(srv, key, id));
        txs.push((await waitFor(() => api.get(`/v1/consents/${id}`), (x: any) => x.state === "revoked")).revoke.txHash);
      }
      const values = new Set<string>();
      for (const h of txs) {
        const tx = (await provider.getTransaction(h))!;
        const rc = (await provider.getTransactionReceipt(h))!;
        values.add(`addr:${tx.from.toLowerCase()}`).add(`addr:${tx.to!.toLowerCase()}`).add(`hash:${h}`).add(`hash:${rc.blockHash}`);
        for (const w of words(tx.data, true)) values.add(`word:${w}`);
        for (const l of rc.logs) {
          values.add(`addr:${l.address.toLowerCase()}`);
          for (const t of l.topics) values.add(`word:${t}`);
          for (const w of words(l.data, false)) values.add(`word:${w}`);
        }
      }
      perRelationship.push(values);
    }
    expect(subjects.size).to.equal(3);
    // Allowed to be common: the ledger and the operator (relayer) address, event signatures, small constants, and the
    // signature's v byte (27/28) with its padding.
    const ledgerAddr = (await ledger.getAddress()).toLowerCase();
    const topic0s = new Set(ledger.interface.fragments.filter((f) => f.type === "event").map((f) => (ledger.interface.getEvent((f as any).name)!.topicHash)));
    const allowed = (v: string) =>
      v === `addr:${ledgerAddr}` ||
      v === `addr:${srv.ctx.chain.operatorAddress.toLowerCase()}` ||
      (v.startsWith("word:") && (topic0s.has(v.slice(5)) || isSmallConstant(v.slice(5)) || isSignatureV(v.slice(5))));
    for (let a = 0; a < 3; a++)
      for (let b = a + 1; b < 3; b++) {
        const shared = [...perRelationship[a]].filter((v) => perRelationship[b].has(v) && !allowed(v));
        expect(shared, `relationships ${a} and ${b} share on-chain values`).to.deep.equal([]);
      }
    // The check is not vacuous: within one relationship, its values (subject, grantId, scope, times) are there.
    for (const s of perRelationship) expect(s.size).to.be.greaterThan(10);
  });
});
