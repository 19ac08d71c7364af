// One zod-validated configuration: environment variables, optionally overlaid on a JSON file (ANXIN_CONFIG).
// A wrong value stops start-up with a message naming the variable, never a stack trace.
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { divisionName, servableCity } from "./deid/divisions.js";
import { codeLevel, isPlaceCode, placeContains } from "./deid/geo.js";
import { ALG_COSIGNATURE_V1, isKeyName, parseVkey } from "./log/note.js";

/** One proxy in ANXIN_TRUST_PROXY: an IPv4/IPv6 address or CIDR, or one of express's names. */
const TRUST_PROXY_ENTRY = /^(loopback|linklocal|uniquelocal|[0-9.]+(\/\d{1,2})?|[0-9a-fA-F:]+(\/\d{1,3})?)$/;
const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A switch from the environment: exactly "true" or "false", on when unset. */
const onByDefault = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean({ message: 'must be "true" or "false"' })).default(true);

/** A JSON value given as text in the environment, or as a value in the ANXIN_CONFIG file. */
const jsonText = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => {
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      return Symbol("not JSON"); // fails the schema with its own message
    }
  }, schema);

/** One ICE server as RTCPeerConnection takes it (docs/consultation.md): stun:/turn: URLs, TURN with credentials or ANXIN_TURN_SECRET_FILE. */
const ICE_URL = /^(stun|stuns|turn|turns):[^\s?#]+(\?transport=(udp|tcp))?$/;
const iceServerSchema = z.strictObject({
  urls: z.union([z.string(), z.array(z.string()).min(1).max(8)]).transform((u) => (Array.isArray(u) ? u : [u])).refine((u) => u.every((x) => ICE_URL.test(x)), "each url is stun:, stuns:, turn: or turns: host[:port][?transport=udp|tcp]"),
  username: z.string().min(1).max(200).optional(),
  credential: z.string().min(1).max(200).optional(),
});
const isTurn = (s: { urls: string[] }) => s.urls.some((u) => u.startsWith("turn"));

const bilingual = z.strictObject({ zh: z.string().min(1).max(80), en: z.string().min(1).max(120) });
const zoneSchema = z.strictObject({
  key: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, "zone key: lowercase letters, digits, - or _"),
  name: z.string().min(1).max(40),
  en: z.string().min(1).max(60).optional(),
  districts: z.array(z.string().regex(/^\d{6}$/, "districts are 6-digit codes")).min(1).max(64),
});
const hotlineSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/),
  name: bilingual,
  number: z.string().regex(/^\d[\d-]{2,19}$/, "a phone number: digits and -"),
  note: bilingual.optional(),
  /** Where the number was checked (a public page or document): no local line without a source. */
  source: z.string().min(8).max(300),
});

