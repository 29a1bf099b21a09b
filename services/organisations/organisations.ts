import type { Prisma } from '../../prisma/generated/client';
import { NumberKind, NumberState, Role, ServiceStatus, SimState, type Language } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { OrganisationProblem, organisationInputSchema, parsed, tenantIdSchema, type InputIssue, type OperatorActor, type OrganisationInput } from './input';

/**
 * The operator's back office: organisations brought in from the operator's own systems, never by their people.
 * Every function checks its input itself (./input.ts); nothing here knows HTTP or the command line.
 */

type Tx = Prisma.TransactionClient;

export interface OrganisationView {
  tenantId: string;
  name: string;
  vatNumber: string | null;
  productTypes: string[];
  administrators: Array<{ displayName: string; email: string; preferredLanguage: Language | null }>;
  support: Array<{ tenantId: string; email: string; displayName: string }>;
  deactivatedAt: string | null;
  createdAt: string;
}

export interface OrganisationSummary {
  tenantId: string;
  name: string;
  vatNumber: string | null;
  deactivatedAt: string | null;
  createdAt: string;
}

export interface OrganisationCounts {
  people: Record<Role, number>;
  simCards: Record<SimState, number>;
  numbers: Record<NumberKind, Record<NumberState, number>>;
  services: Record<ServiceStatus, number>;
}

/** The organisation of `tenantId` (checked), or a not-found problem. */
export async function organisationOf(db: Db | Tx, tenantIdInput: unknown) {
  const tenantId = parsed(tenantIdSchema, tenantIdInput, 'tenant id', 'tenantId');
  const organisation = await db.organisation.findUnique({ where: { tenantId } });
  if (!organisation) throw new OrganisationProblem('not-found', `no organisation has tenant id ${tenantId}`);
  return organisation;
}

/** Leaves the operator's change in the audit trail, beside the changes people make in the bot. */
export async function auditOperatorChange(
  db: Db | Tx,
  operator: OperatorActor,
  change: { organisationId: string; action: string; before?: Prisma.InputJsonValue; after: Prisma.InputJsonObject },
): Promise<void> {
  await db.auditEvent.create({
    data: {
      organisationId: change.organisationId,
      actorId: null,
      action: change.action,
      subjectType: 'Organisation',
      subjectId: change.organisationId,
      ...(change.before === undefined ? {} : { before: change.before }),
      after: { ...change.after, by: 'operator', via: operator.via, ...(operator.keyFingerprint ? { key: operator.keyFingerprint } : {}) },
    },
  });
}

/**
 * Creates the organisation of `tenantId`, or brings it to what `input` says: its name, VAT number and exactly the
 * product types listed; the administrators listed are added or updated (no one is removed or demoted); the support
 * people, when listed, become exactly those who may look into it. Repeating a call changes nothing and audits
 * nothing.
 */
export async function putOrganisation(
  db: Db,
  operator: OperatorActor,
  tenantIdInput: unknown,
  input: unknown,
): Promise<{ created: boolean; organisation: OrganisationView }> {
  const tenantId = parsed(tenantIdSchema, tenantIdInput, 'tenant id', 'tenantId');
  const wanted = parsed(organisationInputSchema, input, 'organisation');
  const supportIds = await checkReferences(db, wanted);
  return db.$transaction(async (tx) => {
    const existing = await tx.organisation.findUnique({ where: { tenantId } });
    const before = existing ? await viewOf(tx, existing.id) : undefined;
    const organisation = await tx.organisation.upsert({
      where: { tenantId },
      create: { tenantId, name: wanted.name, vatNumber: wanted.vatNumber },
      update: { name: wanted.name, vatNumber: wanted.vatNumber },
    });
    await tx.contractProduct.deleteMany({ where: { organisationId: organisation.id, productTypeCode: { notIn: wanted.productTypes } } });
    await tx.contractProduct.createMany({
      data: wanted.productTypes.map((productTypeCode) => ({ organisationId: organisation.id, productTypeCode })),
      skipDuplicates: true,
    });
    for (const admin of wanted.administrators) {
      const fields = { role: Role.ADMINISTRATOR, displayName: admin.displayName, preferredLanguage: admin.preferredLanguage };
      await tx.person.upsert({
        where: { organisationId_email: { organisationId: organisation.id, email: admin.email } },
        create: { organisationId: organisation.id, email: admin.email, ...fields },
        update: fields,
      });
    }
    if (supportIds) {
      await tx.supportScope.deleteMany({ where: { organisationId: organisation.id, personId: { notIn: supportIds } } });
      await tx.supportScope.createMany({ data: supportIds.map((personId) => ({ personId, organisationId: organisation.id })), skipDuplicates: true });
    }
    const after = await viewOf(tx, organisation.id);
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      await auditOperatorChange(tx, operator, {
        organisationId: organisation.id,
        action: before ? 'operator.organisation.updated' : 'operator.organisation.created',
        ...(before ? { before: auditedView(before) } : {}),
        after: auditedView(after),
      });
    }
    return { created: !existing, organisation: after };
  });
}

