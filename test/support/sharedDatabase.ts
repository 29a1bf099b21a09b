import { openDatabase, type Database } from '../../services/platform/db/database';
import { createServerDatabase } from './database';

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
  return {
    url: server.url,
    pools,
    close: async () => {
      for (const pool of pools) await pool.close();
      // Dropped once the server sees no connection left (test/support/database.ts).
      await server.drop();
    },
  };
}
