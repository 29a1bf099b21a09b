import { Prisma } from '../../prisma/generated/client';
import { NumberKind, NumberState, Role, ServiceStatus } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { finalStates } from '../lifecycle/table';
import { AccessDenied, canSeeOrganisation, requireRole, type Actor } from '../people/people';

/**
 * The operator's number pool. A free number has no organisation (or is one of an organisation's own, kept free for
 * it); reserving it gives it to the administrator's organisation until `reservedUntil`, after which a reservation
 * that no service took is free again, for anyone. A reservation made for an unfinished flow is held for that flow
 * (`reservedFor`): the flow holds one number, whatever the number of presses or processes reserving for it.
 */

export const DEFAULT_RESERVATION_MS = 60 * 60 * 1000;

export interface ReservedNumber {
  id: string;
  e164: string;
  kind: NumberKind;
  reservedUntil: Date;
}

export type Reservation =
  | { ok: true; number: ReservedNumber }
  | { ok: false; reason: 'no-free-number'; message: string };

export interface ReserveOptions {
  kind: NumberKind;
  /** A number picked from `listFreeFixedNumbers`; without it, the first free number of the kind. */
  e164?: string;
  ttlMs?: number;
  now?: Date;
  /**
   * The flow the number is held for: reserving again for it (a double press, a retry in another process, a resumed
   * flow) gives the number it holds, its lifetime renewed, instead of another one.
   */
  heldFor?: string;
}

/**
 * Free in the pool or among the organisation's own, or reserved by anyone who left without a service taking the
 * number.
 */
function available(organisationId: string, now: Date): Prisma.Sql {
  return Prisma.sql`((p."state" = 'FREE'::"NumberState" AND (p."organisationId" IS NULL OR p."organisationId" = ${organisationId}::uuid))
    OR (p."state" = 'RESERVED'::"NumberState" AND p."reservedUntil" < ${now}
      AND NOT EXISTS (SELECT 1 FROM "Service" s WHERE s."mobileNumberId" = p."id" OR s."fixedNumberId" = p."id")))`;
}

/**
 * Reserves one number for the administrator's organisation. The row is chosen and locked in the same statement with
 * SKIP LOCKED, so concurrent reservations each get a different number instead of waiting for or repeating one;
 * concurrent reservations for the same flow meet on the unique `reservedFor` instead, and all get the flow's one.
 */
export async function reserveNumber(db: Db, actor: Actor, options: ReserveOptions): Promise<Reservation> {
  requireRole(actor, Role.ADMINISTRATOR);
  const now = options.now ?? new Date();
  const reservedUntil = new Date(now.getTime() + (options.ttlMs ?? DEFAULT_RESERVATION_MS));
  const organisationId = actor.organisationId;
  const held = () => renewHeld(db, organisationId, options, reservedUntil);
  const already = await held();
  if (already) return already;
  const chosen = options.e164 === undefined ? Prisma.empty : Prisma.sql`AND p."e164" = ${options.e164}`;
  let rows: Array<{ id: string; e164: string }>;
  try {
    rows = await db.$queryRaw<Array<{ id: string; e164: string }>>`
      UPDATE "PhoneNumber" SET "state" = 'RESERVED'::"NumberState", "organisationId" = ${organisationId}::uuid, "reservedUntil" = ${reservedUntil},
        "reservedFor" = ${options.heldFor ?? null}
      WHERE "id" = (
        SELECT p."id" FROM "PhoneNumber" p
        WHERE p."kind" = ${options.kind}::"NumberKind" ${chosen}
          AND ${available(organisationId, now)}
        ORDER BY p."organisationId" = ${organisationId}::uuid DESC NULLS LAST, p."e164"
        LIMIT 1
        FOR UPDATE SKIP LOCKED
      )
      RETURNING "id", "e164"`;
  } catch (error) {
    // Another press of the same flow reserved between the look-up above and this statement: its number is the flow's.
    const raced = options.heldFor !== undefined && isUniqueViolation(error) ? await held() : undefined;
    if (raced) return raced;
    throw error;
  }
  const row = rows[0];
  if (!row) {
    const what = options.kind === NumberKind.FIXED ? 'fixed' : 'mobile';
    return {
      ok: false,
      reason: 'no-free-number',
      message: options.e164 === undefined
        ? `There is no free ${what} number left. Support can add numbers: 02 401 97 00 (option 1).`
        : `This ${what} number was just taken by someone else. Please choose another one.`,
    };
  }
  return { ok: true, number: { id: row.id, e164: row.e164, kind: options.kind, reservedUntil } };
}

