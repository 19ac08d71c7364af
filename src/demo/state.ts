// What the demo's steps share: the summary they fill in, the parties, and what one step hands to the next.
import { Wallet } from "ethers";
import type pino from "pino";
import type { ConsentDomain } from "../consent/index.js";
import type { CounselorKeys } from "../crypto/index.js";
import type { Need } from "../deid/index.js";
import type { RunningServer } from "../http/server.js";
import type { Party, ResidentActor } from "./actors.js";
import type { Community } from "./community.js";

/** Every consultation note the demo writes starts with it (the log scan looks for it in server output). */
export const NOTE_MARKER = "DEMO-NOTE";

export interface DemoStep {
  n: number;
  zh: string;
  en: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface DemoSummary {
  format: "anxin.demo.summary.v1";
  ok: boolean;
  seconds: number;
  dataDir: string;
  kept: boolean;
  url: string;
  community: { authority: string; counselors: number; residents: number; matcher: string; auditor: string; city: string };
  counts: {
    assessments: number;
    recordsWritten: number;
    recordsOpened: number;
    grantsOnChain: { total: number; matching: number; treatment: number; monitoring: number; revoked: number };
    needs: { submitted: number; published: number; held: number; emergency: number; heldMax: number };
    proposals: number;
    matchesAccepted: number;
    refusalsLogged: number;
    alerts: { crisis: number; wearableWarning: number };
    tombstones: number;
    logSize: number;
    anchoredSize: number;
  };
  gas: { registry: number; consents: number; anchors: number; total: number; transactions: number };
  crisis: { route: string; level: string; hotlines: string[]; notified: number } | null;
  revocation: { status: number; reason: string | null; inAccessLog: boolean } | null;
  wearable: { from: string; to: string; days: number; peak: number; notified: number; counselorSawAlert: boolean } | null;
  erasure: { tombstones: number; readAfterwards: number } | null;
  audit: {
    ok: boolean;
    checks: Array<{ id: string; name: string; ok: boolean; failures: number; first?: string }>;
    stats: Record<string, unknown>;
  } | null;
  steps: DemoStep[];
  /** Every server log line (not part of --json output: the CLI drops it). */
  logLines?: string[];
  error?: string;
}

export type Note = (line: string) => void;

export interface Proposal {
  proposalId: string;
  counselorId: string;
  reasons: { zh: string; en: string };
}

export interface CounselorActor {
  wallet: Wallet;
  keys: CounselorKeys;
  party: Party;
}

const fresh = () => new Wallet(Wallet.createRandom().privateKey);

/** One run's state. Fields marked `!` are set by the step that says so and read by the later ones. */
export class Demo {
  readonly C: DemoSummary["counts"];
  readonly matcherWallet = fresh();
  readonly auditorWallet = fresh();
  readonly counselorWallets: Wallet[];
  /** Set by step 1. */
  srv!: RunningServer;
  url = "";
  /** With DATABASE_URL: a second instance on the same database, which the residents use. */
  second?: RunningServer;
  residentUrl = "";
  /** The PostgreSQL server to run on (a fresh schema of it); unset: the embedded store. */
  databaseUrl?: string;
  admin!: Party;
  matcher!: Party;
  auditor!: Party;
  /** Set by step 2, in the order of community.counselors. */
  readonly counselors: CounselorActor[] = [];
  /** Counselor address → index into `counselors`. */
  readonly counselorOf = new Map<string, number>();
  /** Set by step 4. */
  residents: ResidentActor[] = [];
  domain!: ConsentDomain;
  readonly matchingGrants = new Map<ResidentActor, string>();
  readonly needs = new Map<ResidentActor, Need>();
  readonly proposals = new Map<ResidentActor, Proposal>();
  /** The consultation note each matched resident's counselor wrote (step 9). */
  readonly notes = new Map<ResidentActor, { recordId: string; contentHash: string }>();
  revoker?: ResidentActor;
  monitor?: ResidentActor;

  constructor(
    readonly S: DemoSummary,
    readonly community: Community,
    readonly dataDir: string,
    readonly log: pino.Logger,
    readonly started: (s: RunningServer) => void,
  ) {
    this.C = S.counts;
    this.counselorWallets = community.counselors.map(fresh);
  }

  /** Residents with a counselor and a note (the ones the later steps pick from). */
  matched(): ResidentActor[] {
    return this.residents.filter((r) => this.notes.has(r));
  }

  /** The first of the preferred residents (by number) still available, else any matched one. */
  pick(prefer: number[], not: Array<ResidentActor | undefined>): ResidentActor | undefined {
    const pool = this.matched().filter((r) => !not.includes(r));
    return prefer.map((n) => pool.find((r) => r.n === n)).find(Boolean) ?? pool[0];
  }

  counselorFor(address: string): CounselorActor {
    return this.counselors[this.counselorOf.get(address)!];
  }
}

export function emptySummary(dataDir: string, kept: boolean, community: Community): DemoSummary {
  return {
    format: "anxin.demo.summary.v1",
    ok: false,
    seconds: 0,
    dataDir,
    kept,
    url: "",
    community: {
      authority: "", counselors: community.counselors.length, residents: community.residents.length, matcher: "", auditor: "",
      city: `${community.places.city} ${community.places.label(community.places.city).zh}`,
    },
    counts: {
      assessments: 0,
      recordsWritten: 0,
      recordsOpened: 0,
      grantsOnChain: { total: 0, matching: 0, treatment: 0, monitoring: 0, revoked: 0 },
      needs: { submitted: 0, published: 0, held: 0, emergency: 0, heldMax: 0 },
      proposals: 0,
      matchesAccepted: 0,
      refusalsLogged: 0,
      alerts: { crisis: 0, wearableWarning: 0 },
      tombstones: 0,
      logSize: 0,
      anchoredSize: 0,
    },
    gas: { registry: 0, consents: 0, anchors: 0, total: 0, transactions: 0 },
    crisis: null,
    revocation: null,
    wearable: null,
    erasure: null,
    audit: null,
    steps: [],
  };
}

/** Runs `fn` over `items`, at most `width` at a time (the server is one process; a little overlap hides latency). */
export async function each<T>(items: T[], width: number, fn: (x: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

export const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
