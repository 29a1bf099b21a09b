import crypto from 'node:crypto';
import { Client } from 'pg';
import { openDatabase, type Database } from '../../services/platform/db/database';
import { seedDemo } from '../../prisma/seed';
import { demoTemplateKey, openSeededCopy } from './demoDatabase';

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default (with the demo data, a copy of a seeded
 * template: test/support/demoDatabase.ts); with DATABASE_URL set (CI), a database of its own on that PostgreSQL
 * server, copied from a template migrated (and seeded) once, dropped again by `close()`.
 */
export async function openTestDatabase(options: { seed?: boolean } = {}): Promise<Database> {
  const serverUrl = process.env.DATABASE_URL;
  // Migrating and seeding cost seconds per file: a copy of a template made once instead.
  if (!serverUrl) return options.seed ? openSeededCopy() : openDatabase({ kind: 'pglite' });
  const server = await createServerDatabase(serverUrl, { template: options.seed ? 'demo' : 'migrated' });
  const opened = await openDatabase({ kind: 'postgresql', url: server.url });
  return {
    ...opened,
    close: async () => {
      await opened.close();
      await server.drop();
    },
  };
}

/**
 * A URL for a fresh database on the CI PostgreSQL server (for tests that start bot processes): empty, or a copy of a
 * template database already migrated ('migrated') or migrated and seeded with the demo data ('demo').
 */
export async function createServerDatabase(serverUrl: string, options: { template?: ServerTemplate } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sim_test_${crypto.randomBytes(6).toString('hex')}`;
  if (options.template) await copyOf(serverUrl, await serverTemplate(serverUrl, options.template), name);
  else await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  return { url: databaseUrl(serverUrl, name), drop: () => dropWhenClosed(serverUrl, name) };
}

type ServerTemplate = 'migrated' | 'demo';

const databaseUrl = (serverUrl: string, name: string) => {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

/**
 * The template's name, made on the server if missing: named after the sources it is made of (as the PGlite one is),
 * and after `sim_test_`, so that CI's sweep drops it with the rest. Test files running side by side may both make
 * it: each builds a database of its own and renames it into place; the one that comes second drops its own.
 */
async function serverTemplate(serverUrl: string, kind: ServerTemplate): Promise<string> {
  const name = `sim_test_template_${demoTemplateKey()}_${kind}`;
  if (await databaseExists(serverUrl, name)) return name;
  const building = `sim_test_${crypto.randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${building}"`);
  const db = await openDatabase({ kind: 'postgresql', url: databaseUrl(serverUrl, building) });
  try {
    if (kind === 'demo') await seedDemo(db.prisma);
  } finally {
    await db.close();
  }
  await untilUnused(serverUrl, building);
  try {
    await adminQuery(serverUrl, `ALTER DATABASE "${building}" RENAME TO "${name}"`);
  } catch (error) {
    await dropWhenClosed(serverUrl, building);
    if (!(await databaseExists(serverUrl, name))) throw error;
  }
  await dropTemplatesOtherThan(serverUrl, demoTemplateKey());
  return name;
}

/** Templates of earlier sources, left by runs on this server before the schema or the seed changed. */
async function dropTemplatesOtherThan(serverUrl: string, key: string): Promise<void> {
  await onServer(serverUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'sim\\_test\\_template\\_%' AND datname NOT LIKE $1",
      [`sim\\_test\\_template\\_${key}\\_%`],
    );
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
}

/** A copy of `template`; two copies started at once may find the template busy with the other for a moment. */
async function copyOf(serverUrl: string, template: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await adminQuery(serverUrl, `CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      return;
    } catch (error) {
      if (attempt === 20 || !/being accessed by other users/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

const databaseExists = (serverUrl: string, name: string) =>
  onServer(serverUrl, async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);

/**
 * pg's pool resolves end() before its sockets are gone; dropping with FORCE then would terminate those closing
 * connections and surface as an unhandled error in the test. So wait for them to leave first.
 */
async function dropWhenClosed(serverUrl: string, name: string): Promise<void> {
  await untilUnused(serverUrl, name);
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/** Waits (up to 20 s, on a busy machine) until the server sees no connection to `name` left. */
async function untilUnused(serverUrl: string, name: string): Promise<void> {
  await onServer(serverUrl, async (client) => {
    for (let i = 0; i < 200; i++) {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
      if (rows[0]?.n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
}

const adminQuery = (serverUrl: string, sql: string) => onServer(serverUrl, async (client) => void (await client.query(sql)));

/** `work` on a connection of its own to the server's maintenance database, closed whatever happens. */
async function onServer<T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
