// Helpers for the audit suites. logKeyEntries appends, for every stored sealed key not yet logged (neither in a record
// leaf's `keys` nor by a "key-added" leaf), the leaf the vault would write (docs/FORMATS.md (Audit formats)
// §"Sealed-key leaf"): the vault logs every key it stores, so against an untouched store it adds none.
import { expect } from "chai";
import { Wallet } from "ethers";
import { counselorKeys, fromBase64, keyEntryHash, sealJson, walletSigner } from "../../../src/crypto/index.js";
import type { ApiClient } from "../../../src/client/index.js";
import { verifyAudit, type AuditReport } from "../../../src/services/audit.js";
import type { TestServer } from "../../helpers/server.js";

export async function logKeyEntries(srv: TestServer): Promise<number> {
  return srv.ctx.writer.submit(async ({ q, append }) => {
    const logged = new Set(
      (await q.query<{ input: string }>("SELECT input FROM log_leaves WHERE type IN ('record', 'access')")).flatMap((r) => {
        const e = JSON.parse(r.input) as { type: string; hash: string; decision?: string; keys?: string[] };
        return e.type === "record" ? (e.keys ?? []) : e.decision === "key-added" ? [e.hash] : [];
      }),
    );
    const rows = await q.query<{ content_hash: string; recipient: string; sealed: string; recipient_pk: string | null; added_at: Date; record_id: string; version: number }>(
      `SELECT k.content_hash, k.recipient, k.sealed, k.recipient_pk, k.added_at, r.record_id, r.version
       FROM record_keys k JOIN records r USING (content_hash) WHERE k.sealed IS NOT NULL ORDER BY k.added_at`,
    );
    let n = 0;
    for (const k of rows) {
      const hash = keyEntryHash(k.content_hash, k.recipient, k.sealed, k.recipient_pk);
      if (logged.has(hash)) continue;
      append({ type: "access", id: `${k.record_id}:${k.version}`, hash, at: new Date(k.added_at).toISOString(), decision: "key-added" });
      n++;
    }
    return n;
  });
}

/**
 * The audit as the server runs it (PGlite: leaves streamed as raw rows). Each call also runs the paged read that
 * drivers without streamRows use (PostgreSQL server) and requires the same report from both.
 */
export async function audit(srv: TestServer): Promise<AuditReport> {
  const deps = { db: srv.ctx.db, provider: srv.ctx.chain.provider, deployment: srv.ctx.chain.deployment };
  const { db } = deps;
  const pagedDb = { query: db.query.bind(db), exec: db.exec.bind(db) };
  const same = (r: AuditReport) => JSON.stringify({ ...r, generatedAt: 0, stats: { ...r.stats, seconds: 0 } });
  for (let attempt = 0; ; attempt++) {
    const report = await verifyAudit(deps);
    if (!db.streamRows) return report;
    const paged = await verifyAudit({ ...deps, db: pagedDb });
    // A leaf appended between the two runs (the indexer) changes the log: run both again.
    if (paged.log.size !== report.log.size && attempt < 3) continue;
    expect(same(paged), "the paged read disagrees with the streamed read").to.equal(same(report));
    return report;
  }
}

/** The failure codes of the report, as "check/code". */
export function codes(r: AuditReport): string[] {
  return [...new Set(r.checks.flatMap((c) => c.failures.map((f) => `${c.id}/${f.code}`)))].sort();
}

/** A counselor record with an explicit createdAt (to back-date it). */
export async function writeAt(api: ApiClient, counselor: Wallet, subject: string, consentId: string, createdAt: Date) {
  const keys = await counselorKeys(counselor.privateKey);
  const resident = await api.get<{ x25519PublicKey: string }>(`/v1/vault/recipients/${subject}`);
  const envelope = await sealJson({
    kind: "consultation_note",
    schema: "anxin.note.v1",
    subjectRef: subject,
    consentId,
    createdAt,
    body: { minutes: 30 },
    recipients: [
      { address: keys.address, x25519PublicKey: keys.x25519.publicKey },
      { address: subject, x25519PublicKey: fromBase64(resident.x25519PublicKey, 32) },
    ],
    signer: walletSigner(counselor),
  });
  return api.post<{ recordId: string; version: number; contentHash: string; leafIndex: number }>("/v1/records", envelope);
}
