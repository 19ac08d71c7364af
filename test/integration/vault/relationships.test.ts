// The sealed relationship list on a real server: the resident stores and fetches her own ciphertext by version; the
// database holds no plaintext; a stale version is refused; another resident sees only their own.
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { Wallet } from "ethers";
import { openRelationships, sealRelationships, vaultKeys, type Relationship } from "../../../src/crypto/index.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

describe("relationship vault (/v1/vault/relationships)", function () {
  this.timeout(60_000);
  let srv: TestServer;
  before(async () => (srv = await startTestServer()));
  after(async () => srv?.stop());

  const counselor = "0x" + "ab".repeat(20);
  const list: Relationship[] = [{ address: counselor, role: "counselor", label: "王丽华 咨询师", grants: ["0x" + "cd".repeat(32)], bookings: [{ slotId: "s1", start: "2026-12-03T02:00:00.000Z", end: "2026-12-03T02:50:00.000Z" }] }];

  it("stores version 1, then 2, returns them sealed, and the database holds ciphertext only", async () => {
    const seed = new Uint8Array(randomBytes(32));
    const me = await vaultKeys(seed);
    const api = await srv.api().login(me.wallet);
    const missing = await api.raw("GET", "/v1/vault/relationships");
    expect(missing.status).to.equal(404);
    await api.put("/v1/vault/relationships", { version: 1, sealed: await sealRelationships(seed, me.address, 1, []) });
    await api.put("/v1/vault/relationships", { version: 2, sealed: await sealRelationships(seed, me.address, 2, list) });
    const got = await api.get<{ version: number; sealed: string }>("/v1/vault/relationships");
    expect(got.version).to.equal(2);
    expect(await openRelationships(seed, me.address, got.version, got.sealed)).to.deep.equal(list);
    const rows = await srv.ctx.db.query<{ sealed: string }>("SELECT sealed FROM relationship_vaults WHERE owner = $1", [me.address]);
    const raw = Buffer.from(rows[0].sealed, "base64").toString("latin1");
    for (const clear of [counselor.slice(2), "王丽华", "s1", "2026-12-03"]) expect(raw + rows[0].sealed).to.not.include(clear);
    // A copy cannot be opened as another version (the version is bound as associated data).
    const err = await openRelationships(seed, me.address, 1, got.sealed).then(() => "opened", () => "refused");
    expect(err).to.equal("refused");
  });

  it("refuses a stale or skipped version with 409 and changes nothing; bad input is a 400", async () => {
    const seed = new Uint8Array(randomBytes(32));
    const me = await vaultKeys(seed);
    const api = await srv.api().login(me.wallet);
    await api.put("/v1/vault/relationships", { version: 1, sealed: await sealRelationships(seed, me.address, 1, list) });
    for (const v of [1, 3]) {
      const r = await api.raw("PUT", "/v1/vault/relationships", { version: v, sealed: await sealRelationships(seed, me.address, v, []) });
      expect(r.status, `version ${v}`).to.equal(409);
      expect((await r.json()).code).to.equal("stale_version");
    }
    for (const body of [{ version: 2 }, { version: 0, sealed: "A".repeat(60) }, { version: 2, sealed: "not base64!".repeat(8) }, { version: 2, sealed: "A".repeat(70_000) }]) {
      expect((await api.raw("PUT", "/v1/vault/relationships", body)).status, JSON.stringify(body).slice(0, 40)).to.equal(400);
    }
    const got = await api.get<{ version: number; sealed: string }>("/v1/vault/relationships");
    expect(got.version).to.equal(1);
    expect(await openRelationships(seed, me.address, 1, got.sealed)).to.deep.equal(list);
  });

  it("keeps each resident's list apart: another address finds none of hers", async () => {
    const other = await srv.api().login(Wallet.createRandom());
    expect((await other.raw("GET", "/v1/vault/relationships")).status).to.equal(404);
    expect((await srv.api().raw("GET", "/v1/vault/relationships")).status).to.equal(401);
  });
});
