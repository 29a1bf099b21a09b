import { z } from 'zod';
import { Prisma } from '../../prisma/generated/client';
import { Language, Role, ServiceStatus } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { refuse, type Actor } from './people';
import { findPeople, findPeopleNamedIn } from './userSearch';

/**
 * An administrator manages the employees of their own organisation: adds one (optionally with the Teams account
 * chosen in the people picker, so that the first message from Teams is recognised), changes one, removes one. Only
 * employees: administrators and support are the operator's to add. Every change is audited; every refusal too. The
 * domain returns codes; the words are in cards/strings/<language>/people.json.
 */

/** What an employee's fields may be; each issue's message is the code the dialog words ("displayName.missing"). */
const displayName = z.string().trim().min(1, 'displayName.missing').max(100, 'displayName.tooLong');
const email = z.string().trim().toLowerCase().min(1, 'email.missing').max(254, 'email.tooLong').pipe(z.email('email.invalid'));
const language = z.enum(Language, 'language.invalid');
/** An Entra ID object id, as the Teams people picker gives it. */
const directoryId = z.string().trim().toLowerCase().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'directoryId.invalid');

export const employeeInputSchema = z.object({ displayName, email, language, directoryId: directoryId.optional() });
/** As typed: every field is checked here, whatever a card or a caller sends. */
export interface EmployeeInput {
  displayName: string;
  email: string;
  language: string;
  directoryId?: string;
}
export const employeeChangeSchema = z.object({ displayName, email, language });
export type EmployeeChange = Omit<EmployeeInput, 'directoryId'>;

export type EmployeeField = 'displayName' | 'email' | 'language' | 'directoryId';
export type ProblemCode = 'missing' | 'tooLong' | 'invalid' | 'taken';
/** What is wrong with one field; `takenBy` names who already has the address or the Teams account. */
export interface EmployeeProblem {
  field: EmployeeField;
  code: ProblemCode;
  takenBy?: string;
}

export interface Employee {
  id: string;
  displayName: string;
  email: string;
  language: Language | null;
  aadObjectId: string | null;
}

export type AddResult =
  | { ok: true; employee: Employee; restored: boolean; repeated: boolean }
  | { ok: false; problems: EmployeeProblem[] };
export type ChangeResult = { ok: true; employee: Employee; changed: string[] } | { ok: false; problems: EmployeeProblem[] };

/** A person's services by state, for the question before a removal. */
export interface RemovalPlan {
  employee: Employee;
  byState: Array<{ status: ServiceStatus; count: number }>;
  /** True while one of the services is still open: the removal is refused until it is ended or cancelled. */
  blocked: boolean;
}
export type RemoveResult = { ok: true; employee: Employee; already: boolean } | { ok: false; plan: RemovalPlan };

/**
 * Only a service that is over lets its person go. ACTIVE is final for the lifecycle, but it is a live line, billed and
 * with a number: ending it, or handing it to a colleague, is a decision about a contract and a number, made on its
 * own, never a side effect of removing a person. So the safest rule: no removal while a service is not ended or
 * cancelled; the administrator is told which ones.
 */
const CLOSED: readonly ServiceStatus[] = [ServiceStatus.ENDED, ServiceStatus.CANCELLED];

function problemsOf(error: z.ZodError): EmployeeProblem[] {
  const problems = error.issues.map((issue) => {
    const [field, code] = issue.message.split('.') as [EmployeeField, ProblemCode];
    return { field, code };
  });
  // One problem per field: the first, as the schema checks them in order.
  return problems.filter((problem, index) => problems.findIndex((other) => other.field === problem.field) === index);
}

const employeeOf = (person: { id: string; displayName: string; email: string; preferredLanguage: Language | null; aadObjectId: string | null }): Employee => ({
  id: person.id,
  displayName: person.displayName,
  email: person.email,
  language: person.preferredLanguage,
  aadObjectId: person.aadObjectId,
});

async function mustAdminister(db: Db, actor: Actor, action: string, subjectId?: string): Promise<void> {
  if (actor.role !== Role.ADMINISTRATOR) {
    await refuse(db, actor, { action, subjectType: 'Person', subjectId, reason: 'only an administrator manages people' });
  }
}

/** The employee `personId` of the actor's organisation, or an audited refusal; undefined once removed. */
async function ownEmployee(db: Db, actor: Actor, personId: string, action: string) {
  await mustAdminister(db, actor, action, personId);
  const person = z.uuid().safeParse(personId).success ? await db.person.findUnique({ where: { id: personId } }) : null;
  if (!person || person.organisationId !== actor.organisationId) {
    return refuse(db, actor, { action, subjectType: 'Person', subjectId: personId, reason: "not a person of the administrator's organisation" });
  }
  if (person.role !== Role.USER) {
    return refuse(db, actor, { action, subjectType: 'Person', subjectId: personId, reason: 'administrators and support are managed by the operator' });
  }
  return person.removedAt ? undefined : person;
}

