// Versioned migrations, applied in order at start. Append only: never edit a released migration.
import core from "./001_core.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [core];
