import crypto from 'node:crypto';
import { LinkPurpose, Role, ServiceStatus } from '../../prisma/generated/enums';
import { findUsableLink } from './accessLinks';
import { portingPending, startActivationAsUser, submitSimNumber, type SubmitSimResult } from '../lifecycle/userActivation';
import { giveBackAttempt, takeAttempt, type AttemptLimit } from './attemptWindows';
import { nameOrCode, type Localised } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import { queueNotifications } from '../notifications/notificationOutbox';
import type { Actor } from './people';

/**
 * The personal activation link from the email, as its page uses it: the link vouches for its person, for its one
 * service, until it expires or a new email replaces it. It acts only while the service waits for its user (the SIM
 * card number, or their Start); afterwards it only shows where the service stands, so that a forwarded link grants
 * nothing. Wrong SIM card numbers are limited per link (the link locks, and the organisation's administrators are
 * told) and per client address (in the database, so that every process agrees), because each answer — above all a
 * "did you mean" — tells something about the organisation's stock of SIM cards.
 */

/** Wrong numbers one link accepts before it locks for good; a new email brings a new link. */
export const LINK_ATTEMPT_LIMIT = 10;
/** From this many tries left, a wrong number's answer says how many remain. */
const TRIES_LEFT_WARNING = 2;
/** Wrong numbers from one client address, across links, per window. */
const ADDRESS_ATTEMPT_LIMIT: AttemptLimit = { limit: 30, windowMs: 60 * 60 * 1000 };

/** What the link's page shows; no phone or SIM card number is part of it. */
export interface ActivationLinkView {
  linkId: string;
  person: Actor;
  serviceId: string;
  status: ServiceStatus;
  failureReason: string | null;
  /** A number transfer still under way: the SIM card works before the number moves to it. */
  portingPending: boolean;
  product: Localised;
  serviceType: Localised;
  /** The service type has a SIM card (every type but a UC user). */
  hasSim: boolean;
  locked: boolean;
}

/** The service waits for its user: their SIM card number, or their Start. Only then does the link act. */
export function waitsForUser(status: ServiceStatus): status is typeof ServiceStatus.WAITING_FOR_SIM | typeof ServiceStatus.READY {
  return status === ServiceStatus.WAITING_FOR_SIM || status === ServiceStatus.READY;
}

/** The link's view, or null when it cannot be used: unknown, malformed, expired, revoked, used all look the same. */
export async function openActivationLink(db: Db, token: string, now = new Date()): Promise<ActivationLinkView | null> {
  const link = await findUsableLink(db, token, LinkPurpose.ACTIVATION, now);
  if (!link?.serviceId) return null;
  const service = await db.service.findUnique({ where: { id: link.serviceId } });
  // A link only ever speaks for the user of its own service.
  if (!service || service.userId !== link.personId) return null;
  const [person, product, serviceType, porting] = await Promise.all([
    db.person.findUniqueOrThrow({ where: { id: link.personId }, include: { organisation: true } }),
    db.productType.findUnique({ where: { code: service.productTypeCode }, select: { name: true, translations: true } }),
    db.serviceType.findUnique({ where: { code: service.serviceTypeCode }, select: { name: true, translations: true, hasSim: true } }),
    portingPending(db, service.id),
  ]);
  return {
    linkId: link.id,
    person,
    serviceId: service.id,
    status: service.status,
    failureReason: service.failureReason,
    portingPending: porting,
    product: nameOrCode(product, service.productTypeCode),
    serviceType: nameOrCode(serviceType, service.serviceTypeCode),
    hasSim: serviceType?.hasSim ?? true,
    locked: link.failedAttempts >= LINK_ATTEMPT_LIMIT,
  };
}

export type LinkSubmission =
  | { kind: 'unusable' }
  | { kind: 'locked'; view: ActivationLinkView }
  /** The service does not wait for a SIM card number (any more): nothing was checked or counted. */
  | { kind: 'not-waiting'; view: ActivationLinkView }
  | { kind: 'too-many'; view: ActivationLinkView; retryAfterMs: number }
  /** `triesLeft`: wrong numbers the link still takes, once there are TRIES_LEFT_WARNING or fewer. */
  | { kind: 'answered'; view: ActivationLinkView; result: SubmitSimResult; triesLeft?: number };

/** Problems that say nothing about the stock, and so do not count as a wrong number. */
const notCounted = new Set<string>(['empty', 'not-waiting']);

/**
 * A SIM card number entered on the link's page, as the link's person, for a service waiting for it. Each attempt
 * takes its slot in both limits before the number is checked and gives them back when the number was right.
 */
