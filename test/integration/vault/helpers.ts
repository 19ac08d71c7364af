// Helpers for the vault suites: real grants signed by the resident's relationship key and relayed on the real chain
// (ConsentLedger.grantBySig by the operator), then indexed; real envelopes sealed on the client.
import { type Contract, type Wallet } from "ethers";
import { buildGrant, consentDomain, grantId, revokeMessage, signGrant, signRevoke, Purpose } from "../../../src/consent/index.js";
import {
  counselorKeys,
  fromBase64,
  sealJson,
  toBase64,
  walletSigner,
  type RecordEnvelope,
  type RecordKind,
  type RelationshipKeys,
} from "../../../src/crypto/index.js";
import { ApiClient, ApiError, ChainReader, consentDomainOf, eraseRelationship, publishSignedKey, residentKey, type ErasureReply } from "../../../src/client/index.js";
import type { TestServer } from "../../helpers/server.js";
import { registerOpening } from "../../helpers/consent.js";

export { problem } from "../../helpers/problem.js";

function domainOf(srv: TestServer) {
  return consentDomain(srv.ctx.chain.deployment.chainId, srv.ctx.chain.deployment.consentLedger);
}

/** The resident (relationship key) grants `purpose` to `grantee`; relayed and indexed. Returns the grantId. */
export async function grant(
  srv: TestServer,
  rel: RelationshipKeys,
  grantee: string,
  opts: { purpose?: Purpose; notAfter?: number; categories?: string[] } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const built = buildGrant({
    subject: rel.address,
    grantee,
    purpose: opts.purpose ?? Purpose.TREATMENT,
    categories: opts.categories ?? ["assessment", "consultation_note", "care_plan", "identity"],
    notBefore: now - 60,
    notAfter: opts.notAfter ?? now + 30 * 86400,
  });
  const g = built.grant;
  const sig = await signGrant(rel.wallet, domainOf(srv), g);
  const receipt = await (await (srv.ctx.chain.consentLedger as Contract).grantBySig(g, sig)).wait();
  await srv.ctx.indexer.syncTo(receipt.blockNumber);
  await registerOpening(srv.url, rel.wallet, built, sig);
  return grantId(g);
}

export async function revoke(srv: TestServer, rel: RelationshipKeys, id: string): Promise<void> {
  const r = revokeMessage(id);
  const sig = await signRevoke(rel.wallet, domainOf(srv), r);
  const receipt = await (await (srv.ctx.chain.consentLedger as Contract).revokeBySig(r, sig)).wait();
  await srv.ctx.indexer.syncTo(receipt.blockNumber);
}

export async function suspend(srv: TestServer, counselor: string): Promise<void> {
  await (await (srv.ctx.chain.registry as Contract).suspend(counselor, "0x" + "22".repeat(32))).wait();
  await srv.ctx.indexer.sync();
  srv.ctx.roles.invalidate();
}

/** A counselor seals a record about `rel` for themself and the resident (whose key they fetch from the server). */
export async function counselorWrites(
  api: ApiClient,
  counselor: Wallet,
  subject: string,
  consentId: string | null,
  body: Record<string, unknown>,
  opts: { kind?: RecordKind; prev?: string; id?: string; schema?: string } = {},
): Promise<{ envelope: RecordEnvelope; reply: { recordId: string; version: number; contentHash: string; leafIndex: number } }> {
  const keys = await counselorKeys(counselor.privateKey);
  // As every counselor client does: the resident's key only with its owner's signature and its log leaf.
  const chain = await chainOfServer(api);
  const residentPk = await residentKey(api, chain, subject).finally(() => chain.destroy());
  const envelope = await sealJson({
    kind: opts.kind ?? "consultation_note",
    schema: opts.schema ?? "anxin.note.v1",
    subjectRef: subject,
    consentId,
    prev: opts.prev ?? null,
    id: opts.id,
    body: body as never,
    recipients: [
      { address: keys.address, x25519PublicKey: keys.x25519.publicKey },
      { address: subject, x25519PublicKey: residentPk },
    ],
    signer: walletSigner(counselor),
  });
  const reply = await api.post("/v1/records", envelope);
  return { envelope, reply };
}

/** The served version (without keys) completed with the reader's released key entry, ready for openJson. */
export async function fetchForReader(api: ApiClient, recordId: string, contentHash: string) {
  const chain = await api.get(`/v1/records/${recordId}`);
  const v = chain.versions.find((x: { contentHash: string }) => x.contentHash === contentHash);
  const key = await api.get(`/v1/records/${recordId}/versions/${contentHash}/key`);
  return { envelope: { ...v.envelope, keys: [{ to: key.recipient, sealed: key.sealed }] }, key, chain };
}

/** The resident publishes the relationship's X25519 key, signed by the relationship key (a "key" leaf). */
export async function publishKey(api: ApiClient, rel: RelationshipKeys) {
  return publishSignedKey(api, rel.wallet, rel.x25519.publicKey);
}

/** The chain the server reports (in these suites the same Anvil; the hostile suite reads it past its proxy instead). */
export async function chainOfServer(api: ApiClient): Promise<ChainReader> {
  const { chain } = await new ApiClient(api.baseUrl).get<{ chain: { rpcUrl: string; registry: string; checkpointLog: string } }>("/healthz");
  return new ChainReader({ rpcUrl: chain.rpcUrl, registry: chain.registry, checkpointLog: chain.checkpointLog });
}

/** Signs in and waits until the chain-derived roles include `role` (a just-mined registry change). */
export async function loginAs(srv: TestServer, wallet: Wallet, role: string): Promise<ApiClient> {
  for (let i = 0; i < 20; i++) {
    srv.ctx.roles.invalidate();
    const api = await srv.api().login(wallet);
    if (api.roles.includes(role)) return api;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the registry never gave this address the ${role} role`);
}

/** Erases the address `api` is signed in as, the way the resident's app does: its revocations signed with `wallet`. */
export async function eraseAs(api: ApiClient, wallet: Wallet | { signTypedData: Wallet["signTypedData"] }): Promise<ErasureReply> {
  return eraseRelationship(api, wallet as Wallet, await consentDomainOf(api));
}
