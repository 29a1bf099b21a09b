import crypto from 'node:crypto';
import { LinkPurpose, ServiceStatus } from '../prisma/generated/enums';
import { findUsableLink } from './accessLinks';
import { portingPending, submitSimNumber, type SubmitSimResult } from './activation';
import { giveBackAttempt, takeAttempt, type AttemptLimit } from './attemptWindows';
import { nameOrCode, type Localised } from './catalog';
import type { Db } from './db/database';
import type { Actor } from './people';

/**
 * The personal activation link from the email, as its page uses it: the link vouches for its person, for its one
 * service, until the activation is complete. Wrong SIM card numbers are limited per link (the link locks) and per
 * client address (in the database, so that every process agrees), because each answer — above all a "did you
 * mean" — tells something about the organisation's stock of SIM cards.
 */

/** Wrong numbers one link accepts before it locks for good; a new email brings a new link. */
export const LINK_ATTEMPT_LIMIT = 10;
/** Wrong numbers from one client address, across links, per window. */
export const ADDRESS_ATTEMPT_LIMIT: AttemptLimit = { limit: 30, windowMs: 60 * 60 * 1000 };

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
  locked: boolean;
}

/** The states in which the page still has something to say; any other reads as an unusable link. */
const pageStates: ServiceStatus[] = [ServiceStatus.WAITING_FOR_SIM, ServiceStatus.READY, ServiceStatus.ACTIVATING, ServiceStatus.FAILED];

/** The link's view, or null when it cannot be used: unknown, malformed, expired, revoked, used all look the same. */
export async function openActivationLink(db: Db, token: string, now = new Date()): Promise<ActivationLinkView | null> {
  const link = await findUsableLink(db, token, LinkPurpose.ACTIVATION, now);
  if (!link?.serviceId) return null;
  const service = await db.service.findUnique({ where: { id: link.serviceId } });
  // A link only ever speaks for the user of its own service.
  if (!service || service.userId !== link.personId || !pageStates.includes(service.status)) return null;
  const [person, product, serviceType, porting] = await Promise.all([
    db.person.findUniqueOrThrow({ where: { id: link.personId }, include: { organisation: true } }),
    db.productType.findUnique({ where: { code: service.productTypeCode }, select: { name: true, translations: true } }),
    db.serviceType.findUnique({ where: { code: service.serviceTypeCode }, select: { name: true, translations: true } }),
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
    locked: link.failedAttempts >= LINK_ATTEMPT_LIMIT,
  };
}

export type LinkSubmission =
  | { kind: 'unusable' }
  | { kind: 'locked'; view: ActivationLinkView }
  | { kind: 'too-many'; view: ActivationLinkView; retryAfterMs: number }
  | { kind: 'answered'; view: ActivationLinkView; result: SubmitSimResult };

/** Problems that say nothing about the stock, and so do not count as a wrong number. */
const notCounted = new Set<string>(['empty', 'not-waiting']);

/**
 * A SIM card number entered on the link's page, as the link's person. Each attempt takes its slot in both limits
 * before the number is checked and gives them back when the number was right.
 */
export async function submitOnLink(db: Db, token: string, input: string, clientAddress: string, now = new Date()): Promise<LinkSubmission> {
  const view = await openActivationLink(db, token, now);
  if (!view) return { kind: 'unusable' };
  if (view.locked) return { kind: 'locked', view };
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
  // The wrong number that used up the link locks it at once: another try could not be accepted anyway.
  if (link.failedAttempts >= LINK_ATTEMPT_LIMIT) return { kind: 'locked', view: { ...view, locked: true } };
  return { kind: 'answered', view, result };
}
