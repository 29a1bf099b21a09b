import crypto from 'node:crypto';
import { Client } from 'pg';
import { openDatabase, type Database } from '../../services/platform/db/database';
import { seedDemo } from '../../prisma/seed';
import { openSeededCopy } from './demoDatabase';

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default (with the demo data, a copy of a seeded
 * template: test/support/demoDatabase.ts); with DATABASE_URL set (CI), a database of its own on that PostgreSQL
 * server, dropped again by `close()`.
 */
export async function openTestDatabase(options: { seed?: boolean } = {}): Promise<Database> {
  const serverUrl = process.env.DATABASE_URL;
  // Seeding costs several seconds of CPU per file: on PGlite, a copy of a template seeded once.
  if (options.seed && !serverUrl) return openSeededCopy();
  let db: Database;
  if (!serverUrl) {
    db = await openDatabase({ kind: 'pglite' });
  } else {
    const server = await createServerDatabase(serverUrl);
    const opened = await openDatabase({ kind: 'postgresql', url: server.url });
    db = {
      ...opened,
      close: async () => {
        await opened.close();
        await server.drop();
      },
    };
  }
  if (options.seed) await seedDemo(db.prisma);
  return db;
}

/** A URL for a fresh database on the CI PostgreSQL server (for tests that start bot processes). */
export async function createServerDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sim_test_${crypto.randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropWhenClosed(serverUrl, name) };
}

/**
 * pg's pool resolves end() before its sockets are gone; dropping with FORCE then would terminate those closing
 * connections and surface as an unhandled error in the test. So wait for them to leave first.
 */
async function dropWhenClosed(serverUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (let i = 0; i < 50; i++) {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
      if (rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
