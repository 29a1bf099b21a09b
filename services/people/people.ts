import { z } from 'zod';
import type { Db } from '../platform/db/database';
import type { Organisation, Person } from '../../prisma/generated/client';
import { Role } from '../../prisma/generated/enums';

export { Role };

/** Who is writing, as the channel vouches for it: a Teams tenant and AAD object id, or a web chat tied to a person. */
const channelIdentitySchema = z.union([
  z.object({
    kind: z.literal('aad'),
    tenantId: z.string().trim().min(1).max(100),
    aadObjectId: z.string().trim().min(1).max(100),
  }),
  // `linkServiceId`: the chat of a personal activation link, which acts for that one service's user only.
  z.object({ kind: z.literal('person'), personId: z.uuid(), linkServiceId: z.uuid().optional() }),
  z.object({ kind: z.literal('anonymous') }),
]);
export type ChannelIdentity = z.infer<typeof channelIdentitySchema>;

export type Actor = Person & { organisation: Organisation };

export type Recognition =
  | { status: 'known'; actor: Actor }
  // `deactivated`: the operator ended the organisation's use of the bot; its people are refused like strangers.
  | { status: 'unknown-organisation'; deactivated?: true }
  | { status: 'unknown-person'; organisation: Organisation; administrators: Pick<Person, 'displayName' | 'email'>[] }
  | { status: 'anonymous' };

const ORGANISATION_DEACTIVATED: Recognition = { status: 'unknown-organisation', deactivated: true };

/** Finds the person behind a channel identity. Only an organisation's own tenant id leads to its people. */
export async function recognise(db: Db, identity: ChannelIdentity): Promise<Recognition> {
  const parsed = channelIdentitySchema.parse(identity);
  if (parsed.kind === 'anonymous') return { status: 'anonymous' };
  if (parsed.kind === 'person') {
    const person = await db.person.findUnique({ where: { id: parsed.personId }, include: { organisation: true } });
    // A removed person's link or chat no longer acts for them.
    if (!person || person.removedAt) return { status: 'anonymous' };
    if (person.organisation.deactivatedAt) return ORGANISATION_DEACTIVATED;
    // A link in an email gets forwarded: whoever holds it acts as an employee, whatever the person's role.
    return { status: 'known', actor: parsed.linkServiceId ? { ...person, role: Role.USER } : person };
  }
  // The person through their organisation's tenant in one look-up: every turn starts here.
  const person = await db.person.findFirst({
    where: { aadObjectId: parsed.aadObjectId.toLowerCase(), removedAt: null, organisation: { tenantId: parsed.tenantId.toLowerCase() } },
    include: { organisation: true },
  });
  if (person?.organisation.deactivatedAt) return ORGANISATION_DEACTIVATED;
  if (person) return { status: 'known', actor: person };
  const organisation = await db.organisation.findUnique({ where: { tenantId: parsed.tenantId.toLowerCase() } });
  if (!organisation) return { status: 'unknown-organisation' };
  if (organisation.deactivatedAt) return ORGANISATION_DEACTIVATED;
  const administrators = await db.person.findMany({
    where: { organisationId: organisation.id, role: Role.ADMINISTRATOR },
    select: { displayName: true, email: true },
    orderBy: { displayName: 'asc' },
  });
  return { status: 'unknown-person', organisation, administrators };
}

export class AccessDenied extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'AccessDenied';
  }
}

/** What a refused action leaves in the audit trail. The reason is one of the code's own sentences, never card data. */
export interface Refusal {
  /** The audited action, e.g. `overview.denied`. */
  action: string;
  subjectType: string;
  subjectId?: string | null;
  reason: string;
}

/**
 * Writes the AuditEvent of a refused action, so that a card replayed by another organisation or a person acting
 * beyond their role leaves a trace.
 */
export async function recordRefusal(db: Db, actor: Actor, refusal: Refusal): Promise<void> {
  await db.auditEvent.create({
    data: {
      organisationId: actor.organisationId,
      actorId: actor.id,
      action: refusal.action,
      subjectType: refusal.subjectType,
      // A refused subject may be whatever a forged card named: kept short, without the control characters (NUL among
      // them) that a text column refuses.
      subjectId: refusal.subjectId?.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200) ?? null,
      after: { reason: refusal.reason, role: actor.role },
    },
  });
}

/**
 * A card whose data does not have the shape the bot gave it was edited on the way: refused and audited like any
 * other forged card, with no card data in the trail.
 */
export function refuseMalformedCard(db: Db, actor: Actor, verb: string): Promise<never> {
  return refuse(db, actor, { action: 'card.malformed', subjectType: 'CardAction', subjectId: verb, reason: 'card data not as the bot sent it' });
}

/** Audits the refusal, then throws AccessDenied, which the routes answer with a plain sentence. */
export async function refuse(db: Db, actor: Actor, refusal: Refusal): Promise<never> {
  await recordRefusal(db, actor, refusal);
  throw new AccessDenied(refusal.reason);
}

/** Every service function checks its actor through these, so no path around the dialogs skips the rules. */
export function requireRole(actor: Actor, ...roles: Role[]): void {
  if (!roles.includes(actor.role)) {
    throw new AccessDenied(`role ${actor.role} may not do this (needs ${roles.join(' or ')})`);
  }
}

/** May `actor` see data of `organisationId`? Their own organisation, or, for support, the ones they support. */
export async function canSeeOrganisation(db: Db, actor: Actor, organisationId: string): Promise<boolean> {
  if (actor.organisationId === organisationId && actor.role !== Role.USER) return true;
  if (actor.role !== Role.SUPPORT) return false;
  const scope = await db.supportScope.findUnique({
    where: { personId_organisationId: { personId: actor.id, organisationId } },
  });
  return scope !== null;
}
