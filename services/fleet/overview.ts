import { z } from 'zod';
import { Prisma } from '../../prisma/generated/client';
import { Role } from '../../prisma/generated/enums';
import { lockedActivationLinks } from '../people/activationLinks';
import { servicesAwaitingEsimStock } from '../simCards/esimProfiles';
import { nameOf, type Localised } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import { openEscalations } from '../lifecycle/escalation';
import { ACTIVATION_MAX_MS } from '../lifecycle/table';
import { derivedState, finalSql, fleetStates, stateCondition, type FleetState, type ServiceState } from './fleetStates';
import { canSeeOrganisation, refuse, type Actor } from '../people/people';
import { plainText } from '../people/userSearch';

/**
 * "How far is the rollout?": where every service of an organisation stands, and what waits for its administrator. The
 * state shown is the lifecycle's own, grouped by who must act next (services/fleet/fleetStates.ts); it is derived in
 * SQL from the service's status and its latest porting request, so that counts, lists and the export agree and an
 * organisation with thousands of services is counted by the database, in one query, without loading them.
 */

/** What a list can be narrowed to: a state, or the activations running for longer than they may. */
export const listStateSchema = z.enum([...fleetStates, 'overdue']);
export type ListState = z.infer<typeof listStateSchema>;

export const OVERVIEW_PAGE_SIZE = 10;

/** A list's filters as they come from a card: untrusted, checked field by field so each can say what is wrong. */
export const listFilterSchema = z.object({
  organisationId: z.uuid(),
  state: listStateSchema.optional(),
  product: z.string().trim().max(60).regex(/^[A-Z0-9_]*$/).optional(),
  name: z.string().trim().max(100).optional(),
  page: z.coerce.number().int().min(0).max(100_000).default(0),
});
export type ListFilter = z.input<typeof listFilterSchema>;

export interface OverviewOptions {
  /** The simulated clock's speed (config.clockSpeed): "two days" of activation pass that much faster, as in the notifier. */
  clockSpeed: number;
  now?: Date;
}

/**
 * What waits for the administrator, each with the action that unblocks it: a refused or cancelled porting (Fix), a
 * failed activation (Try again), a service not started (Start), an activation running for over two days (look it up,
 * call support), an activation link locked after too many wrong SIM card numbers (a new email), a new eSIM its user
 * asked for while none was in stock (Send a new eSIM, once more are ordered), a request for help (mark it handled once
 * dealt with).
 */
export const attentionKinds = ['portingIssue', 'failed', 'notStarted', 'overdue', 'lockedLink', 'esimAwaitsStock', 'escalation'] as const;
export type AttentionKind = (typeof attentionKinds)[number];

/** How many of each kind the card names, oldest first; the rest are in their list. */
export const ATTENTION_SHOWN = 3;

export interface AttentionItem {
  /** What the action takes: the porting request's id, the escalation's, or else the service's. */
  id: string;
  serviceId: string | null;
  /** Whom it concerns; null for a request for help from someone no longer in the assistant, about no service. */
  userName: string | null;
  /** Which of their services: product, service type and number; null for a request for help about no service. */
  service: { product: Localised; serviceType: Localised; mobileNumber: string | null } | null;
}

export interface Overview {
  organisation: { id: string; name: string };
  counts: Record<FleetState, number>;
  total: number;
  /** Per kind, how many wait for the administrator and the first few of them; kinds with none are left out. */
  attention: Array<{ kind: AttentionKind; total: number; items: AttentionItem[] }>;
  /** The other organisations the actor may look at (support with a SupportScope). */
  otherOrganisations: Array<{ id: string; name: string }>;
}

export interface ServiceRow {
  id: string;
  userId: string;
  userName: string;
  email: string;
  product: Localised;
  serviceType: Localised;
  state: ServiceState;
  mobileNumber: string | null;
  createdAt: Date;
  scheduledStartAt: Date | null;
  activationStartedAt: Date | null;
  activatedAt: Date | null;
  endedAt: Date | null;
}

export interface ServicePage {
  organisation: { id: string; name: string };
  /** The product types of the organisation's contract, to filter by. */
  products: Array<{ code: string; name: Localised }>;
  rows: ServiceRow[];
  total: number;
  page: number;
  pages: number;
}

const latestPorting = Prisma.sql`LEFT JOIN LATERAL (
  SELECT p."id", p."state", p."e164" FROM "PortingRequest" p WHERE p."serviceId" = s."id" ORDER BY p."attempt" DESC LIMIT 1
) lp ON true`;

