import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedDemo } from '../../prisma/seed';
import { openDatabase, type Database } from '../../services/platform/db/database';
import { openTestDatabase } from '../support/database';

/**
 * A fresh PGlite database holding the migrated schema and the demo data, for one test file, in about a second: a copy
 * of a data directory migrated and seeded once and kept in the temporary folder until the migrations, the seed or
 * the services change. Opening a fresh in-memory PGlite, migrating and seeding it costs several seconds of CPU per
 * file. With DATABASE_URL (CI's PostgreSQL server) it is the usual database of its own on that server.
 */
export async function openDemoDatabase(): Promise<Database> {
  if (process.env.DATABASE_URL) return openTestDatabase({ seed: true });
  const template = await demoTemplate();
  removeLeftovers(template);
  fs.mkdirSync(path.join(home, 'copies'), { recursive: true });
  const copy = fs.mkdtempSync(path.join(home, 'copies', 'copy-'));
  fs.cpSync(template, path.join(copy, 'pglite'), { recursive: true });
  const db = await openDatabase({ kind: 'pglite', dataDir: path.join(copy, 'pglite') });
  return {
    ...db,
    close: async () => {
      await db.close();
      fs.rmSync(copy, { recursive: true, force: true });
    },
  };
}

const root = path.join(__dirname, '..', '..');
// One folder per checkout: other checkouts on the machine keep their own templates.
const checkout = crypto.createHash('sha256').update(root).digest('hex').slice(0, 8);
const home = path.join(os.tmpdir(), `sim-test-demo-${checkout}`);

/** What the template is made of: the schema, its migrations, the seed and its data, and the services it calls. */
function sources(): string[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'generated' || entry.name === 'node_modules' ? [] : walk(relative);
      return /\.(ts|sql|json|prisma)$/.test(entry.name) ? [relative] : [];
    });
  return [...walk('prisma'), ...walk('services')].sort();
}

function contentKey(): string {
  const hash = crypto.createHash('sha256');
  for (const file of sources()) {
    hash.update(file).update('\0').update(fs.readFileSync(path.join(root, file))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The template's directory, made if missing. Test files running side by side may both make it: each builds in a
 * folder of its own and renames it into place; the one that comes second keeps the first's.
 */
async function demoTemplate(): Promise<string> {
  const template = path.join(home, contentKey());
  if (fs.existsSync(template)) {
    const now = new Date();
    fs.utimesSync(template, now, now);
    return template;
  }

  fs.mkdirSync(home, { recursive: true });
  const building = fs.mkdtempSync(path.join(home, 'building-'));
  const db = await openDatabase({ kind: 'pglite', dataDir: building });
  try {
    await seedDemo(db.prisma);
  } finally {
    await db.close();
  }
  try {
    fs.renameSync(building, template);
  } catch {
    fs.rmSync(building, { recursive: true, force: true });
    if (!fs.existsSync(template)) throw new Error(`could not keep the demo database template at ${template}`);
  }
  return template;
}

/** Templates of earlier sources not used for an hour, and what a crashed run left (builds, copies). */
function removeLeftovers(current: string): void {
  const hourAgo = Date.now() - 60 * 60 * 1000;
  const copies = path.join(home, 'copies');
  const entries = [
    ...fs.readdirSync(home).map((entry) => path.join(home, entry)).filter((dir) => dir !== current && dir !== copies),
    ...(fs.existsSync(copies) ? fs.readdirSync(copies).map((entry) => path.join(copies, entry)) : []),
  ];
  for (const dir of entries) {
    try {
      if (fs.statSync(dir).mtimeMs < hourAgo) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another run removed it first.
    }
  }
}