export const configSchema = z.strictObject({
  dataDir: z.string().min(1).default("./data"),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").optional(),
  /** Embedded store on its own thread (default) or on the server's event loop ("false": one core, less memory). */
  pgliteThread: onByDefault,
  /** Envelope signature checks of record writes on their own thread (default) or on the event loop ("false"). */
  checkThread: onByDefault,
  chainRpcUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Set by `anxin serve --workers` for its workers: the embedded Anvil the primary process started and supervises. */
  embeddedChainUrl: z.url({ protocol: /^https?$/ }).optional(),
  host: z.string().min(1).default("127.0.0.1"),
  port: intFrom(0, 65535).default(7300),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** The service's operator key (relayer + anchoring writer): an ethers JSON keystore. */
  operatorKeystore: z.string().optional(),
  operatorPassphraseFile: z.string().optional(),
  /** Plain private key: dev chain only (refused when chainRpcUrl points elsewhere unless allowPlainKey). */
  operatorPrivateKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x + 64 hex digits").optional(),
  /** Public origin used in SIWE messages (domain + uri checks). */
  publicOrigin: z.url().optional(),
  sessionTtlSeconds: intFrom(60, 86_400).default(900),
  /** The session signing key (never in the database): a file or mounted secret every instance shares. Default: <dataDir>/session.key, created on first start. */
  sessionKeyFile: z.string().min(1).optional(),
  anchorEveryLeaves: intFrom(1, 1_000_000).default(1024),
  anchorIntervalSeconds: intFrom(1, 86_400).default(30),
  chainConfirmations: intFrom(0, 64).default(0),
  chainPollMs: intFrom(50, 60_000).default(500),
  // 0 = any free port (tests); the state file, not the port, carries the chain across restarts.
  anvilPort: intFrom(0, 65535).default(8545),
  jsonBodyLimit: z.string().regex(/^\d+(kb|mb)$/).default("2mb"),
  rateLimitPerMinute: intFrom(1, 1_000_000).default(600),
  authRateLimitPerMinute: intFrom(1, 1_000_000).default(60),
  /** Reads that write a log leaf (key releases), per signed-in address. */
  loggedReadRateLimitPerMinute: intFrom(1, 1_000_000).default(1200),
  /** "false" (default), a number of proxy hops, or comma-separated proxy addresses/CIDRs ("loopback", "uniquelocal" too). */
  trustProxy: z
    .union([z.boolean(), z.number().int().min(0).max(10), z.string()])
    .transform((v) => (typeof v !== "string" ? v : v === "false" ? false : /^\d+$/.test(v) ? Number(v) : v))
    .refine((v) => typeof v !== "string" || v.split(",").every((p) => TRUST_PROXY_ENTRY.test(p.trim())), {
      message: 'must be "false", a hop count (0–10), or comma-separated addresses, CIDRs, "loopback", "linklocal" or "uniquelocal"',
    })
    .refine((v) => v !== true, { message: "trusting every proxy lets any client choose its address: name the proxies or their hop count" })
    .refine((v) => typeof v !== "number" || v <= 10, { message: "a hop count is at most 10" })
    .default(false),
  /** The bearer token /metrics requires (a file; created 0600 in the data directory when unset). */
  metricsTokenFile: z.string().min(1).optional(),
  /** The city this deployment serves: a GB/T 2260 code of a prefecture-level city or a municipality. */
  city: z
    .string()
    .regex(/^\d{6}$/, "must be a 6-digit division code (GB/T 2260), e.g. 210400 for 抚顺市")
    .transform((c, ctx) => {
      const city = servableCity(c);
      if (!city) ctx.addIssue({ code: "custom", message: "is not a prefecture-level city or municipality in the division codes (e.g. 210400 抚顺市, 450900 玉林市, 310000 上海市)" });
      return city ?? c;
    })
    .default("310000"),
  /** The deployment's own groupings of its districts (between district and city on the generalization ladder). */
  zones: jsonText(z.array(zoneSchema).max(64, "at most 64 zones")).default([]),
  /** Crisis lines of this city, shown after 110, 120 and 12356. */
  localHotlines: jsonText(z.array(hotlineSchema).max(10)).default([]),
  /** Differential-privacy budget ε per month for community statistics (a new month's budget row starts with it). */
  dpMonthlyEpsilon: z.coerce.number({ message: "must be a positive number" }).positive("must be a positive number").max(1000).default(1),
  /** How often the matching upkeep runs (accepted proposals, expiries, ended consents). */
  matchingSweepMs: intFrom(50, 3_600_000).default(1000),
  /** The community office's published need-token keys (anxin.office.keys.v1); default <dataDir>/office-keys.json. */
  officeKeysFile: z.string().min(1).optional(),
  /** How often each matching service's pool is published (a batch with fresh need references); ms. */
  poolPublishMs: intFrom(100, 86_400_000).default(600_000),
  /** Bounds the web pages use (GET /v1/client/timing): copies of a record to several relationships leave at
   * independent delays within the first; the TREATMENT grant leaves within the second after a matching accept. */
  clientCopyDelayMaxMs: intFrom(0, 3_600_000).default(30_000),
  clientGrantDelayMaxMs: intFrom(0, 3_600_000).default(60_000),
  /** Record signatures checked with libsecp256k1's native binding when it loads ("false": the pure-JS check). */
  nativeSecp256k1: onByDefault,
  /** The server the CLI talks to; default http://127.0.0.1:<PORT>. */
  serverUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** New grant requests one pseudonym may submit in an hour, and everyone together in a minute (relay queue). */
  grantQuotaPerSubjectPerHour: intFrom(1, 1_000_000).default(20),
  grantQuotaPerMinute: intFrom(1, 1_000_000).default(600),
  /** Alerts one resident's address may send one counselor in 24 hours; beyond it that counselor is not alerted again (429 if nobody is left). */
  alertsPerCounselorPerDay: intFrom(1, 10_000).default(20),
  /** Live (booked) bookings one resident's address may hold at once. */
  bookingsPerResident: intFrom(1, 1000).default(5),
  /** The log's Ed25519 note key (never in the database); default <dataDir>/log-key, created 0600 on first start. */
  logKeyFile: z.string().min(1).optional(),
  /** Checkpoint origin line (and log key name) when the key file is created; later the key file's name wins. */
  logOrigin: z.string().refine(isKeyName, "must be a key name: no spaces and no '+'").optional(),
  /** Witnesses to ask for cosignatures: "<vkey> <url>" items separated by commas (env) or an array (file). */
  witnesses: z
    .preprocess(
      (v) =>
        typeof v === "string"
          ? v.split(",").map((x) => x.trim()).filter(Boolean)
          : Array.isArray(v)
            ? v.map((x) => (x && typeof x === "object" && "vkey" in x && "url" in x ? `${x.vkey} ${x.url}` : x))
            : v,
      z.array(
        z.string().transform((item, c) => {
          const [vkey, url, ...rest] = item.trim().split(/\s+/);
          try {
            parseVkey(vkey ?? "", ALG_COSIGNATURE_V1);
            if (rest.length || !url || !/^https?:$/.test(new URL(url).protocol)) throw new Error();
          } catch (e) {
            c.addIssue({ code: "custom", message: `each witness is "<cosignature vkey> <http(s) URL>"${e instanceof Error && e.message ? ` (${e.message})` : ""}` });
            return z.NEVER;
          }
          return { vkey, url };
        }),
      ),
    )
    .default([]),
  /** Witness cosignatures a checkpoint needs before it counts as final (0: the log's own signature suffices). */
  witnessQuorum: intFrom(0, 100).default(0),
  /** The deployment city's time zone (IANA): every time a page or file shows, and the on-call hours. */
  timeZone: z.string().refine((tz) => { try { new Intl.DateTimeFormat("en", { timeZone: tz }); return true; } catch { return false; } }, "an IANA time zone such as Asia/Shanghai").default("Asia/Shanghai"),
  /** An unacknowledged crisis alert moves to the next rung of the ladder after this many seconds (10 min). */
  crisisEscalateSeconds: intFrom(1, 86_400).default(600),
  /** The community's fallback counselors when nobody is on call: comma-separated addresses (env) or an array. */
  crisisFallbackCounselors: z
    .preprocess((v) => (typeof v === "string" ? v.split(",").map((x) => x.trim().toLowerCase()).filter(Boolean) : v), z.array(z.string().regex(/^0x[0-9a-f]{40}$/, "each fallback counselor is a 0x address")).max(50))
    .default([]),
  /** The community's crisis line, the ladder's last rung (default the national line 12356). */
  crisisLine: z.string().regex(/^\d[\d-]{2,19}$/, "a phone number: digits and -").default("12356"),
  /** STUN/TURN servers handed to both sides of a consultation (JSON array of RTCIceServer); none: direct paths only. */
  iceServers: jsonText(z.array(iceServerSchema).max(8, "at most 8 ICE servers")).default([]),
  /** coturn's static-auth-secret (use-auth-secret): TURN entries without credentials get per-session ones (a file). */
  turnSecretFile: z.string().min(1).optional(),
  /** "relay": media only through TURN, so neither side learns the other's IP address. */
  iceTransportPolicy: z.enum(["all", "relay"]).default("all"),
  /** A consultation can be joined this many minutes before its booked start, and until this many after its end. */
  consultationEarlyMinutes: intFrom(0, 120).default(10),
  consultationLateMinutes: intFrom(0, 240).default(30),
  /** Signaling messages one side of one consultation may send per minute. */
  consultationSignalsPerMinute: intFrom(10, 10_000).default(120),
}).superRefine((c, ctx) => {
  for (const [i, s] of c.iceServers.entries())
    if (isTurn(s) && !(s.username && s.credential) && !c.turnSecretFile)
      ctx.addIssue({ code: "custom", path: ["iceServers"], message: `server ${i + 1}: a turn: URL needs username and credential, or ANXIN_TURN_SECRET_FILE for per-session credentials` });
  if (c.iceTransportPolicy === "relay" && !c.iceServers.some(isTurn)) ctx.addIssue({ code: "custom", path: ["iceTransportPolicy"], message: "relay needs at least one turn: server in ANXIN_ICE_SERVERS" });
  const seen = new Map<string, string>();
  for (const zone of c.zones) {
    if ([...seen.values()].includes(zone.key)) ctx.addIssue({ code: "custom", path: ["zones"], message: `zone ${zone.key} is defined twice` });
    for (const d of zone.districts) {
      if (!isPlaceCode(d) || codeLevel(d) !== "district" || !placeContains(c.city, d) || !divisionName(d))
        ctx.addIssue({ code: "custom", path: ["zones"], message: `zone ${zone.key}: ${d} is not a district of ${c.city}` });
      else if (seen.has(d)) ctx.addIssue({ code: "custom", path: ["zones"], message: `zone ${zone.key}: ${d} is already in zone ${seen.get(d)}` });
      seen.set(d, zone.key);
    }
  }
});
export type Config = z.infer<typeof configSchema>;