/** Timestamps are stored as UTC without a zone. */
const utc = (at: Date) => Prisma.sql`(to_timestamp(${at.getTime()}::double precision / 1000) AT TIME ZONE 'UTC')`;

function overdueCondition(options: OverviewOptions): Prisma.Sql {
  const cutoff = new Date((options.now ?? new Date()).getTime() - ACTIVATION_MAX_MS / options.clockSpeed);
  return Prisma.sql`(s."status" = 'ACTIVATING' AND s."activationStartedAt" <= ${utc(cutoff)})`;
}

/** Letters without accents, lower case, in SQL as plainText() does in TypeScript. */
const ACCENTED = 'àáâãäāçčèéêëēìíîïñòóôõöōùúûüūýÿšž';
const PLAIN = ACCENTED.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
const plainSql = (column: Prisma.Sql) => Prisma.sql`translate(lower(${column}), ${ACCENTED}, ${PLAIN})`;

const refuseOverview = (db: Db, actor: Actor, organisationId: string | null, reason: string) =>
  refuse(db, actor, { action: 'overview.denied', subjectType: 'Organisation', subjectId: organisationId, reason });

/** Administrators see their own organisation; support those in its SupportScope; users never. Refusals are audited. */
async function requireOverviewAccess(db: Db, actor: Actor, organisationId: string): Promise<{ id: string; name: string }> {
  if (actor.role === Role.USER) return refuseOverview(db, actor, organisationId, 'a user may not see the fleet overview');
  const id = z.uuid().safeParse(organisationId);
  if (!id.success) return refuseOverview(db, actor, null, 'no such organisation');
  const organisation = await db.organisation.findUnique({ where: { id: id.data }, select: { id: true, name: true } });
  if (!organisation || !(await canSeeOrganisation(db, actor, organisation.id))) {
    return refuseOverview(db, actor, id.data, 'this organisation is not one the actor may see');
  }
  return organisation;
}

/** The organisations support may open an overview of: its own and those of its SupportScope. */
async function supportedOrganisationsOf(db: Db, actor: Actor): Promise<Array<{ id: string; name: string }>> {
  if (actor.role !== Role.SUPPORT) return [];
  const scopes = await db.supportScope.findMany({
    where: { personId: actor.id },
    select: { organisation: { select: { id: true, name: true } } },
    orderBy: { organisation: { name: 'asc' } },
  });
  const own = { id: actor.organisation.id, name: actor.organisation.name };
  return [own, ...scopes.map((scope) => scope.organisation).filter((organisation) => organisation.id !== own.id)];
}

/** The counts card: every state of the organisation's services, counted in one query, and what waits for the administrator. */
export async function overviewOf(db: Db, actor: Actor, organisationId: string, options: OverviewOptions): Promise<Overview> {
  const organisation = await requireOverviewAccess(db, actor, organisationId);
  const rows = await db.$queryRaw<Array<{ state: ServiceState; n: number }>>`
    SELECT x.state, count(*)::int AS n
    FROM (SELECT ${derivedState} AS state FROM "Service" s ${latestPorting} WHERE s."organisationId" = ${organisation.id}::uuid) x
    GROUP BY x.state`;
  const counts = Object.fromEntries(fleetStates.map((state) => [state, 0])) as Record<FleetState, number>;
  for (const row of rows) if (row.state !== 'closed') counts[row.state] = row.n;
  const supported = await supportedOrganisationsOf(db, actor);
  return {
    organisation,
    counts,
    total: fleetStates.reduce((sum, state) => sum + counts[state], 0),
    attention: await attentionOf(db, actor, organisation.id, options),
    otherOrganisations: supported.filter((other) => other.id !== organisation.id),
  };
}

interface StoredAttention {
  kind: AttentionKind;
  id: string;
  serviceId: string;
  userName: string;
  product: string;
  productTranslations: unknown;
  serviceType: string;
  serviceTypeTranslations: unknown;
  mobileNumber: string | null;
  total: number;
}

/**
 * Every kind of what waits for the administrator, counted and its first few read in one query over the
 * organisation's services; the requests for help, which need not concern a service, come from their own table.
 */