export async function submitOnLink(db: Db, token: string, input: string, clientAddress: string, now = new Date()): Promise<LinkSubmission> {
  const view = await openActivationLink(db, token, now);
  if (!view) return { kind: 'unusable' };
  if (!waitsForUser(view.status)) return { kind: 'not-waiting', view };
  if (view.locked) return { kind: 'locked', view };
  // A service whose SIM card is known, or that has none, is started with the button: its page takes no number.
  if (view.status !== ServiceStatus.WAITING_FOR_SIM) return { kind: 'not-waiting', view };
  const addressKey = `activation-address:${crypto.createHash('sha256').update(clientAddress).digest('hex')}`;
  const slot = await takeAttempt(db, addressKey, ADDRESS_ATTEMPT_LIMIT, now);
  if (!slot.allowed) return { kind: 'too-many', view, retryAfterMs: slot.retryAfterMs };
  const counted = await db.accessLink.updateMany({
    where: { id: view.linkId, failedAttempts: { lt: LINK_ATTEMPT_LIMIT } },
    data: { failedAttempts: { increment: 1 } },
  });
  if (counted.count !== 1) return { kind: 'locked', view: { ...view, locked: true } };

  const result = await submitSimNumber(db, view.person, view.serviceId, input, { now });
  if (result.ok || notCounted.has(result.problem)) {
    await db.accessLink.update({ where: { id: view.linkId }, data: { failedAttempts: { decrement: 1 } } });
    await giveBackAttempt(db, addressKey, slot.windowStart);
    return { kind: 'answered', view, result };
  }
  const link = await db.accessLink.findUniqueOrThrow({ where: { id: view.linkId }, select: { failedAttempts: true } });
  const triesLeft = LINK_ATTEMPT_LIMIT - link.failedAttempts;
  // The wrong number that used up the link locks it at once: another try could not be accepted anyway.
  if (triesLeft <= 0) {
    await tellAdministratorsLocked(db, view);
    return { kind: 'locked', view: { ...view, locked: true } };
  }
  return { kind: 'answered', view, result, ...(triesLeft <= TRIES_LEFT_WARNING ? { triesLeft } : {}) };
}

export type LinkStart = { kind: 'unusable' } | { kind: 'locked'; view: ActivationLinkView } | { kind: 'pressed'; view: ActivationLinkView };

/**
 * "Start activation" pressed on the link's page, as the link's person, for a service whose SIM card is known or that
 * has none. Pressed again, or after the service moved on, it changes nothing: the page then shows where it stands.
 */
export async function startOnLink(db: Db, token: string, now = new Date()): Promise<LinkStart> {
  const view = await openActivationLink(db, token, now);
  if (!view) return { kind: 'unusable' };
  if (view.locked && waitsForUser(view.status)) return { kind: 'locked', view };
  if (view.status === ServiceStatus.READY) await startActivationAsUser(db, view.person, view.serviceId, { now });
  return { kind: 'pressed', view };
}

/**
 * Only an administrator can help a locked link, with a new email: the organisation's administrators are told, once
 * per link, whichever process locked it.
 */
async function tellAdministratorsLocked(db: Db, view: ActivationLinkView): Promise<void> {
  const administrators = await db.person.findMany({
    where: { organisationId: view.person.organisationId, role: Role.ADMINISTRATOR },
    select: { id: true },
  });
  await queueNotifications(db, administrators.map(({ id }) => ({
    idempotencyKey: `activation.linkLocked:${view.serviceId}:${view.linkId}:${id}`,
    recipientId: id,
    serviceId: view.serviceId,
    kind: 'activation.linkLocked',
    audience: 'administrator',
    payload: { serviceId: view.serviceId, linkId: view.linkId },
  })));
}

/**
 * The organisation's services waiting for their user whose latest activation link is locked: only a new email from
 * an administrator moves them on.
 */
export async function lockedActivationLinks(db: Db, organisationId: string): Promise<string[]> {
  const rows = await db.$queryRaw<Array<{ serviceId: string; failedAttempts: number }>>`
    SELECT DISTINCT ON (l."serviceId") l."serviceId", l."failedAttempts"
    FROM "AccessLink" l JOIN "Service" s ON s.id = l."serviceId"
    WHERE s."organisationId" = ${organisationId}::uuid
      AND s.status IN ('WAITING_FOR_SIM', 'READY')
      AND l.purpose = 'ACTIVATION'
    ORDER BY l."serviceId", l."createdAt" DESC, l.id DESC`;
  return rows.filter((row) => row.failedAttempts >= LINK_ATTEMPT_LIMIT).map((row) => row.serviceId);
}
