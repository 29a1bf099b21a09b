import { z } from 'zod';
import { openDatabase } from '../services/platform/db/database';
import { ConfigError, checkedEnvironment, databaseLocationOf, databaseVariables } from '../services/platform/environment';
import { seedDemo } from './seed';

/**
 * `npm run seed`: seeds the database the bot would use and says what it holds. It reads the two variables that
 * name that database, checked as the bot checks them (services/platform/environment.ts), with the same messages.
 * DATABASE_URL may carry a password: a wrong one is named, never repeated.
 */
const CREDENTIAL_VARIABLES = new Set(['DATABASE_URL']);

async function main(): Promise<void> {
  const database = databaseLocationOf(checkedEnvironment(z.object(databaseVariables), process.env, CREDENTIAL_VARIABLES));
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
