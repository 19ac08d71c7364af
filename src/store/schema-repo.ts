// A fresh, empty schema on a PostgreSQL server, for a run that must not meet earlier data (the demo on a shared
// server): the connection string that selects it through search_path.
import pg from "pg";

export async function createFreshSchema(databaseUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a schema name: ${name}`);
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(`CREATE SCHEMA ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(databaseUrl);
  u.searchParams.set("options", `-c search_path=${name}`);
  return u.toString();
}
