import type { Database } from '../../services/platform/db/database';

/**
 * The number of rows of every table, by name: taken before and after something that must change nothing, so that a
 * table added later is covered without touching the tests.
 */
export async function rowCounts(db: Database, except: readonly string[] = []): Promise<Record<string, number>> {
  const tables = await db.sql.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    if (except.includes(name)) continue;
    const [row] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${name}"`);
    counts[name] = row!.n;
  }
  return counts;
}