const ENV: Record<keyof Config, string> = {
  dataDir: "ANXIN_DATA_DIR",
  databaseUrl: "DATABASE_URL",
  pgliteThread: "ANXIN_PGLITE_THREAD",
  checkThread: "ANXIN_CHECK_THREAD",
  chainRpcUrl: "CHAIN_RPC_URL",
  embeddedChainUrl: "ANXIN_EMBEDDED_CHAIN_URL",
  host: "HOST",
  port: "PORT",
  logLevel: "LOG_LEVEL",
  operatorKeystore: "ANXIN_OPERATOR_KEYSTORE",
  operatorPassphraseFile: "ANXIN_OPERATOR_PASSPHRASE_FILE",
  operatorPrivateKey: "ANXIN_OPERATOR_KEY",
  publicOrigin: "ANXIN_PUBLIC_ORIGIN",
  sessionTtlSeconds: "ANXIN_SESSION_TTL_SECONDS",
  sessionKeyFile: "ANXIN_SESSION_KEY_FILE",
  anchorEveryLeaves: "ANXIN_ANCHOR_EVERY_LEAVES",
  anchorIntervalSeconds: "ANXIN_ANCHOR_INTERVAL_SECONDS",
  chainConfirmations: "ANXIN_CHAIN_CONFIRMATIONS",
  chainPollMs: "ANXIN_CHAIN_POLL_MS",
  anvilPort: "ANXIN_ANVIL_PORT",
  jsonBodyLimit: "ANXIN_JSON_BODY_LIMIT",
  rateLimitPerMinute: "ANXIN_RATE_LIMIT_PER_MINUTE",
  authRateLimitPerMinute: "ANXIN_AUTH_RATE_LIMIT_PER_MINUTE",
  loggedReadRateLimitPerMinute: "ANXIN_LOGGED_READ_RATE_LIMIT_PER_MINUTE",
  trustProxy: "ANXIN_TRUST_PROXY",
  metricsTokenFile: "ANXIN_METRICS_TOKEN_FILE",
  city: "ANXIN_CITY",
  zones: "ANXIN_ZONES",
  localHotlines: "ANXIN_LOCAL_HOTLINES",
  dpMonthlyEpsilon: "ANXIN_DP_MONTHLY_EPSILON",
  matchingSweepMs: "ANXIN_MATCHING_SWEEP_MS",
  officeKeysFile: "ANXIN_OFFICE_KEYS_FILE",
  poolPublishMs: "ANXIN_POOL_PUBLISH_MS",
  clientCopyDelayMaxMs: "ANXIN_CLIENT_COPY_DELAY_MAX_MS",
  clientGrantDelayMaxMs: "ANXIN_CLIENT_GRANT_DELAY_MAX_MS",
  nativeSecp256k1: "ANXIN_NATIVE_SECP256K1",
  serverUrl: "ANXIN_URL",
  grantQuotaPerSubjectPerHour: "ANXIN_GRANT_QUOTA_PER_SUBJECT_PER_HOUR",
  grantQuotaPerMinute: "ANXIN_GRANT_QUOTA_PER_MINUTE",
  alertsPerCounselorPerDay: "ANXIN_ALERTS_PER_COUNSELOR_PER_DAY",
  bookingsPerResident: "ANXIN_BOOKINGS_PER_RESIDENT",
  logKeyFile: "ANXIN_LOG_KEY_FILE",
  logOrigin: "ANXIN_LOG_ORIGIN",
  witnesses: "ANXIN_WITNESSES",
  witnessQuorum: "ANXIN_WITNESS_QUORUM",
  timeZone: "ANXIN_TIME_ZONE",
  crisisEscalateSeconds: "ANXIN_CRISIS_ESCALATE_SECONDS",
  crisisFallbackCounselors: "ANXIN_CRISIS_FALLBACK_COUNSELORS",
  crisisLine: "ANXIN_CRISIS_LINE",
  iceServers: "ANXIN_ICE_SERVERS",
  turnSecretFile: "ANXIN_TURN_SECRET_FILE",
  iceTransportPolicy: "ANXIN_ICE_TRANSPORT_POLICY",
  consultationEarlyMinutes: "ANXIN_CONSULTATION_EARLY_MINUTES",
  consultationLateMinutes: "ANXIN_CONSULTATION_LATE_MINUTES",
  consultationSignalsPerMinute: "ANXIN_CONSULTATION_SIGNALS_PER_MINUTE",
};
export const CONFIG_ENV_VARS = ENV;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** Load config: defaults < ANXIN_CONFIG file < environment < explicit overrides. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const raw = { ...rawSettings(env), ...stripUndefined(overrides) };
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw configError(parsed.error.issues);
  const cfg = parsed.data;
  if (cfg.witnessQuorum > cfg.witnesses.length) throw new ConfigError([`ANXIN_WITNESS_QUORUM: needs ${cfg.witnessQuorum} cosignatures but ANXIN_WITNESSES names ${cfg.witnesses.length} witnesses`]);
  if (cfg.turnSecretFile) {
    try {
      readTurnSecret(cfg.turnSecretFile);
    } catch (e) {
      throw new ConfigError([`${ENV.turnSecretFile}: ${(e as Error).message}`]);
    }
  }
  if (cfg.sessionKeyFile) {
    try {
      readSessionKeyFile(cfg.sessionKeyFile);
    } catch (e) {
      throw new ConfigError([`${ENV.sessionKeyFile}: ${(e as Error).message}`]);
    }
  }
  return { ...cfg, dataDir: path.resolve(cfg.dataDir), sessionKeyFile: cfg.sessionKeyFile && path.resolve(cfg.sessionKeyFile), turnSecretFile: cfg.turnSecretFile && path.resolve(cfg.turnSecretFile), officeKeysFile: cfg.officeKeysFile && path.resolve(cfg.officeKeysFile) };
}