/** The product types exist and the support people are support people; their ids, or undefined when not listed. */
async function checkReferences(db: Db, wanted: OrganisationInput): Promise<string[] | undefined> {
  const issues: InputIssue[] = [];
  const known = await db.productType.findMany({ select: { code: true }, orderBy: { sortOrder: 'asc' } });
  const codes = new Set(known.map((product) => product.code));
  const offered = known.length > 0 ? `the catalog holds ${known.map((product) => product.code).slice(0, 20).join(', ')}` : 'the catalog is empty';
  wanted.productTypes.forEach((code, index) => {
    if (!codes.has(code)) issues.push({ path: `productTypes.${index}`, message: `unknown product type ${code}: ${offered}` });
  });
  let supportIds: string[] | undefined;
  if (wanted.support) {
    const people = await db.person.findMany({
      where: { OR: wanted.support.map(({ tenantId, email }) => ({ email, organisation: { tenantId } })) },
      select: { id: true, email: true, role: true, organisation: { select: { tenantId: true } } },
    });
    supportIds = [];
    for (const [index, { tenantId, email }] of wanted.support.entries()) {
      const person = people.find((p) => p.email === email && p.organisation.tenantId === tenantId);
      if (!person) issues.push({ path: `support.${index}`, message: `expected a person of the organisation with tenant id ${tenantId}; there is no ${email}` });
      else if (person.role !== Role.SUPPORT) issues.push({ path: `support.${index}`, message: `expected a support person; ${email} is ${person.role.toLowerCase()}` });
      else supportIds.push(person.id);
    }
  }
  if (issues.length > 0) throw new OrganisationProblem('invalid', 'invalid organisation', issues);
  return supportIds;
}

/** Every organisation, by name: the operator's list. */
export async function listOrganisations(db: Db): Promise<OrganisationSummary[]> {
  const organisations = await db.organisation.findMany({ orderBy: [{ name: 'asc' }, { tenantId: 'asc' }] });
  return organisations.map((o) => ({
    tenantId: o.tenantId,
    name: o.name,
    vatNumber: o.vatNumber,
    deactivatedAt: o.deactivatedAt?.toISOString() ?? null,
    createdAt: o.createdAt.toISOString(),
  }));
}

