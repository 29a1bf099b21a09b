import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { readMigrations } from '../../services/platform/db/migrator';
import { type ReadyProcess, startReadyProcess, stopProcesses } from '../support/childProcess';
import { createServerDatabase } from '../support/database';

// Real processes on a real server: PGlite is one process's embedded database, so there is nothing to share there.
const serverUrl = process.env.DATABASE_URL;
const describeOnPostgres = serverUrl ? describe : describe.skip;

const botProcess = path.join(__dirname, '../support/botProcess.js');

describeOnPostgres('bot processes starting together (needs PostgreSQL: set DATABASE_URL)', () => {
  let database: { url: string; drop(): Promise<void> };
  let dataDir: string;
  const bots: ReadyProcess[] = [];

  beforeAll(async () => {
    database = await createServerDatabase(serverUrl!);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-start-together-'));
  });
  afterAll(async () => {
    await stopProcesses(bots, 'SIGTERM');
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('three processes started at once on an empty database all come up; each migration is applied once, the demo seeded once', async () => {
    const started = await Promise.allSettled(
      ['a', 'b', 'c'].map((name) => startReadyProcess(botProcess, { DATABASE_URL: database.url, DATA_DIR: path.join(dataDir, name) })),
    );
    for (const result of started) if (result.status === 'fulfilled') bots.push(result.value);
    expect(started.map((result) => (result.status === 'rejected' ? String(result.reason).slice(0, 2000) : 'ready'))).toEqual(['ready', 'ready', 'ready']);

    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const migrations = await client.query<{ migration_name: string; n: number }>(
        'SELECT migration_name, count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL GROUP BY 1 ORDER BY 1',
      );
      expect(migrations.rows).toEqual(readMigrations().map((migration) => ({ migration_name: migration.name, n: 1 })));
      const organisations = await client.query<{ name: string }>('SELECT name FROM "Organisation" ORDER BY name');
      expect(organisations.rows.map((row) => row.name)).toEqual(['Demo Company NV', 'Other Org BV']);
      // The seeded states exist once: Jan's service waiting for his SIM card number is one service, not three.
      const jansServices = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "Service" s JOIN "Person" p ON p.id = s."userId" WHERE p.email = 'jan.peeters@demo.example'`,
      );
      expect(jansServices.rows[0]!.n).toBe(1);
    } finally {
      await client.end();
    }
  }, 120_000);
});
