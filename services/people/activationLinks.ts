import crypto from 'node:crypto';
import { LinkPurpose, ServiceStatus, SimForm } from '../../prisma/generated/enums';
import { findUsableLink, isUsable } from './accessLinks';
import { portingPending, startActivationAsUser, submitSimNumber, type SubmitSimResult } from '../lifecycle/userActivation';
import { giveBackAttempt, takeAttempt, type AttemptLimit } from './attemptWindows';
import { nameOrCode, type Localised } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import type { Service } from '../../prisma/generated/client';
import { notifyAdministrators } from '../notifications/notificationOutbox';
import { esimToInstall, type EsimToInstall } from '../simCards/esimProfiles';
import type { Actor } from './people';

/**
 * The personal activation link from the email, as its page and its chat use it: the link vouches for its person, for
 * its one service, until it expires or a new email replaces it. It acts only while the service waits for its user
 * (the SIM card number, or their Start); afterwards it only shows where the service stands, so that a forwarded link
 * grants nothing. While the service's eSIM waits to be installed, the page shows it (never another service's), and
 * only that: the link takes nothing then. Wrong SIM card numbers are one limited resource, because each answer —
 * above all a "did you mean" — tells something about the organisation's stock of SIM cards: counted per link, whether
 * typed on the page or in its chat (the link locks, and the organisation's administrators are told), per person for
 * their Teams and own web chat, and, as a ceiling against guessing across many links, per client address (all in the
 * database, so that every process agrees).
 */

/** Wrong numbers one link accepts, on its page and in its chat together, before it locks for good; a new email brings a new link. */
export const LINK_ATTEMPT_LIMIT = 10;
/**
 * Wrong numbers a person may type in Teams or their own web chat per hour: as many as a link takes. They are signed
 * in, so nothing locks for good (no new email would unlock it), but their answers tell as much about the stock.
 */
const PERSON_ATTEMPT_LIMIT: AttemptLimit = { limit: LINK_ATTEMPT_LIMIT, windowMs: 60 * 60 * 1000 };
/** From this many tries left, a wrong number's answer says how many remain. */
const TRIES_LEFT_WARNING = 2;
/**
 * Wrong numbers from one client address, across links, per hour: a ceiling against one machine guessing across many
 * links, not a limit for people. A whole company behind one NAT or proxy shares an address, and each link already
 * stops at ten; 200 is twenty links used up in one hour, far beyond a company's employees mistyping their numbers.
 */
const ADDRESS_ATTEMPT_LIMIT: AttemptLimit = { limit: 200, windowMs: 60 * 60 * 1000 };

/** What the link's page shows; no phone or SIM card number is part of it, and an eSIM's code only while it waits. */
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
  /** Its SIM is an eSIM profile. */
  hasEsim: boolean;
  /** The eSIM its person still has to install: sent, not installed, not replaced. */
  esim: EsimToInstall | null;
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
  const service = await db.service.findUnique({ where: { id: link.serviceId }, include: { simCard: { select: { form: true } } } });
  // A link only ever speaks for the user of its own service.
  if (!service || service.userId !== link.personId) return null;
  const [person, product, serviceType, porting, esim] = await Promise.all([
    db.person.findUniqueOrThrow({ where: { id: link.personId }, include: { organisation: true } }),
    db.productType.findUnique({ where: { code: service.productTypeCode }, select: { name: true, translations: true } }),
    db.serviceType.findUnique({ where: { code: service.serviceTypeCode }, select: { name: true, translations: true, hasSim: true } }),
    portingPending(db, service.id),
    esimToInstall(db, link.personId, service.id),
  ]);
  // Its person removed or their organisation deactivated: the link no longer acts for anyone.
  if (person.removedAt || person.organisation.deactivatedAt) return null;
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
    hasEsim: service.simCard?.form === SimForm.ESIM,
    esim,
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

/**
 * A SIM card number entered on the link's page, as the link's person, for a service waiting for it. It counts against
 * the link as one typed in the link's chat does, and against the client address; both are given back when it was right.
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
  const tried = await submitSimTry(db, view.person, view.serviceId, input, { kind: 'link', linkId: view.linkId }, { now });
  if (tried.kind === 'answered' && !countsAsWrong(tried.result)) await giveBackAttempt(db, addressKey, slot.windowStart);
  if (tried.kind === 'answered') return { kind: 'answered', view, result: tried.result, ...(tried.triesLeft === undefined ? {} : { triesLeft: tried.triesLeft }) };
  if (tried.kind === 'too-many') return { kind: 'too-many', view, retryAfterMs: tried.retryAfterMs };
  return { kind: 'locked', view: { ...view, locked: true } };
}

/** Whose tries a SIM card number counts against: the link it came through (its page or its chat), or the person's own. */
export type SimTries = { kind: 'link'; linkId: string } | { kind: 'person' };

export type SimTry =
  /** The link is locked: not even the right number is taken. */
  | { kind: 'locked' }
  /** The person used up their wrong numbers for now. */
  | { kind: 'too-many'; retryAfterMs: number }
  /**
   * `triesLeft`: wrong numbers still taken, once there are TRIES_LEFT_WARNING or fewer; 0 (a person only, a link locks
   * instead) with `retryAfterMs`, when the next is taken again.
   */
  | { kind: 'answered'; result: SubmitSimResult; triesLeft?: number; retryAfterMs?: number };

/** Problems that say nothing about the stock, and so do not count as a wrong number. */
const notCounted = new Set<string>(['empty', 'not-waiting']);

function countsAsWrong(result: SubmitSimResult): boolean {
  return !result.ok && !notCounted.has(result.problem);
}

