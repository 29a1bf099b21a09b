import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../../../prisma/generated/client';
import { lockDataDir, type LockHolder } from './dataDirLock';
import { applyMigrations } from './migrator';
import { PriorityGate, prioritised } from './priority';

export type Db = PrismaClient;

/** Raw SQL access beside Prisma: multi-statement scripts (migrations) and advisory locks. */
export interface SqlRunner {
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `work` while holding a PostgreSQL advisory lock, so that concurrent processes take turns. */
  withAdvisoryLock<T>(key: number, work: () => Promise<T>): Promise<T>;
}

export interface Database {
  prisma: Db;
  sql: SqlRunner;
  kind: 'pglite' | 'postgresql';
  close(): Promise<void>;
}

export type DatabaseLocation =
  | { kind: 'pglite'; dataDir?: string } // no dataDir: in memory
  | { kind: 'postgresql'; url: string };

export interface OpenOptions {
  /** Told when an embedded database's lock left by a process that no longer runs is taken over. */
  onStaleLock?: (holder: LockHolder | undefined, file: string) => void;
}

/**
 * Opens the database, applies pending migrations and returns a ready Prisma client. An embedded database in a
 * directory is one process's: opening one another process has open throws DataDirLockedError (./dataDirLock.ts).
 */
export async function openDatabase(location: DatabaseLocation, options: OpenOptions = {}): Promise<Database> {
  const db = location.kind === 'pglite' ? await openPglite(location.dataDir, options) : openPostgres(location.url);
  try {
    await applyMigrations(db.sql);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

const PGLITE_SHARED_BUFFERS = '16MB';

async function openPglite(dataDir: string | undefined, open: OpenOptions): Promise<Database> {
  if (dataDir) fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  // Before PGlite reads or writes a file of the directory: a second process must leave it untouched.
  const lock = dataDir ? lockDataDir(dataDir, open.onStaleLock) : undefined;
  // PostgreSQL's default 128 MB of shared buffers live in this process's memory; the bot's working set is far smaller.
  const options = { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`] };
  let pglite: PGlite;
  try {
    pglite = dataDir ? new PGlite(dataDir, options) : new PGlite(options);
    await pglite.waitReady;
  } catch (error) {
    lock?.release();
    throw error;
  }
  // One connection for everything: people's turns take it before background work (services/platform/db/priority.ts).
  const prisma = new PrismaClient({ adapter: prioritised(new PrismaPGlite(pglite), new PriorityGate()) });
  // PGlite has a single connection: an advisory lock there only orders work inside this process.
  let queue: Promise<unknown> = Promise.resolve();
  const sql: SqlRunner = {
    exec: async (text) => {
      await pglite.exec(text);
    },
    query: async <T>(text: string, params: unknown[] = []) => (await pglite.query<T>(text, params)).rows,
    withAdvisoryLock: <T>(_key: number, work: () => Promise<T>) => {
      const run = queue.then(work, work);
      queue = run.catch(() => undefined);
      return run;
    },
  };
  return {
    prisma,
    sql,
    kind: 'pglite',
    close: async () => {
      try {
        await prisma.$disconnect();
        await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

function openPostgres(url: string): Database {
  const pool = new Pool({ connectionString: url, max: 10 });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const sql: SqlRunner = {
    // On one connection, rolled back there on failure: a multi-statement script that fails after its BEGIN leaves
    // its connection in an aborted transaction, which must not go back to the pool Prisma shares.
    exec: async (text) => {
      const client = await pool.connect();
      try {
        await client.query(text);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    query: async <T>(text: string, params: unknown[] = []) =>
      (await pool.query(text, params)).rows as T[],
    withAdvisoryLock: async <T>(key: number, work: () => Promise<T>) => {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [key]);
        try {
          return await work();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [key]);
        }
      } finally {
        client.release();
      }
    },
  };
  return {
    prisma,
    sql,
    kind: 'postgresql',
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