async function attentionOf(db: Db, actor: Actor, organisationId: string, options: OverviewOptions): Promise<Overview['attention']> {
  const [locked, awaitingStock] = await Promise.all([lockedActivationLinks(db, organisationId), servicesAwaitingEsimStock(db, organisationId)]);
  const oneOf = (serviceIds: string[]) => (serviceIds.length > 0 ? Prisma.sql`s."id" = ANY(${serviceIds}::uuid[])` : Prisma.sql`false`);
  const stored = await db.$queryRaw<StoredAttention[]>`
    SELECT y.kind, y.id, y."serviceId", y."userName", y.product, y."productTranslations", y."serviceType",
      y."serviceTypeTranslations", y."mobileNumber", y.total
    FROM (
      SELECT k.kind, k.id, s."id" AS "serviceId", u."displayName" AS "userName", pt."name" AS product,
        pt."translations" AS "productTranslations", st."name" AS "serviceType", st."translations" AS "serviceTypeTranslations",
        coalesce(mn."e164", lp."e164") AS "mobileNumber", count(*) OVER (PARTITION BY k.kind)::int AS total,
        row_number() OVER (PARTITION BY k.kind ORDER BY s."createdAt", s."id") AS n
      FROM "Service" s
      ${rowJoins}
      CROSS JOIN LATERAL (VALUES
        ('portingIssue', lp."id", s."status" NOT IN (${finalSql}) AND lp."state" IN ('REFUSED', 'CANCELLED')),
        ('failed', s."id", ${stateCondition('failed')}),
        ('notStarted', s."id", ${stateCondition('waitingForActivation')}),
        ('overdue', s."id", ${overdueCondition(options)}),
        ('lockedLink', s."id", ${oneOf(locked)}),
        ('esimAwaitsStock', s."id", ${oneOf(awaitingStock)})
      ) k(kind, id, applies)
      WHERE s."organisationId" = ${organisationId}::uuid AND k.applies
    ) y
    WHERE y.n <= ${ATTENTION_SHOWN}
    ORDER BY y.n`;
  const escalations = await openEscalations(db, actor, organisationId);
  const found = new Map<AttentionKind, { total: number; items: AttentionItem[] }>();
  for (const row of stored) {
    const entry = found.get(row.kind) ?? { total: row.total, items: [] };
    entry.items.push({
      id: row.id,
      serviceId: row.serviceId,
      userName: row.userName,
      service: {
        product: nameOf({ name: row.product, translations: row.productTranslations }),
        serviceType: nameOf({ name: row.serviceType, translations: row.serviceTypeTranslations }),
        mobileNumber: row.mobileNumber,
      },
    });
    found.set(row.kind, entry);
  }
  if (escalations.length > 0) {
    const shown = escalations.slice(0, ATTENTION_SHOWN);
    const concerned = await rowsOf(db, shown.flatMap((escalation) => (escalation.service ? [escalation.service.id] : [])));
    found.set('escalation', {
      total: escalations.length,
      items: shown.map((escalation) => {
        const row = concerned.find((service) => service.id === escalation.service?.id);
        return {
          id: escalation.id,
          serviceId: escalation.service?.id ?? null,
          userName: escalation.user?.name ?? null,
          service: row ? { product: row.product, serviceType: row.serviceType, mobileNumber: row.mobileNumber } : null,
        };
      }),
    });
  }
  return attentionKinds.flatMap((kind) => {
    const entry = found.get(kind);
    return entry ? [{ kind, ...entry }] : [];
  });
}

async function contractProducts(db: Db, organisationId: string): Promise<Array<{ code: string; name: Localised }>> {
  const contract = await db.contractProduct.findMany({
    where: { organisationId },
    select: { productType: { select: { code: true, name: true, translations: true } } },
    orderBy: { productType: { sortOrder: 'asc' } },
  });
  return contract.map(({ productType }) => ({ code: productType.code, name: nameOf(productType) }));
}

const rowColumns = Prisma.sql`s."id", s."userId", u."displayName" AS "userName", u."email", pt."name" AS "product",
  pt."translations" AS "productTranslations", st."name" AS "serviceType", st."translations" AS "serviceTypeTranslations",
  ${derivedState} AS "state", coalesce(mn."e164", lp."e164") AS "mobileNumber",
  s."createdAt", s."scheduledStartAt", s."activationStartedAt", s."activatedAt", s."endedAt"`;

type StoredRow = Omit<ServiceRow, 'product' | 'serviceType'> & {
  product: string;
  productTranslations: unknown;
  serviceType: string;
  serviceTypeTranslations: unknown;
};

function rowOf({ product, productTranslations, serviceType, serviceTypeTranslations, ...row }: StoredRow): ServiceRow {
  return {
    ...row,
    product: nameOf({ name: product, translations: productTranslations }),
    serviceType: nameOf({ name: serviceType, translations: serviceTypeTranslations }),
  };
}

