import { ConfigError, configFromEnvironment } from '../bot/config';
import { openDatabase } from '../services/platform/db/database';
import { seedDemo } from './seed';

/** `npm run seed`: seeds the database the bot would use (same environment variables) and says what it holds. */
async function main(): Promise<void> {
  const config = configFromEnvironment();
  const db = await openDatabase(config.database);
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
      `Seeded ${config.database.kind}: ${organisations} organisations, ${people} people, ${services} services, ` +
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