/** Who in the organisation already has this address or Teams account (removed people too: the columns are unique). */
async function holders(db: Db, organisationId: string, emailAddress: string, aadObjectId: string | undefined, except?: string) {
  return db.person.findMany({
    where: {
      organisationId,
      id: except ? { not: except } : undefined,
      OR: [{ email: { equals: emailAddress, mode: 'insensitive' } }, ...(aadObjectId ? [{ aadObjectId }] : [])],
    },
  });
}

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

/**
 * Adds an employee to the actor's organisation. An address of someone removed earlier brings that person back (their
 * history is theirs); an address or Teams account someone present has is refused, naming them. `requestKey` makes a
 * repeated press answer "added" once more instead of "taken".
 */
export async function addEmployee(db: Db, actor: Actor, input: EmployeeInput, options: { requestKey?: string } = {}): Promise<AddResult> {
  await mustAdminister(db, actor, 'person.add.denied');
  const parsed = employeeInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
  const wanted = parsed.data;
  const found = await holders(db, actor.organisationId, wanted.email, wanted.directoryId);
  const byEmail = found.find((person) => person.email.toLowerCase() === wanted.email);
  if (byEmail && !byEmail.removedAt && options.requestKey) {
    // The first press either added the person or brought a removed one back: the repeat answers as that press did.
    const first = await db.auditEvent.findFirst({
      where: { action: { in: ['person.added', 'person.restored'] }, subjectId: byEmail.id, after: { path: ['requestKey'], equals: options.requestKey } },
      select: { action: true },
    });
    if (first) return { ok: true, employee: employeeOf(byEmail), restored: first.action === 'person.restored', repeated: true };
  }
  const problems: EmployeeProblem[] = [];
  if (byEmail && (!byEmail.removedAt || byEmail.role !== Role.USER)) problems.push({ field: 'email', code: 'taken', takenBy: byEmail.displayName });
  const byAccount = found.find((person) => wanted.directoryId && person.aadObjectId === wanted.directoryId && person.id !== byEmail?.id);
  if (byAccount) problems.push({ field: 'directoryId', code: 'taken', takenBy: byAccount.displayName });
  if (problems.length > 0) return { ok: false, problems };

  const data = { displayName: wanted.displayName, email: wanted.email, preferredLanguage: wanted.language, aadObjectId: wanted.directoryId ?? byEmail?.aadObjectId ?? null };
  try {
    const person = await db.$transaction(async (tx) => {
      const saved = byEmail
        ? await tx.person.update({ where: { id: byEmail.id }, data: { ...data, removedAt: null } })
        : await tx.person.create({ data: { ...data, organisationId: actor.organisationId, role: Role.USER } });
      await tx.auditEvent.create({
        data: {
          organisationId: actor.organisationId,
          actorId: actor.id,
          action: byEmail ? 'person.restored' : 'person.added',
          subjectType: 'Person',
          subjectId: saved.id,
          before: byEmail ? { displayName: byEmail.displayName, email: byEmail.email, removedAt: byEmail.removedAt?.toISOString() ?? null } : undefined,
          after: { ...data, role: Role.USER, requestKey: options.requestKey ?? null },
        },
      });
      return saved;
    });
    return { ok: true, employee: employeeOf(person), restored: Boolean(byEmail), repeated: false };
  } catch (error) {
    // Two administrators adding the same address at once: the second is told who has it.
    if (isUniqueViolation(error)) return { ok: false, problems: [await takenProblem(db, actor, wanted.email)] };
    throw error;
  }
}

/** The address was taken between the check and the write: who has it now. */
async function takenProblem(db: Db, actor: Actor, emailAddress: string): Promise<EmployeeProblem> {
  const [holder] = await holders(db, actor.organisationId, emailAddress, undefined);
  return { field: 'email', code: 'taken', takenBy: holder?.displayName };
}

/** An employee as the change card shows them; undefined once removed. */
export async function employeeFor(db: Db, actor: Actor, personId: string): Promise<Employee | undefined> {
  const person = await ownEmployee(db, actor, personId, 'person.read.denied');
  return person && employeeOf(person);
}

