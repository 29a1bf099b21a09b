import path from 'node:path';
import { z } from 'zod';
import { openDatabase, type DatabaseLocation } from '../services/platform/db/database';
import { seedDemo } from './seed';

/**
 * `npm run seed`: seeds the database the bot would use and says what it holds. It reads the two variables that
 * name that database, checked as the bot checks them (bot/config.ts), with the same messages.
 */
const environmentSchema = z.object({
  DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
});

/** DATABASE_URL may carry a password: a wrong one is named, never repeated. */
const CREDENTIAL_VARIABLES = new Set(['DATABASE_URL']);

class ConfigError extends Error {}

function databaseFromEnvironment(env: NodeJS.ProcessEnv = process.env): DatabaseLocation {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const shown = CREDENTIAL_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(env[name] ?? '')})`;
    throw new ConfigError(`${name}: ${issue.message}${shown}`);
  }
  const e = parsed.data;
  return e.DATABASE_URL
    ? { kind: 'postgresql', url: e.DATABASE_URL }
    : { kind: 'pglite', dataDir: path.join(path.resolve(e.DATA_DIR), 'pglite') };
}

async function main(): Promise<void> {
  const database = databaseFromEnvironment();
  const db = await openDatabase(database);
  try {
    await seedDemo(db.prisma);
    const p = db.prisma;
    const [organisations, people, services, unusedSims, freeNumbers, donorLines] = await Promise.all([
      p.organisation.count(),
      p.person.count(),
      p.service.count(),
      p.simCard.count({ where: { state: 'IN_STOCK' } }),
      p.phoneNumber.count({ where: { state: 'FREE' } }),
      p.donorLine.count(),
    ]);
    // Counts only: never a number, SIM card or address in clear.
    console.log(
      `Seeded ${database.kind}: ${organisations} organisations, ${people} people, ${services} services, ` +
        `${unusedSims} unused SIM cards, ${freeNumbers} free numbers, ${donorLines} lines at other operators.`,
    );
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
});
