import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SqlRunner } from './database';
import { projectRoot } from '../projectRoot';

/** The advisory lock two starting processes share, so migrations run once. */
const MIGRATION_LOCK_KEY = 72_707_001;

export const migrationsDir = path.join(projectRoot(), 'prisma', 'migrations');

export interface Migration {
  name: string;
  sql: string;
  /** The same checksum `prisma migrate` records: SHA-256 of the script, hex. */
  checksum: string;
}

export function readMigrations(dir = migrationsDir): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies the migrations not yet recorded in `_prisma_migrations`, each in its own transaction, recording them as
 * `prisma migrate deploy` would. Returns the names applied.
 */
export async function applyMigrations(sql: SqlRunner, migrations = readMigrations()): Promise<string[]> {
  return sql.withAdvisoryLock(MIGRATION_LOCK_KEY, async () => {
    await sql.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const rows = await sql.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const done = new Map(rows.map((row) => [row.migration_name, row.checksum]));
    const applied: string[] = [];
    for (const migration of migrations) {
      const recorded = done.get(migration.name);
      if (recorded !== undefined) {
        if (recorded !== migration.checksum) {
          throw new Error(`Migration ${migration.name} was changed after it was applied; add a new migration instead.`);
        }
        continue;
      }
      await sql.exec(`BEGIN;\n${migration.sql}\n;INSERT INTO "_prisma_migrations"
        ("id", "checksum", "finished_at", "migration_name", "applied_steps_count")
        VALUES ('${crypto.randomUUID()}', '${migration.checksum}', now(), '${migration.name.replace(/'/g, "''")}', 1);
        COMMIT;`).catch(async (error: unknown) => {
        await sql.exec('ROLLBACK').catch(() => undefined);
        throw error;
      });
      applied.push(migration.name);
    }
    return applied;
  });
}