const rowJoins = Prisma.sql`JOIN "Person" u ON u."id" = s."userId"
  JOIN "ProductType" pt ON pt."code" = s."productTypeCode"
  JOIN "ServiceType" st ON st."code" = s."serviceTypeCode"
  LEFT JOIN "PhoneNumber" mn ON mn."id" = s."mobileNumberId"
  ${latestPorting}`;

function likePattern(text: string): string {
  return `%${plainText(text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * A page of the organisation's services, narrowed by state, product type and a name (case and accents ignored, in
 * the person's name or address), "services of Jan" included; by name, then newest first. The page and the total in one query.
 */
export async function listServices(db: Db, actor: Actor, filter: ListFilter, options: OverviewOptions): Promise<ServicePage> {
  // The organisation first: a foreign or forged id is refused and audited before anything else is read.
  const organisation = await requireOverviewAccess(db, actor, String(filter.organisationId));
  const wanted = listFilterSchema.parse(filter);
  const conditions = [Prisma.sql`s."organisationId" = ${organisation.id}::uuid`];
  if (wanted.state === 'overdue') conditions.push(overdueCondition(options));
  else if (wanted.state) conditions.push(Prisma.sql`${derivedState} = ${wanted.state}`);
  else conditions.push(Prisma.sql`s."status" NOT IN ('CANCELLED', 'ENDED')`);
  if (wanted.product) conditions.push(Prisma.sql`s."productTypeCode" = ${wanted.product}`);
  if (wanted.name) {
    const pattern = likePattern(wanted.name);
    conditions.push(Prisma.sql`(${plainSql(Prisma.sql`u."displayName"`)} LIKE ${pattern} OR lower(u."email") LIKE ${pattern})`);
  }
  const rows = await db.$queryRaw<Array<StoredRow & { total: number }>>`
    SELECT ${rowColumns}, count(*) OVER ()::int AS total
    FROM "Service" s ${rowJoins}
    WHERE ${Prisma.join(conditions, ' AND ')}
    ORDER BY u."displayName", s."createdAt" DESC, s."id"
    LIMIT ${OVERVIEW_PAGE_SIZE} OFFSET ${wanted.page * OVERVIEW_PAGE_SIZE}`;
  const total = rows[0]?.total ?? (wanted.page > 0 ? await countOf(db, conditions) : 0);
  const pages = Math.max(1, Math.ceil(total / OVERVIEW_PAGE_SIZE));
  if (wanted.page >= pages && total > 0) return listServices(db, actor, { ...wanted, page: pages - 1 }, options);
  const products = await contractProducts(db, organisation.id);
  return { organisation, products, rows: rows.map(({ total: _total, ...row }) => rowOf(row)), total, page: wanted.page, pages };
}

/** A page past the end (the list shrank since the card was sent) still needs the total to go back to the last page. */
async function countOf(db: Db, conditions: Prisma.Sql[]): Promise<number> {
  const [row] = await db.$queryRaw<Array<{ n: number }>>`
    SELECT count(*)::int AS n FROM "Service" s ${rowJoins} WHERE ${Prisma.join(conditions, ' AND ')}`;
  return row?.n ?? 0;
}

/** These services as rows, in no particular order. */
async function rowsOf(db: Db, ids: string[]): Promise<ServiceRow[]> {
  if (ids.length === 0) return [];
  const stored = await db.$queryRaw<StoredRow[]>`SELECT ${rowColumns} FROM "Service" s ${rowJoins} WHERE s."id" = ANY(${ids}::uuid[])`;
  return stored.map(rowOf);
}

/** Every service of the organisation, cancelled and ended ones included, for the export: by name, then oldest first. */
export async function exportRows(db: Db, actor: Actor, organisationId: string): Promise<{ organisation: { id: string; name: string }; rows: ServiceRow[] }> {
  const organisation = await requireOverviewAccess(db, actor, organisationId);
  const stored = await db.$queryRaw<StoredRow[]>`
    SELECT ${rowColumns}
    FROM "Service" s ${rowJoins}
    WHERE s."organisationId" = ${organisation.id}::uuid
    ORDER BY u."displayName", s."createdAt", s."id"`;
  const rows = stored.map(rowOf);
  await db.auditEvent.create({
    data: { organisationId: organisation.id, actorId: actor.id, action: 'overview.exported', subjectType: 'Organisation', subjectId: organisation.id, after: { rows: rows.length } },
  });
  return { organisation, rows };
}
