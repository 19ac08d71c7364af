// The audit report (anxin.audit.report.v1) and the findings each check collects. Findings carry ids, indices,
// sizes and hashes only: never contents or identities.
import type { Provider } from "ethers";
import type { Queryable } from "../../store/db.js";

export interface AuditFailure {
  code: string;
  /** Ids, indices, sizes and hashes only. */
  detail: string;
}
export type AuditCheckId = "leaves" | "anchors" | "timing" | "access" | "accreditation" | "erasure" | "keys";
export interface AuditCheck {
  id: AuditCheckId;
  name: string;
  ok: boolean;
  failures: AuditFailure[];
  /** Failures beyond the first MAX_FAILURES are counted here, not listed. */
  moreFailures: number;
}
export interface EmergencyReviewItem {
  accessId: string;
  leafIndex: number;
  at: string;
  counselor: string;
  grantId: string;
  contentHash: string;
}
export interface AuditReport {
  format: "anxin.audit.report.v1";
  ok: boolean;
  generatedAt: string;
  log: { size: number; root: string };
  chain: { chainId: number; checkpointLog: string; latest: { size: number; root: string } };
  checks: AuditCheck[];
  stats: {
    leaves: number;
    anchors: number;
    records: number;
    keyEntries: number;
    /** Key entries from before entries named their key, to recipients with no signed key then (not checkable). */
    legacyKeyEntries: number;
    keyPublications: number;
    releases: number;
    refusals: number;
    tombstones: number;
    unanchoredLeaves: number;
    maxAnchorDelaySeconds: number | null;
    seconds: number;
    emergencyReview: EmergencyReviewItem[];
  };
}
export interface AuditDeps {
  db: Queryable;
  provider: Provider;
  deployment: { chainId: number; checkpointLog: string; registry: string; consentLedger: string; deployBlock: number };
  /** A record may be stored this long after its claimed time before we call it back-dated. Default 300 s. */
  backdateToleranceSeconds?: number;
  /** Block times vs claimed times: clock skew allowed. Default 60 s. */
  clockSkewSeconds?: number;
  /** After the registry replaces a counselor's key, entries sealed to the old key still pass this long (a client
   * that read the registry just before the rotation). Default 7 days. */
  keyRotationGraceSeconds?: number;
}

const MAX_FAILURES = 100;

/** One check's findings: the first MAX_FAILURES listed, the rest counted. */
export class Findings {
  readonly #failures: AuditFailure[] = [];
  #more = 0;
  constructor(
    readonly id: AuditCheckId,
    readonly name: string,
  ) {}
  fail(code: string, detail: string) {
    if (this.#failures.length < MAX_FAILURES) this.#failures.push({ code, detail });
    else this.#more++;
  }
  done(): AuditCheck {
    return { id: this.id, name: this.name, ok: this.#failures.length === 0, failures: this.#failures, moreFailures: this.#more };
  }
}
