import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedDemo } from '../../prisma/seed';
import { openDatabase, type Database } from '../../services/platform/db/database';

/**
 * A fresh PGlite database holding the migrated schema and the demo data, for one test file, in about a second: a copy
 * of a data directory migrated and seeded once and kept in the temporary folder until the schema, its migrations or
 * the seed's code change. Opening a fresh in-memory PGlite, migrating and seeding it costs several seconds of CPU per
 * file. openTestDatabase({ seed: true }) uses it on PGlite.
 */
export async function openSeededCopy(): Promise<Database> {
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

/**
 * What the template is made of: the schema and its migrations, the seed and every file of the project it imports,
 * following imports from prisma/seed.ts and services/platform/db/database.ts (which opens and migrates).
 */
function sources(): string[] {
  const files = new Set<string>(['prisma/schema.prisma']);
  const migrations = path.join(root, 'prisma', 'migrations');
  for (const entry of fs.readdirSync(migrations, { withFileTypes: true })) {
    if (entry.isDirectory()) files.add(path.join('prisma', 'migrations', entry.name, 'migration.sql'));
  }
  const pending = ['prisma/seed.ts', 'services/platform/db/database.ts'];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    if (!file.endsWith('.ts')) continue;
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
      const target = path.join(path.dirname(file), specifier!);
      // The generated client follows from the schema.
      if (target.startsWith(path.join('prisma', 'generated'))) continue;
      const isFile = (candidate: string) => fs.statSync(path.join(root, candidate), { throwIfNoEntry: false })?.isFile();
      const found = [target, `${target}.ts`, path.join(target, 'index.ts')].find(isFile);
      if (found) pending.push(found);
    }
  }
  return [...files].sort();
}

/** What the schema, its migrations and the demo data are made of, as a short hash: templates are kept per key. */
export function demoTemplateKey(): string {
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
  const template = path.join(home, demoTemplateKey());
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

/**
 * Templates of earlier sources not used for a quarter of an hour (a run in progress touches its own at every
 * copy), and what a crashed run left: builds, and copies older than an hour.
 */
function removeLeftovers(current: string): void {
  const now = Date.now();
  const copies = path.join(home, 'copies');
  const older = (minutes: number) => (dir: string) => (fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? now) < now - minutes * 60_000;
  const inside = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).map((entry) => path.join(dir, entry)) : []);
  const stale = [
    ...inside(home).filter((dir) => dir !== current && dir !== copies).filter(older(15)),
    ...inside(copies).filter(older(60)),
  ];
  for (const dir of stale) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another run is removing it too.
    }
  }
}
