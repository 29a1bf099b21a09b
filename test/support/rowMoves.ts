import type { Db } from '../../services/platform/db/database';

/**
 * Rows written again (a lease taken and given back, say) move within their table and its index: this shifts `column`
 * of the rows `ids` by a millisecond and back, so that their values are as before but the order the database keeps
 * them in is no longer the order they were written in. For tests of what must read them back in that order.
 */
export async function moveRows(db: Db, table: 'Notification' | 'ServiceEvent' | 'AuditEvent', column: 'nextAttemptAt' | 'createdAt', ids: string[]): Promise<void> {
  for (const shift of ['1 millisecond', '-1 millisecond']) {
    await db.$executeRawUnsafe(`UPDATE "${table}" SET "${column}" = "${column}" + interval '${shift}' WHERE id = ANY($1::uuid[])`, ids);
  }
}
