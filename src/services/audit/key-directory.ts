// 7 keys: every sealed key entry was sealed to a key that was published, signed and logged at that time — a
// resident's key by its owner's EIP-712 publication with its "key" leaf before the entry's leaf, a counselor's key
// by an accreditation on chain that was in force then (or replaced less than the rotation grace before). Found after the fact, so a server that handed a client a substituted key is caught
// even when that client did not check (docs/threat-model.md (Key directory)).
import { keyPublicationHash, verifyKeyPublication, x25519FromBase64, type KeyPublication } from "../../crypto/key-publication.js";
import { keyLeafEvent } from "../records/recipients.js";
import { Findings, type AuditCheck } from "./report.js";
import type { AuditSnapshot, PublicationFact } from "./snapshot.js";

export interface KeyDirectoryResult {
  check: AuditCheck;
  /** Entries from before entries named their key, whose recipient had no signed key yet: nothing to check them by. */
  legacyEntries: number;
}

export interface KeyDirectoryRules {
  /** An entry sealed to a replaced counselor key still passes this long after the replacement. */
  rotationGraceSeconds: number;
}

export function checkKeyDirectory(s: AuditSnapshot, rules: KeyDirectoryRules): KeyDirectoryResult {
  const c = new Findings("keys", "every sealed key was sealed to a key its owner signed and logged, or the registry accredited");
  const valid = validPublications(s, c);
  let legacyEntries = 0;
  for (const k of s.keys) {
    const r = s.records.get(k.contentHash);
    // The author seals to their own key, which they hold: no directory was involved.
    if (!r || k.recipient === r.author) continue;
    const at = s.keyHashLeaf.get(k.entryHash);
    if (at === undefined) continue; // not logged at all: the leaves check's finding
    const published = (valid.get(k.recipient) ?? []).filter((p) => p.leafIndex < at);
    const registry = s.registryKeys.get(k.recipient);
    const where = `key entry of ${r.id} for ${k.recipient} (leaf ${at})`;
    if (k.pk === null) {
      if (published.length > 0 || registry?.length) c.fail("key-undeclared", `${where} does not name the key it is sealed to, though the recipient had a published key`);
      else legacyEntries++;
      continue;
    }
    if (published.some((p) => p.pk === k.pk)) continue;
    const spans = (registry ?? []).filter((x) => x.pk === k.pk);
    const t = s.keyHashAt.get(k.entryHash) ?? 0;
    // A key the registry once held is no licence: a server holding a counselor's retired (perhaps leaked) key could
    // otherwise hand it out for ever. It passes while in force, or within the grace after its replacement. (No lower
    // bound: an entry sealed to a key the registry accredited later is no substitution, and the chain's clock may
    // run ahead of ours.)
    if (spans.some((x) => x.until === null || t <= x.until + rules.rotationGraceSeconds)) continue;
    if (spans.length) c.fail("key-replaced", `${where} is sealed to a key the registry had replaced before it (beyond the rotation grace)`);
    else c.fail("key-not-published", `${where} is sealed to a key that was not published, signed and logged before it`);
  }
  return { check: c.done(), legacyEntries };
}

/** Publications whose signature verifies and whose "key" leaf is the one the store says; the rest are findings. */
function validPublications(s: AuditSnapshot, c: Findings): Map<string, PublicationFact[]> {
  const out = new Map<string, PublicationFact[]>();
  for (const p of s.publications) {
    let pub: KeyPublication;
    try {
      pub = verifyKeyPublication({ owner: p.owner, x25519PublicKey: x25519FromBase64(p.pk), version: p.version, issuedAt: p.issuedAt, signature: p.signature }, p.owner);
    } catch {
      c.fail("key-bad-signature", `key ${p.owner} v${p.version}: the owner's signature does not verify`);
      continue;
    }
    const leaf = s.keyLeaves.get(p.leafIndex);
    const expected = keyLeafEvent(pub, "1970-01-01T00:00:00.000Z");
    if (!leaf || leaf.id !== expected.id || leaf.hash !== keyPublicationHash(pub)) {
      c.fail("key-not-logged", `key ${p.owner} v${p.version}: no matching key leaf at ${p.leafIndex}`);
      continue;
    }
    const list = out.get(p.owner) ?? [];
    list.push(p);
    out.set(p.owner, list);
  }
  return out;
}
