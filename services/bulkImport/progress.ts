import { Prisma, type BulkImport } from '../../prisma/generated/client';
import { BulkImportStatus, ServiceStatus } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import type { Actor } from '../people/people';
import { summaryCardPlaceSchema, type SummaryCardPlace } from '../addService/summaryCard';
import { importFor } from './importAccess';
import { rowFailureSchema, type RowFailure } from './creation';

/** Where an import's creation stands: the progress card's and the summary's facts, and what the bot still has to show. */

export interface ImportSummary {
  import: BulkImport;
  started: number;
  waiting: number;
  scheduled: Array<{ at: Date; count: number }>;
  failures: Array<{ rowNumber: number; failure: RowFailure }>;
  /** People the import added (or brought back) as users of its services: each is written with the import's key. */
  peopleAdded: number;
}

/** Where the import's services stand, for the progress card and the summary. */
export async function importSummary(db: Db, actor: Actor, importId: string): Promise<ImportSummary> {
  const found = await importFor(db, actor, importId);
  const byStatus = await db.service.groupBy({
    by: ['status', 'scheduledStartAt'],
    where: { organisationId: actor.organisationId, idempotencyKey: { startsWith: `${importId}:` } },
    _count: { _all: true },
  });
  const waiting = byStatus.filter((group) => group.status === ServiceStatus.WAITING_FOR_ACTIVATION);
  const failed = await db.bulkImportRow.findMany({
    where: { importId, failure: { not: Prisma.DbNull } },
    orderBy: { rowNumber: 'asc' },
    take: 20,
    select: { rowNumber: true, failure: true },
  });
  const peopleAdded = await db.auditEvent.count({
    where: {
      organisationId: actor.organisationId,
      action: { in: ['person.added', 'person.restored'] },
      after: { path: ['requestKey'], string_starts_with: `${importId}:` },
    },
  });
  return {
    peopleAdded,
    import: found,
    started: byStatus.filter((group) => group.status !== ServiceStatus.WAITING_FOR_ACTIVATION).reduce((sum, group) => sum + group._count._all, 0),
    waiting: waiting.filter((group) => !group.scheduledStartAt).reduce((sum, group) => sum + group._count._all, 0),
    scheduled: waiting.flatMap((group) => (group.scheduledStartAt ? [{ at: group.scheduledStartAt, count: group._count._all }] : [])),
    failures: failed.map((row) => ({ rowNumber: row.rowNumber, failure: rowFailureSchema.parse(row.failure) })),
  };
}

/** Remembers where the progress card is (a place like a summary card's), so that it is updated in place. */
export async function recordProgressCard(db: Db, actor: Actor, importId: string, place: SummaryCardPlace): Promise<void> {
  await importFor(db, actor, importId);
  const { channelId, conversationId, activityId } = summaryCardPlaceSchema.parse(place);
  await db.bulkImport.update({ where: { id: importId }, data: { progressChannelId: channelId, progressConversationId: conversationId, progressActivityId: activityId } });
}

/** Imports whose progress card is behind, or whose summary is due: what the bot's progress round updates. */
export async function importsToShow(db: Db): Promise<Array<BulkImport & { progressActivityId: string }>> {
  const rows = await db.bulkImport.findMany({
    where: { progressActivityId: { not: null }, summarySentAt: null, status: { in: [BulkImportStatus.CREATING, BulkImportStatus.DONE] } },
    orderBy: { confirmedAt: 'asc' },
    take: 20,
  });
  return rows.filter((row): row is BulkImport & { progressActivityId: string } =>
    row.progressActivityId !== null && (row.createdCount + row.failedCount > row.shownCount || row.status === BulkImportStatus.DONE));
}

/**
 * Claims showing `done` rows (or the summary, once the import is done): true for one caller only, so that two bot
 * processes do not both update the card or send the summary.
 */
export async function claimShowing(db: Db, bulk: BulkImport, done: number, summary: boolean): Promise<boolean> {
  const claimed = await db.bulkImport.updateMany({
    where: { id: bulk.id, shownCount: bulk.shownCount, summarySentAt: null },
    data: { shownCount: done, ...(summary ? { summarySentAt: new Date() } : {}) },
  });
  return claimed.count === 1;
}