/**
 * One setting, validated like loadConfig does (same sources, same messages), for code that runs before or
 * without the whole configuration: a worker thread, a CLI client command.
 */
export function setting<K extends keyof Config>(key: K, env: NodeJS.ProcessEnv = process.env): Config[K] {
  const parsed = configSchema.shape[key].safeParse(rawSettings(env)[key]);
  if (!parsed.success) throw configError(parsed.error.issues.map((i) => ({ ...i, path: [key] })));
  return parsed.data as Config[K];
}

/** The server the CLI talks to: ANXIN_URL, else this machine's server on PORT (default 7300). */
/** The chain endpoint a client trusts by default (CLI `--rpc`): CHAIN_RPC_URL, if set. */
export function defaultChainRpcUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return setting("chainRpcUrl", env) as string | undefined;
}

export function defaultServerUrl(env: NodeJS.ProcessEnv = process.env): string {
  return setting("serverUrl", env) ?? `http://127.0.0.1:${setting("port", env)}`;
}

/** defaults < ANXIN_CONFIG file < environment, unvalidated. */
function rawSettings(env: NodeJS.ProcessEnv): Record<string, unknown> {
  let fromFile: Record<string, unknown> = {};
  if (env.ANXIN_CONFIG) {
    try {
      fromFile = JSON.parse(readFileSync(env.ANXIN_CONFIG, "utf8"));
    } catch (e) {
      throw new ConfigError([`ANXIN_CONFIG: cannot read ${env.ANXIN_CONFIG} as JSON (${(e as Error).message})`]);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== "") fromEnv[key] = v;
  }
  return { ...fromFile, ...fromEnv };
}

