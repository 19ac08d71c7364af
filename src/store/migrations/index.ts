// Versioned migrations, applied in order at start. Append only: never edit a released migration.
import core from "./001_core.js";
import chainIndex from "./002_chain_index.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [core, chainIndex];