/** One organisation and how much it holds: its people by role, its stock, its numbers and its services by state. */
export async function inspectOrganisation(db: Db, tenantIdInput: unknown): Promise<OrganisationView & { counts: OrganisationCounts }> {
  const { id } = await organisationOf(db, tenantIdInput);
  const where = { organisationId: id };
  const [view, people, simCards, numbers, services] = await Promise.all([
    viewOf(db, id),
    db.person.groupBy({ by: ['role'], where, _count: { _all: true } }),
    db.simCard.groupBy({ by: ['state'], where, _count: { _all: true } }),
    db.phoneNumber.groupBy({ by: ['kind', 'state'], where, _count: { _all: true } }),
    db.service.groupBy({ by: ['status'], where, _count: { _all: true } }),
  ]);
  const numberCounts = (kind: NumberKind) =>
    countsBy(Object.values(NumberState), numbers.filter((row) => row.kind === kind).map((row) => [row.state, row._count._all]));
  return {
    ...view,
    counts: {
      people: countsBy(Object.values(Role), people.map((row) => [row.role, row._count._all])),
      simCards: countsBy(Object.values(SimState), simCards.map((row) => [row.state, row._count._all])),
      numbers: { MOBILE: numberCounts(NumberKind.MOBILE), FIXED: numberCounts(NumberKind.FIXED) },
      services: countsBy(Object.values(ServiceStatus), services.map((row) => [row.status, row._count._all])),
    },
  };
}

/** Every state with its count, none left out: a state with nothing in it reads 0. */
function countsBy<K extends string>(keys: K[], rows: Array<[K, number]>): Record<K, number> {
  const counts = Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
  for (const [key, count] of rows) counts[key] = count;
  return counts;
}

/**
 * Its people can no longer act (services/people/people.ts refuses them) and nothing is sent or started for it; its
 * people, stock, numbers, services and trail stay. Deactivating it again changes nothing.
 */
export function deactivateOrganisation(db: Db, operator: OperatorActor, tenantIdInput: unknown, now = new Date()): Promise<OrganisationView> {
  return setDeactivated(db, operator, tenantIdInput, now);
}

/** The organisation's people act again, as they were left: a contract taken up again. Reactivating an active one changes nothing. */
export function reactivateOrganisation(db: Db, operator: OperatorActor, tenantIdInput: unknown): Promise<OrganisationView> {
  return setDeactivated(db, operator, tenantIdInput, null);
}

async function setDeactivated(db: Db, operator: OperatorActor, tenantIdInput: unknown, deactivatedAt: Date | null): Promise<OrganisationView> {
  const organisation = await organisationOf(db, tenantIdInput);
  await db.$transaction(async (tx) => {
    const { count } = await tx.organisation.updateMany({
      where: { id: organisation.id, deactivatedAt: deactivatedAt ? null : { not: null } },
      data: { deactivatedAt },
    });
    if (count > 0) {
      await auditOperatorChange(tx, operator, {
        organisationId: organisation.id,
        action: deactivatedAt ? 'operator.organisation.deactivated' : 'operator.organisation.reactivated',
        before: { deactivatedAt: organisation.deactivatedAt?.toISOString() ?? null },
        after: { deactivatedAt: deactivatedAt?.toISOString() ?? null },
      });
    }
  });
  return viewOf(db, organisation.id);
}

async function viewOf(db: Db | Tx, organisationId: string): Promise<OrganisationView> {
  const o = await db.organisation.findUniqueOrThrow({
    where: { id: organisationId },
    include: {
      contract: { select: { productTypeCode: true }, orderBy: { productTypeCode: 'asc' } },
      people: { where: { role: Role.ADMINISTRATOR }, select: { displayName: true, email: true, preferredLanguage: true }, orderBy: { email: 'asc' } },
      supportedBy: { select: { person: { select: { email: true, displayName: true, organisation: { select: { tenantId: true } } } } } },
    },
  });
  return {
    tenantId: o.tenantId,
    name: o.name,
    vatNumber: o.vatNumber,
    productTypes: o.contract.map((c) => c.productTypeCode),
    administrators: o.people,
    support: o.supportedBy
      .map(({ person }) => ({ tenantId: person.organisation.tenantId, email: person.email, displayName: person.displayName }))
      .sort((a, b) => a.email.localeCompare(b.email) || a.tenantId.localeCompare(b.tenantId)),
    deactivatedAt: o.deactivatedAt?.toISOString() ?? null,
    createdAt: o.createdAt.toISOString(),
  };
}

/** The trail keeps what changed, not when the row was made. */
function auditedView({ createdAt: _createdAt, ...view }: OrganisationView): Prisma.InputJsonObject {
  return view;
}