/** Changes an employee's name, address and language; only what differs is written and audited. */
export async function changeEmployee(db: Db, actor: Actor, personId: string, input: EmployeeChange): Promise<ChangeResult | undefined> {
  const person = await ownEmployee(db, actor, personId, 'person.change.denied');
  if (!person) return undefined;
  const parsed = employeeChangeSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
  const wanted = { displayName: parsed.data.displayName, email: parsed.data.email, preferredLanguage: parsed.data.language };
  const changed = (Object.keys(wanted) as Array<keyof typeof wanted>).filter((key) => person[key] !== wanted[key]);
  if (changed.length === 0) return { ok: true, employee: employeeOf(person), changed };
  if (changed.includes('email')) {
    const [other] = await holders(db, actor.organisationId, wanted.email, undefined, person.id);
    if (other) return { ok: false, problems: [{ field: 'email', code: 'taken', takenBy: other.displayName }] };
  }
  const pick = (source: Record<string, unknown>) => Object.fromEntries(changed.map((key) => [key, source[key]])) as Prisma.InputJsonObject;
  try {
    const saved = await db.$transaction(async (tx) => {
      const updated = await tx.person.update({ where: { id: person.id }, data: pick(wanted) });
      await tx.auditEvent.create({
        data: { organisationId: actor.organisationId, actorId: actor.id, action: 'person.changed', subjectType: 'Person', subjectId: person.id, before: pick(person), after: pick(wanted) },
      });
      return updated;
    });
    return { ok: true, employee: employeeOf(saved), changed };
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, problems: [await takenProblem(db, actor, wanted.email)] };
    throw error;
  }
}

async function planFor(db: Db, person: Parameters<typeof employeeOf>[0]): Promise<RemovalPlan> {
  const groups = await db.service.groupBy({ by: ['status'], where: { userId: person.id }, _count: { _all: true }, orderBy: { status: 'asc' } });
  const byState = groups.map((group) => ({ status: group.status, count: group._count._all }));
  return { employee: employeeOf(person), byState, blocked: byState.some((group) => !CLOSED.includes(group.status)) };
}

/** What removing an employee would do to their services, asked before the confirmation; undefined once removed. */
export async function removalPlan(db: Db, actor: Actor, personId: string): Promise<RemovalPlan | undefined> {
  const person = await ownEmployee(db, actor, personId, 'person.remove.denied');
  return person && planFor(db, person);
}

/**
 * Removes an employee: no longer recognised, found or offered, their personal links revoked; the row stays, with their
 * services and the audit trail that name them. Refused, with the plan, while a service is open (see CLOSED).
 */
export async function removeEmployee(db: Db, actor: Actor, personId: string): Promise<RemoveResult> {
  const person = await ownEmployee(db, actor, personId, 'person.remove.denied');
  if (!person) {
    const removed = await db.person.findUniqueOrThrow({ where: { id: personId } });
    return { ok: true, employee: employeeOf(removed), already: true };
  }
  return db.$transaction(async (tx) => {
    // Read inside the transaction: a service added meanwhile blocks the removal.
    const plan = await planFor(tx as Db, person);
    if (plan.blocked) return { ok: false, plan };
    const removedAt = new Date();
    const claimed = await tx.person.updateMany({ where: { id: person.id, removedAt: null }, data: { removedAt } });
    if (claimed.count === 0) return { ok: true, employee: plan.employee, already: true };
    await tx.accessLink.updateMany({ where: { personId: person.id, revokedAt: null }, data: { revokedAt: removedAt } });
    await tx.auditEvent.create({
      data: {
        organisationId: actor.organisationId,
        actorId: actor.id,
        action: 'person.removed',
        subjectType: 'Person',
        subjectId: person.id,
        before: { displayName: person.displayName, email: person.email, aadObjectId: person.aadObjectId, services: plan.byState },
        after: { removedAt: removedAt.toISOString() },
      },
    });
    return { ok: true, employee: plan.employee, already: false };
  });
}

/** The employees among people found by the user search: administrators and support are the operator's. */
async function employeesAmong(db: Db, found: Array<{ id: string }>): Promise<Employee[]> {
  if (found.length === 0) return [];
  const people = await db.person.findMany({
    where: { id: { in: found.map((person) => person.id) }, role: Role.USER, removedAt: null },
    orderBy: { displayName: 'asc' },
  });
  return people.map(employeeOf);
}

/** The employees a typed request names among its other words ("remove Jan Peeters", "change Jan's email"). */
export async function employeesNamedIn(db: Db, actor: Actor, words: string): Promise<Employee[]> {
  await mustAdminister(db, actor, 'person.search.denied');
  return employeesAmong(db, await findPeopleNamedIn(db, actor, words));
}

/** The employees a search box's text finds ("jan", "Peeters", an address); a query too short or long is refused by the schema. */
export async function findEmployees(db: Db, actor: Actor, query: string): Promise<Employee[]> {
  await mustAdminister(db, actor, 'person.search.denied');
  return employeesAmong(db, await findPeople(db, actor, query));
}
