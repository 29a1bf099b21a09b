import { Client } from 'pg';
import { openDatabase, type Database } from '../../services/platform/db/database';
import { createServerDatabase } from './database';
import { waitFor } from './waitFor';

export interface SharedDatabase {
  url: string;
  /** Separate connection pools on the same database, as separate processes would have. */
  pools: Database[];
  /** Closes the pools and drops the database once no connection to it is left. */
  close(): Promise<void>;
}

/** A fresh database on the PostgreSQL server at `serverUrl`, a copy of the migrated template, with `count` pools on it. */
export async function openSharedDatabase(serverUrl: string, count: number): Promise<SharedDatabase> {
  const server = await createServerDatabase(serverUrl, { template: 'migrated' });
  const pools: Database[] = [];
  for (let i = 0; i < count; i++) pools.push(await openDatabase({ kind: 'postgresql', url: server.url }));
  const name = decodeURIComponent(new URL(server.url).pathname.slice(1));
  return {
    url: server.url,
    pools,
    close: async () => {
      for (const pool of pools) await pool.close();
      // pg's Pool.end() resolves before its sockets are closed; dropping WITH (FORCE) then would terminate them
      // and surface as an unhandled 'error' event. So wait until the server sees no connection left.
      await waitFor(`connections to ${name} to close`, async () => (await connectionsTo(serverUrl, name)) === 0);
      await server.drop();
    },
  };
}

async function connectionsTo(serverUrl: string, database: string): Promise<number> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const result = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [database]);
    return result.rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}