/**
 * The number still held for `options.heldFor` by the organisation (even past its lifetime, as long as nobody took
 * it), its lifetime renewed; undefined when the flow holds none.
 */
async function renewHeld(db: Db, organisationId: string, options: ReserveOptions, reservedUntil: Date): Promise<Reservation | undefined> {
  if (options.heldFor === undefined) return undefined;
  const [row] = await db.$queryRaw<Array<{ id: string; e164: string }>>`
    UPDATE "PhoneNumber" p SET "reservedUntil" = ${reservedUntil}
    WHERE p."reservedFor" = ${options.heldFor} AND p."kind" = ${options.kind}::"NumberKind" AND p."state" = 'RESERVED'::"NumberState"
      AND p."organisationId" = ${organisationId}::uuid
      AND NOT EXISTS (SELECT 1 FROM "Service" s WHERE s."mobileNumberId" = p."id" OR s."fixedNumberId" = p."id")
    RETURNING p."id", p."e164"`;
  return row ? { ok: true, number: { id: row.id, e164: row.e164, kind: options.kind, reservedUntil } } : undefined;
}

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  return error.code === 'P2002' || (error.code === 'P2010' && JSON.stringify(error.meta ?? {}).includes('23505'));
}

/**
 * Gives back a number reserved by the administrator's organisation (the add-service flow was cancelled): by its id,
 * or as the one held for a flow (`heldFor`), which the flow may not know (a concurrent press's lost write). A number
 * a service holds is not released here: the service ends first. Returns whether a reservation was released.
 */
export async function releaseNumber(db: Db, actor: Actor, number: string | { heldFor: string }): Promise<boolean> {
  requireRole(actor, Role.ADMINISTRATOR);
  const which = typeof number === 'string' ? { id: number } : { reservedFor: number.heldFor };
  const result = await db.phoneNumber.updateMany({
    where: { ...which, state: NumberState.RESERVED, organisationId: actor.organisationId, mobileOf: { is: null }, fixedOf: { is: null } },
    data: { state: NumberState.FREE, organisationId: null, reservedUntil: null, reservedFor: null },
  });
  return result.count === 1;
}

async function requireOrganisation(db: Db, actor: Actor, organisationId: string): Promise<void> {
  requireRole(actor, Role.ADMINISTRATOR, Role.SUPPORT);
  if (!(await canSeeOrganisation(db, actor, organisationId))) {
    throw new AccessDenied('not allowed to see this organisation\'s numbers');
  }
}

/** Fixed numbers an administrator can pick from for `organisationId`, in number order. */
export async function listFreeFixedNumbers(
  db: Db,
  actor: Actor,
  organisationId: string,
  options: { limit?: number; now?: Date } = {},
): Promise<Array<{ id: string; e164: string }>> {
  await requireOrganisation(db, actor, organisationId);
  const now = options.now ?? new Date();
  return db.phoneNumber.findMany({
    where: {
      kind: NumberKind.FIXED,
      OR: [
        { state: NumberState.FREE, OR: [{ organisationId: null }, { organisationId }] },
        { state: NumberState.RESERVED, reservedUntil: { lt: now }, mobileOf: { is: null }, fixedOf: { is: null } },
      ],
    },
    select: { id: true, e164: true },
    orderBy: { e164: 'asc' },
    take: options.limit ?? 50,
  });
}

export interface FixedNumberInUse {
  id: string;
  e164: string;
  serviceId: string;
  user: { id: string; displayName: string };
}

/** The organisation's fixed numbers that an active service uses, with that service's user (who would lose it). */
export async function listFixedNumbersInUse(db: Db, actor: Actor, organisationId: string): Promise<FixedNumberInUse[]> {
  await requireOrganisation(db, actor, organisationId);
  const numbers = await db.phoneNumber.findMany({
    where: {
      kind: NumberKind.FIXED,
      state: NumberState.IN_USE,
      organisationId,
      fixedOf: { is: { organisationId, status: ServiceStatus.ACTIVE } },
    },
    select: { id: true, e164: true, fixedOf: { select: { id: true, user: { select: { id: true, displayName: true } } } } },
    orderBy: { e164: 'asc' },
  });
  // A number another new service is already to take over when it activates is not offered twice.
  const planned = await db.service.findMany({
    where: { plannedFixedNumberId: { in: numbers.map((number) => number.id) }, status: { notIn: [...finalStates] } },
    select: { plannedFixedNumberId: true },
  });
  const claimed = new Set(planned.map((service) => service.plannedFixedNumberId));
  return numbers.flatMap(({ id, e164, fixedOf }) => (fixedOf && !claimed.has(id) ? [{ id, e164, serviceId: fixedOf.id, user: fixedOf.user }] : []));
}
