import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../services/platform/db/database';
import { applyMigrations, migrationsDir, readMigrations } from '../../services/platform/db/migrator';
import { createServerDatabase, openTestDatabase } from '../support/database';

const schema = fs.readFileSync(path.join(__dirname, '../../prisma/schema.prisma'), 'utf8');
const models = [...schema.matchAll(/^model (\w+) \{/gm)].map((m) => m[1]!);
const enums = [...schema.matchAll(/^enum (\w+) \{/gm)].map((m) => m[1]!);
const migrationNames = fs
  .readdirSync(migrationsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** A copy of the migrations folder that a test may change without touching the project's. */
function copyOfMigrations(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  fs.cpSync(migrationsDir, dir, { recursive: true });
  return dir;
}

function addMigration(dir: string, name: string, sql: string): void {
  fs.mkdirSync(path.join(dir, name));
  fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
}

describe('migrations', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  const tables = async () =>
    (
      await db.sql.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
      )
    ).map((row) => row.table_name);

  test('from an empty database, every model has its table and every enum its type', async () => {
    expect(models.length).toBeGreaterThan(10);
    expect(await tables()).toEqual(expect.arrayContaining([...models, '_prisma_migrations']));
    const types = await db.sql.query<{ typname: string }>(`SELECT typname FROM pg_type WHERE typtype = 'e'`);
    expect(types.map((t) => t.typname)).toEqual(expect.arrayContaining(enums));
  });

  test('_prisma_migrations records each migration once, finished, with the SHA-256 of its migration.sql', async () => {
    const rows = await db.sql.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((row) => row.migration_name)).toEqual(migrationNames);
    for (const row of rows) {
      const file = fs.readFileSync(path.join(migrationsDir, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(crypto.createHash('sha256').update(file).digest('hex'));
      expect(row.finished_at).not.toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  test('a second run applies nothing', async () => {
    expect(await applyMigrations(db.sql)).toEqual([]);
    const [count] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
    expect(count!.n).toBe(migrationNames.length);
  });

  test('a migration edited after it was applied is refused, naming it', async () => {
    const dir = copyOfMigrations();
    const first = migrationNames[0]!;
    fs.appendFileSync(path.join(dir, first, 'migration.sql'), '\n-- edited afterwards\n');
    await expect(applyMigrations(db.sql, readMigrations(dir))).rejects.toThrow(
      `Migration ${first} was changed after it was applied; add a new migration instead.`,
    );
    fs.rmSync(dir, { recursive: true });
  });

  test('a new migration is applied and recorded; a failing one leaves nothing behind', async () => {
    const dir = copyOfMigrations();
    addMigration(dir, '29990101000000_demo_extra', 'CREATE TABLE "DemoExtra" ("id" INTEGER PRIMARY KEY);\n');
    expect(await applyMigrations(db.sql, readMigrations(dir))).toEqual(['29990101000000_demo_extra']);
    expect(await tables()).toContain('DemoExtra');

    addMigration(dir, '29990102000000_broken', 'CREATE TABLE "HalfDone" ("id" INTEGER);\nSELECT 1 / 0;\n');
    await expect(applyMigrations(db.sql, readMigrations(dir))).rejects.toThrow(/division by zero/);
    expect(await tables()).not.toContain('HalfDone');
    const recorded = await db.sql.query<{ migration_name: string }>(`SELECT migration_name FROM "_prisma_migrations"`);
    expect(recorded.map((row) => row.migration_name)).not.toContain('29990102000000_broken');
    // The database is still usable afterwards: no transaction left open in a failed state.
    expect(await db.prisma.organisation.count()).toBe(0);
    await db.sql.exec('DROP TABLE "DemoExtra"; DELETE FROM "_prisma_migrations" WHERE migration_name = \'29990101000000_demo_extra\'');
    fs.rmSync(dir, { recursive: true });
  });
});

const onPostgres = process.env.DATABASE_URL ? test : test.skip;

onPostgres('on PostgreSQL, two processes opening one fresh database at once apply the migrations once (needs DATABASE_URL: runs in CI)', async () => {
  const server = await createServerDatabase(process.env.DATABASE_URL!);
  try {
    const opened = await Promise.all([
      openDatabase({ kind: 'postgresql', url: server.url }),
      openDatabase({ kind: 'postgresql', url: server.url }),
    ]);
    const rows = await opened[0].sql.query<{ migration_name: string }>(`SELECT migration_name FROM "_prisma_migrations"`);
    expect(rows.map((row) => row.migration_name).sort()).toEqual(migrationNames);
    expect(await opened[1].prisma.organisation.count()).toBe(0);
    await Promise.all(opened.map((db) => db.close()));
  } finally {
    await server.drop();
  }
});