function configError(issues: { path: PropertyKey[]; message: string }[]): ConfigError {
  return new ConfigError(
    issues.map((i) => {
      const key = String(i.path[0] ?? "");
      const name = (ENV as Record<string, string>)[key] ?? key;
      // Never echo the value: it may be a secret (a private key, a database password).
      return `${name}: ${i.message}`;
    }),
  );
}

/**
 * Reads a session key file: 64+ hex digits or base64 of 32+ bytes (surrounding whitespace ignored). Throws a
 * message that names the problem, never the content.
 */
export function readSessionKeyFile(file: string): Buffer {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (e) {
    throw new Error(`cannot read the session key file ${file} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const key = /^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0 ? Buffer.from(text, "hex") : /^[A-Za-z0-9+/_-]+=*$/.test(text) ? Buffer.from(text, "base64") : Buffer.alloc(0);
  if (key.length < 32) throw new Error(`the session key file ${file} must hold at least 32 random bytes as hex or base64 (e.g. openssl rand -hex 32)`);
  return key;
}

/** The TURN shared secret (coturn static-auth-secret): the file's trimmed text, at least 16 characters; never echoed. */
export function readTurnSecret(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (e) {
    throw new Error(`cannot read the TURN secret file ${file} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  if (text.length < 16 || /\s/.test(text)) throw new Error(`the TURN secret file ${file} must hold one secret of at least 16 characters (e.g. openssl rand -hex 32)`);
  return text;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
