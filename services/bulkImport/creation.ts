import { z } from 'zod';
import { Prisma, type BulkImport } from '../../prisma/generated/client';
import { ActivationTiming, BulkImportStatus, BulkStart, NumberKind, NumberOption } from '../../prisma/generated/enums';
import { scheduleStart } from '../lifecycle/activation';
import type { Db } from '../platform/db/database';
import { enqueue, jobHandler, type JobHandler } from '../platform/jobQueue';
import { listFreeFixedNumbers, releaseNumber, reserveNumber } from '../numbers/numberPool';
import { AccessDenied, type Actor } from '../people/people';
import { addEmployee } from '../people/peopleAdmin';
import { FixedOption, type ServiceDraft } from '../addService/orderDraft';
import { saveService } from '../addService/orderSaving';
import { importFor } from './importAccess';
import { bulkDraftSchema, type BulkDraft } from './rowChecks';

/**
 * Confirming an import and creating its services: a job creates them in batches, each row once (its idempotency key
 * is "<import id>:<row number>"), so that a crash halfway resumes without duplicates. A row's new user is added first,
 * once per email (request key "<import id>:<email>").
 */

const BATCH_SIZE = 25;
/** Rows of a batch created at the same time: each takes its own number, SIM card and porting, so they do not collide. */
const PARALLEL_ROWS = 4;

export const BulkImportJobs = { create: 'bulkImport.create' } as const;
export const createJobSchema = z.object({ importId: z.uuid() });

export const confirmSchema = z.object({
  start: z.enum(BulkStart),
  /** Only with AT: when every service of the file starts. */
  at: z.date().optional(),
  confirmKey: z.string().min(8).max(100),
});
export type Confirmation = z.infer<typeof confirmSchema>;

export type ConfirmResult =
  | { confirmed: true; import: BulkImport }
  | { confirmed: false; reason: 'already' | 'nothing-valid' | 'start-invalid'; import: BulkImport };

/**
 * Starts the creation of the valid rows: one job, enqueued with the status change, so it survives a restart. A
 * second confirmation (double click, Teams retry, a replayed card) changes nothing.
 */
export async function confirmImport(db: Db, actor: Actor, importId: string, confirmation: Confirmation, now = new Date()): Promise<ConfirmResult> {
  const found = await importFor(db, actor, importId);
  const { start, at, confirmKey } = confirmSchema.parse(confirmation);
  if (found.status !== BulkImportStatus.VALIDATED) return { confirmed: false, reason: 'already', import: found };
  if (found.validRows === 0) return { confirmed: false, reason: 'nothing-valid', import: found };
  if (start === BulkStart.AT && (!at || at <= now)) return { confirmed: false, reason: 'start-invalid', import: found };
  return db.$transaction(async (tx) => {
    const moved = await tx.bulkImport.updateMany({
      where: { id: importId, status: BulkImportStatus.VALIDATED },
      data: { status: BulkImportStatus.CREATING, start, scheduledAt: start === BulkStart.AT ? at : null, confirmKey, confirmedAt: now },
    });
    const current = await tx.bulkImport.findUniqueOrThrow({ where: { id: importId } });
    if (moved.count !== 1) return { confirmed: false as const, reason: 'already' as const, import: current };
    await enqueue(tx, { kind: BulkImportJobs.create, payload: { importId }, runAt: now, singletonKey: `${BulkImportJobs.create}:${importId}` });
    await tx.auditEvent.create({
      data: { organisationId: actor.organisationId, actorId: actor.id, action: 'bulkImport.confirmed', subjectType: 'BulkImport', subjectId: importId, after: { start, validRows: found.validRows } },
    });
    return { confirmed: true as const, import: current };
  });
}

/** Drops an import not confirmed yet; nothing of it was created. */
export async function cancelImport(db: Db, actor: Actor, importId: string): Promise<BulkImport> {
  await importFor(db, actor, importId);
  await db.bulkImport.updateMany({ where: { id: importId, status: BulkImportStatus.VALIDATED }, data: { status: BulkImportStatus.CANCELLED } });
  return db.bulkImport.findUniqueOrThrow({ where: { id: importId } });
}

