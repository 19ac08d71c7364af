// The composition root: config + store + chain + the services built on them.
// Services are the only place where core modules and adapters meet.
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { connectChain, type Chain } from "../chain/index.js";
import { openStore, type Db } from "../store/index.js";
import { indexedRoleResolver, type RoleResolver } from "./roles.js";
import { LogWriter } from "./log-writer.js";
import { ChainIndexer } from "./chain-index.js";
import { cityPlaces } from "../deid/divisions.js";
import type { Places } from "../deid/index.js";
import { Sessions } from "./sessions.js";
import { loadSessionKey } from "./session-key.js";

export interface AppContext {
  cfg: Config;
  log: Logger;
  db: Db;
  chain: Chain;
  roles: RoleResolver;
  /** The only way to write: data + log leaves in one (group-committed) transaction. */
  writer: LogWriter;
  /** Consent and registry events from the chain, kept in the store. */
  indexer: ChainIndexer;
  /** The city this deployment serves (ANXIN_CITY): its districts, streets and zones. */
  places: Places;
  /** Server-side sessions, signed by a key that is never in the database. */
  sessions: Sessions;
  /** Host[:port] values a SIWE message may name as its domain; filled in once the server listens. */
  siweDomains: Set<string>;
  /** Background workers register a stop function here; shutdown runs them in reverse order. */
  onClose: Array<() => Promise<void>>;
}

export async function createContext(cfg: Config, log: Logger): Promise<AppContext> {
  const places = await cityPlaces(cfg.city, cfg.zones);
  // Before the store: a bad key file stops start-up with nothing opened.
  const sessionKey = loadSessionKey(cfg);
  if (sessionKey.created) log.info({ file: sessionKey.file }, "created the session signing key (owner-only); instances that share this database need the same key: ANXIN_SESSION_KEY_FILE");
  const db = await openStore(cfg, (e) =>
    log.fatal({ error: (e as Error)?.message }, "the embedded database thread stopped: requests answer 503 until the server is restarted"),
  );
  log.info({ store: db.kind }, "store ready (migrations applied)");
  let chain: Chain;
  try {
    chain = await connectChain(cfg, log);
  } catch (e) {
    await db.close();
    throw e;
  }
  const writer = new LogWriter(db);
  const roles = indexedRoleResolver(db);
  const indexer = new ChainIndexer({
    db,
    writer,
    provider: chain.provider,
    deployment: chain.deployment,
    confirmations: cfg.chainConfirmations,
    log,
    onChange: (kinds) => kinds.has("registry") && roles.invalidate(),
  });
  return {
    cfg,
    log,
    db,
    chain,
    roles,
    writer,
    indexer,
    places,
    sessions: new Sessions(db, sessionKey.key, cfg.sessionTtlSeconds),
    siweDomains: new Set(cfg.publicOrigin ? [new URL(cfg.publicOrigin).host] : []),
    onClose: [],
  };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  for (const stop of [...ctx.onClose].reverse()) {
    try {
      await stop();
    } catch (e) {
      ctx.log.warn({ err: (e as Error).name }, "a worker did not stop cleanly");
    }
  }
  await ctx.chain.close();
  await ctx.db.close();
}