/**
 * A SIM card number typed by `actor` for `serviceId`, counted: the try takes its slot before the number is checked
 * (so that concurrent tries cannot slip past the limit together) and gives it back when the number was right. Page
 * and chat both come here, so that they share one count and one rule for "did you mean".
 */
export async function submitSimTry(
  db: Db,
  actor: Actor,
  serviceId: string,
  input: string,
  tries: SimTries,
  options: { now?: Date; read?: Service } = {},
): Promise<SimTry> {
  const now = options.now ?? new Date();
  const slot = await takeTry(db, actor, tries, now);
  if (slot.kind !== 'taken') return slot;
  const answer = await submitSimNumber(db, actor, serviceId, input, { now, read: options.read });
  if (!countsAsWrong(answer)) {
    await slot.giveBack();
    return { kind: 'answered', result: answer };
  }
  const { suggestion, ...withoutSuggestion } = answer as Extract<SubmitSimResult, { ok: false }>;
  let used = slot.used;
  let result: SubmitSimResult = withoutSuggestion;
  // A "did you mean" names a stock card, so it costs a second try from the same count, and comes only when a try is
  // left afterwards to send it with. The card named is always what was typed with one digit corrected (or two
  // neighbours swapped), never one further away: someone holding the card who slipped needs one or two; someone
  // guessing learns at most four cards per link (or per person and hour), where ten wrong numbers used to name ten.
  if (suggestion && used + 1 < LINK_ATTEMPT_LIMIT) {
    const extra = await takeTry(db, actor, tries, now);
    // Another try that raced this one may have used the last slot: then there is no suggestion, and no try left.
    used = extra.kind === 'taken' ? extra.used : LINK_ATTEMPT_LIMIT;
    if (used < LINK_ATTEMPT_LIMIT) result = answer;
  }
  const triesLeft = LINK_ATTEMPT_LIMIT - used;
  if (triesLeft > TRIES_LEFT_WARNING) return { kind: 'answered', result };
  if (triesLeft > 0) return { kind: 'answered', result, triesLeft };
  if (tries.kind === 'person') return { kind: 'answered', result, triesLeft: 0, retryAfterMs: slot.retryAfterMs };
  // The wrong number that used up the link locks it at once: another try could not be accepted anyway.
  await tellAdministratorsLocked(db, actor.organisationId, serviceId, tries.linkId);
  return { kind: 'locked' };
}

type TakenTry = { kind: 'taken'; used: number; retryAfterMs: number; giveBack: () => Promise<void> };

/** One try taken from the link or the person: `used`, the wrong numbers counted with this one. */
async function takeTry(db: Db, actor: Actor, tries: SimTries, now: Date): Promise<TakenTry | Exclude<SimTry, { kind: 'answered' }>> {
  if (tries.kind === 'person') {
    const key = `sim-number-person:${actor.id}`;
    const slot = await takeAttempt(db, key, PERSON_ATTEMPT_LIMIT, now);
    if (!slot.allowed) return { kind: 'too-many', retryAfterMs: slot.retryAfterMs };
    return { kind: 'taken', used: slot.count, retryAfterMs: slot.retryAfterMs, giveBack: () => giveBackAttempt(db, key, slot.windowStart) };
  }
  const rows = await db.$queryRaw<{ failedAttempts: number }[]>`
    UPDATE "AccessLink" SET "failedAttempts" = "failedAttempts" + 1
    WHERE "id" = ${tries.linkId}::uuid AND "failedAttempts" < ${LINK_ATTEMPT_LIMIT}
    RETURNING "failedAttempts"`;
  if (rows.length === 0) return { kind: 'locked' };
  const giveBack = async () => {
    await db.accessLink.update({ where: { id: tries.linkId }, data: { failedAttempts: { decrement: 1 } } });
  };
  return { kind: 'taken', used: rows[0]!.failedAttempts, retryAfterMs: 0, giveBack };
}

/**
 * The link a personal page's chat counts against: the person's current activation link for the service (a new email
 * revokes the one before), or null when there is none any more.
 */
export async function linkTriesOf(db: Db, actor: Actor, serviceId: string, now = new Date()): Promise<SimTries | null> {
  const link = await db.accessLink.findFirst({
    where: { serviceId, personId: actor.id, purpose: LinkPurpose.ACTIVATION, revokedAt: null, usedAt: null, expiresAt: { gt: now } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: { id: true },
  });
  return link ? { kind: 'link', linkId: link.id } : null;
}

/**
 * May the chat opened with this link still act? Only while the page could: the link is neither expired, replaced,
 * used nor locked, its service still waits for its user, and its person is still one of an active organisation.
 */
export async function linkActs(db: Db, linkId: string, now = new Date()): Promise<boolean> {
  const link = await db.accessLink.findUnique({
    where: { id: linkId },
    include: { service: { select: { status: true, userId: true } }, person: { select: { removedAt: true, organisation: { select: { deactivatedAt: true } } } } },
  });
  if (!link?.service || !isUsable(link, LinkPurpose.ACTIVATION, now)) return false;
  if (link.person.removedAt || link.person.organisation.deactivatedAt) return false;
  return link.failedAttempts < LINK_ATTEMPT_LIMIT && link.service.userId === link.personId && waitsForUser(link.service.status);
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
async function tellAdministratorsLocked(db: Db, organisationId: string, serviceId: string, linkId: string): Promise<void> {
  await notifyAdministrators(db, organisationId, `activation.linkLocked:${serviceId}:${linkId}`, { serviceId, kind: 'activation.linkLocked', payload: { serviceId, linkId } });
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