/** The draft as saveService takes it, with the start the confirmation chose for the whole file. */
function orderOf(draft: BulkDraft, bulk: BulkImport): { draft: ServiceDraft; startAt: Date | null } {
  const { startAt, anyFreeFixedNumber: _any, newUser: _newUser, ...order } = draft;
  switch (bulk.start) {
    case BulkStart.NOW:
      return { draft: { ...order, activationTiming: ActivationTiming.NOW }, startAt: null };
    case BulkStart.LATER:
      return { draft: { ...order, activationTiming: ActivationTiming.LATER }, startAt: null };
    case BulkStart.AT:
      return { draft: { ...order, activationTiming: ActivationTiming.LATER }, startAt: bulk.scheduledAt };
    default:
      return { draft: order, startAt: startAt ? new Date(startAt) : null };
  }
}

export const rowFailureSchema = z.object({ message: z.string(), vars: z.record(z.string(), z.string()).optional() });
export type RowFailure = z.infer<typeof rowFailureSchema>;

/** A row's user: the id of the person, or why they could not be added. */
type UserOutcome = { userId: string } | { failure: RowFailure };

/**
 * Adds the new users of a batch's rows, one at a time (two rows may name the same one). A person already present is
 * taken as is: a run before a crash added them, or they were added since the check.
 */
async function addNewUsers(db: Db, actor: Actor, bulk: BulkImport, drafts: BulkDraft[]): Promise<Map<string, UserOutcome>> {
  const wanted = new Map<string, NonNullable<BulkDraft['newUser']>>();
  for (const { newUser } of drafts) if (newUser && !wanted.has(newUser.email)) wanted.set(newUser.email, newUser);
  const outcomes = new Map<string, UserOutcome>();
  if (wanted.size === 0) return outcomes;
  const present = await db.person.findMany({
    where: { organisationId: actor.organisationId, removedAt: null, email: { in: [...wanted.keys()], mode: 'insensitive' } },
    select: { id: true, email: true },
  });
  for (const person of present) outcomes.set(person.email.toLowerCase(), { userId: person.id });
  for (const [email, user] of wanted) {
    if (outcomes.has(email)) continue;
    const added = await addEmployee(db, actor, user, { requestKey: `${bulk.id}:${email}` });
    const takenBy = added.ok ? undefined : added.problems.find((problem) => problem.code === 'taken')?.takenBy;
    outcomes.set(email, added.ok
      ? { userId: added.employee.id }
      : { failure: { message: 'bulkImport.failure.userNotAdded', vars: { email, name: takenBy ?? user.displayName } } });
  }
  return outcomes;
}

/** Creates one row's service (or finds it, when a run before the crash had): its id, or why it failed. */
async function createRow(
  db: Db,
  actor: Actor,
  bulk: BulkImport,
  row: { rowNumber: number; draft: unknown; reservedNumberId: string | null },
  users: Map<string, UserOutcome>,
  now: Date,
) {
  const checked = bulkDraftSchema.parse(row.draft);
  const { draft } = orderOf(checked, bulk);
  const key = `${bulk.id}:${row.rowNumber}`;
  const user = checked.newUser && users.get(checked.newUser.email);
  if (user && 'failure' in user) return user;
  if (user) draft.userId = user.userId;
  const already = await db.service.findUnique({ where: { idempotencyKey: key }, select: { id: true } });
  if (!already && draft.numberOption === NumberOption.NEW) {
    let reservedNumberId = row.reservedNumberId;
    if (!reservedNumberId) {
      const reservation = await reserveNumber(db, actor, { kind: NumberKind.MOBILE, now });
      if (!reservation.ok) return { failure: { message: 'addService.error.noFreeNumber' } };
      reservedNumberId = reservation.number.id;
      // Kept with the row before the service is saved, so that a resumed run uses this number, not another.
      await db.bulkImportRow.update({ where: { importId_rowNumber: { importId: bulk.id, rowNumber: row.rowNumber } }, data: { reservedNumberId } });
    }
    draft.reservedNumberId = reservedNumberId;
  }
  if (!already && draft.fixedOption === FixedOption.FREE && !draft.fixedNumberId) {
    const [free] = await listFreeFixedNumbers(db, actor, actor.organisationId, { now, limit: 1 });
    if (!free) return { failure: { message: 'addService.error.fixedNumberGone' } };
    draft.fixedNumberId = free.id;
  }
  try {
    const saved = await saveService(db, actor, draft, key, now);
    if (saved.ok) return { serviceId: saved.service.id };
    if (draft.reservedNumberId) await releaseNumber(db, actor, draft.reservedNumberId);
    return { failure: { message: saved.problem.message, ...(saved.problem.vars ? { vars: saved.problem.vars } : {}) } };
  } catch (error) {
    // The administrator lost their role, or a user or SIM card moved away since the check: this row only.
    if (error instanceof AccessDenied) return { failure: { message: 'bulkImport.failure.refused' } };
    throw error;
  }
}

/**
 * The creation job's work: the valid rows not done yet, a batch at a time, as the administrator who sent the file.
 * Progress is written after each batch; at the end the scheduled starts are enqueued and the import is DONE.
 */
export async function createImportServices(db: Db, importId: string, now: () => Date = () => new Date()): Promise<void> {
  const bulk = await db.bulkImport.findUnique({ where: { id: importId } });
  if (!bulk || bulk.status !== BulkImportStatus.CREATING) return;
  const actor = await db.person.findUnique({ where: { id: bulk.createdById }, include: { organisation: true } });
  if (!actor) return;
  for (;;) {
    const rows = await db.bulkImportRow.findMany({
      where: { importId, draft: { not: Prisma.DbNull }, serviceId: null, failure: { equals: Prisma.DbNull } },
      orderBy: { rowNumber: 'asc' },
      take: BATCH_SIZE,
      select: { rowNumber: true, draft: true, reservedNumberId: true },
    });
    if (rows.length === 0) break;
    const users = await addNewUsers(db, actor, bulk, rows.map((row) => bulkDraftSchema.parse(row.draft)));
    const create = async (row: (typeof rows)[number]) => {
      const outcome = await createRow(db, actor, bulk, row, users, now());
      await db.bulkImportRow.update({
        where: { importId_rowNumber: { importId, rowNumber: row.rowNumber } },
        data: 'serviceId' in outcome ? { serviceId: outcome.serviceId } : { failure: outcome.failure },
      });
    };
    // A row taking "the first free fixed number" would race another for the same one: those go one at a time.
    const anyFixed = (row: (typeof rows)[number]) => bulkDraftSchema.parse(row.draft).anyFreeFixedNumber === true;
    const parallel = rows.filter((row) => !anyFixed(row));
    for (let i = 0; i < parallel.length; i += PARALLEL_ROWS) await Promise.all(parallel.slice(i, i + PARALLEL_ROWS).map(create));
    for (const row of rows.filter(anyFixed)) await create(row);
    await recordProgress(db, importId);
  }
  await scheduleStarts(db, actor, bulk, now());
  await recordProgress(db, importId, { status: BulkImportStatus.DONE, finishedAt: now() });
}

async function recordProgress(db: Db, importId: string, extra: Prisma.BulkImportUpdateInput = {}): Promise<void> {
  const [createdCount, failedCount] = await Promise.all([
    db.bulkImportRow.count({ where: { importId, serviceId: { not: null } } }),
    db.bulkImportRow.count({ where: { importId, failure: { not: Prisma.DbNull } } }),
  ]);
  await db.bulkImport.update({ where: { id: importId }, data: { createdCount, failedCount, ...extra } });
}

/** One scheduled start per moment (at most 500 services each, as scheduleStart takes); each is a job that fires once. */
async function scheduleStarts(db: Db, actor: Actor, bulk: BulkImport, now: Date): Promise<void> {
  const byMoment = new Map<string, string[]>();
  let cursor: number | undefined;
  for (;;) {
    const rows = await db.bulkImportRow.findMany({
      where: { importId: bulk.id, serviceId: { not: null }, ...(cursor ? { rowNumber: { gt: cursor } } : {}) },
      orderBy: { rowNumber: 'asc' },
      take: 500,
      select: { rowNumber: true, draft: true, serviceId: true },
    });
    for (const row of rows) {
      const { startAt } = orderOf(bulkDraftSchema.parse(row.draft), bulk);
      if (startAt && row.serviceId) byMoment.set(startAt.toISOString(), [...(byMoment.get(startAt.toISOString()) ?? []), row.serviceId]);
    }
    if (rows.length < 500) break;
    cursor = rows.at(-1)!.rowNumber;
  }
  for (const [at, ids] of byMoment) {
    for (let i = 0; i < ids.length; i += 500) await scheduleStart(db, actor, ids.slice(i, i + 500), new Date(at), { now });
  }
}

export function bulkImportJob(db: Db): JobHandler<{ importId: string }> {
  return jobHandler(createJobSchema, async ({ importId }) => createImportServices(db, importId));
}
