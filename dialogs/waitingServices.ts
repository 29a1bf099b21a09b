import crypto from 'node:crypto';
import { z } from 'zod';
import { t, type Language, type StringKey } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import { renderWaitingServicesCard } from '../cards/waitingServicesCard';
import { ServiceStatus } from '../prisma/generated/enums';
import { timelineOf } from '../services/fleet/lookUp';
import { listWaitingServices, serviceUserName, type WaitingService } from '../services/lifecycle/serviceLists';
import { queueStartAll, resendActivationEmail, scheduleStart, startService } from '../services/lifecycle/activation';
import type { Db } from '../services/platform/db/database';
import { Role, type Actor } from '../services/people/people';
import { brusselsInstant, isCalendarDate } from '../services/platform/workingDays';
import { action, answerInPlace, defineFeature, plainAction, type FeatureTurn } from './feature';
import type { Reply } from './reply';
import { serviceLabel } from './serviceLabel';

/** "Services waiting for activation": the administrator's list, and what its buttons do. */

/** What the card's buttons carry back, inputs included; checked again by the services. */
export const waitingActionSchema = z.object({
  page: z.coerce.number().int().min(0).max(10_000).catch(0),
  requestKey: z.string().max(64).optional(),
  serviceId: z.uuid().optional(),
  /** Input.ChoiceSet with several values: comma-separated ids. */
  selected: z.string().max(10_000).optional(),
  date: z.string().max(10).optional(),
  time: z.string().regex(/^\d{2}:\d{2}$/).optional(),
  to: z.coerce.number().int().min(0).max(10_000).optional(),
  /** What the card showed (listKeyOf): an action on the whole list is done only on the list as it was shown. */
  listKey: z.string().max(64).optional(),
});
export type WaitingAction = z.infer<typeof waitingActionSchema>;

const whenFormat = (language: Language) =>
  new Intl.DateTimeFormat(`${language}-BE`, { dateStyle: 'full', timeStyle: 'short', timeZone: 'Europe/Brussels' });

/** A short digest of what a page of the list shows: two cards with the same key showed the same list. */
function listKeyOf(list: { services: WaitingService[]; total: number; page: number }): string {
  const rows = list.services.map((s) => `${s.id}:${s.status}:${s.scheduledStartAt?.toISOString() ?? ''}`);
  return crypto.createHash('sha256').update([list.total, list.page, ...rows].join('|')).digest('base64url').slice(0, 22);
}

export async function waitingServicesCard(db: Db, actor: Actor, language: Language, page: number, message = ''): Promise<Reply> {
  return (await waitingList(db, actor, language, page, message)).reply;
}

/** What a started service waits for from its user. */
const waitingRow: Partial<Record<ServiceStatus, StringKey>> = {
  [ServiceStatus.READY]: 'waiting.row.waitingForStart',
  [ServiceStatus.WAITING_FOR_ESIM_INSTALL]: 'waiting.row.waitingForEsimInstall',
};

async function waitingList(db: Db, actor: Actor, language: Language, page: number, message = ''): Promise<{ reply: Reply; listKey: string }> {
  const list = await listWaitingServices(db, actor, page);
  const listKey = listKeyOf(list);
  const date = new Intl.DateTimeFormat(`${language}-BE`, { dateStyle: 'medium', timeZone: 'Europe/Brussels' });
  const heading = (s: WaitingService) =>
    t(language, 'service.row', { name: s.userName, service: serviceLabel(language, { ...s, number: s.mobileNumber }) });
  const rows = list.services.map((s) => {
    const notStarted = s.status === ServiceStatus.WAITING_FOR_ACTIVATION;
    const detail = !notStarted
      ? t(language, waitingRow[s.status] ?? 'waiting.row.waitingForSim', { date: date.format(s.createdAt) })
      : s.scheduledStartAt
        ? t(language, 'waiting.row.scheduled', { when: whenFormat(language).format(s.scheduledStartAt) })
        : t(language, 'waiting.row.notStarted', { date: date.format(s.createdAt) });
    return {
      id: s.id,
      heading: heading(s),
      detail,
      buttonTitle: notStarted ? t(language, 'waiting.start') : t(language, 'waiting.resend'),
      buttonVerb: notStarted ? Verbs.waitingServices.start : Verbs.waitingServices.resend,
    };
  });
  const startable = list.services.filter((s) => s.status === ServiceStatus.WAITING_FOR_ACTIVATION);
  const actions = [
    ...(startable.length > 0
      ? [
          { title: t(language, 'waiting.startSelected'), verb: Verbs.waitingServices.startSelected, to: list.page },
          { title: t(language, 'waiting.startAll'), verb: Verbs.waitingServices.startAll, to: list.page },
          { title: t(language, 'waiting.schedule'), verb: Verbs.waitingServices.schedule, to: list.page },
        ]
      : []),
    ...(list.page > 0 ? [{ title: t(language, 'waiting.previous'), verb: Verbs.waitingServices.page, to: list.page - 1 }] : []),
    ...(list.page < list.pages - 1 ? [{ title: t(language, 'waiting.next'), verb: Verbs.waitingServices.page, to: list.page + 1 }] : []),
  ];
  const reply: Reply = {
    kind: 'card',
    card: renderWaitingServicesCard({
      title: t(language, 'waiting.title'),
      message,
      empty: t(language, 'waiting.empty'),
      rows,
      startable: startable.map((s) => ({ title: heading(s), value: s.id })),
      selectLabel: t(language, 'waiting.select'),
      dateLabel: t(language, 'waiting.schedule.date'),
      timeLabel: t(language, 'waiting.schedule.time'),
      page: list.page,
      pages: list.pages,
      pageText: t(language, 'waiting.page', { page: list.page + 1, pages: list.pages }),
      requestKey: crypto.randomUUID(),
      cardKey: crypto.randomUUID(),
      listKey,
      actions,
    }),
  };
  return { reply, listKey };
}

/**
 * Starts the services and says how many started; a service started already (from another card, by someone else, by
 * a planned start) is named with who started it and when, rather than counted blindly.
 */
async function startAll(db: Db, actor: Actor, language: Language, ids: string[], linkDays: number): Promise<string> {
  let started = 0;
  const already: string[] = [];
  for (const id of ids) {
    const result = await startService(db, actor, id, { linkDays });
    if (result.started) started++;
    else already.push(await startedBefore(db, actor, language, id));
  }
  return [...(started > 0 || already.length === 0 ? [t(language, 'waiting.started', { count: started })] : []), ...already].join(' ');
}

/** "Marie Dubois's service was already started by Ann Admin on …", from the service's own history. */
async function startedBefore(db: Db, actor: Actor, language: Language, serviceId: string): Promise<string> {
  const { service, changes } = await timelineOf(db, actor, serviceId);
  const start = changes.filter((change) => change.action === 'service.started').at(-1);
  const user = service.user.displayName;
  if (!start?.who) return t(language, 'waiting.alreadyStartedOne', { user });
  return t(language, 'waiting.alreadyStartedBy', { user, who: start.who, when: whenFormat(language).format(start.at) });
}

export type WaitingVerb = (typeof Verbs.waitingServices)[keyof typeof Verbs.waitingServices];

/** One button of the card: do it, then show the list again with what happened on top, in place of the card pressed. */
export async function onWaitingAction(
  db: Db,
  actor: Actor,
  language: Language,
  verb: WaitingVerb,
  action: WaitingAction,
  options: { linkDays: number; now?: Date },
): Promise<Reply> {
  const now = options.now ?? new Date();
  const selected = (action.selected ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  let message = '';
  // Start all and Schedule act on the list as the card showed it: on a card older than the list nothing is done, and
  // the list is shown as it is now. (Start and Start selected name their services, and say which had started since.)
  if (action.listKey !== undefined && (verb === Verbs.waitingServices.startAll || verb === Verbs.waitingServices.schedule)) {
    const current = await waitingList(db, actor, language, action.page, t(language, 'waiting.changed'));
    if (action.listKey !== current.listKey) return current.reply;
  }
  switch (verb) {
    case Verbs.waitingServices.page:
      return waitingServicesCard(db, actor, language, action.to ?? action.page);
    case Verbs.waitingServices.start:
      message = await startAll(db, actor, language, action.serviceId ? [action.serviceId] : [], options.linkDays);
      break;
    case Verbs.waitingServices.startSelected:
      message = selected.length === 0 ? t(language, 'waiting.noneSelected') : await startAll(db, actor, language, selected, options.linkDays);
      break;
    case Verbs.waitingServices.startAll: {
      const count = await queueStartAll(db, actor, action.requestKey ?? crypto.randomUUID(), now);
      message = count === 0 ? await startAll(db, actor, language, [], options.linkDays) : t(language, 'waiting.startingAll', { count });
      break;
    }
    case Verbs.waitingServices.schedule: {
      const at = action.date && isCalendarDate(action.date) && action.time ? brusselsInstant(action.date, action.time) : null;
      if (!at || at <= now) message = t(language, 'waiting.schedule.invalid');
      else if (selected.length === 0) message = t(language, 'waiting.noneSelected');
      else {
        const result = await scheduleStart(db, actor, selected, at, { now });
        message = t(language, 'waiting.scheduled', { count: result.scheduled, when: whenFormat(language).format(at) });
      }
      break;
    }
    case Verbs.waitingServices.resend: {
      if (!action.serviceId) break;
      const result = await resendActivationEmail(db, actor, action.serviceId, { linkDays: options.linkDays, requestKey: action.requestKey });
      const user = await serviceUserName(db, action.serviceId);
      message = result.sent ? t(language, 'waiting.resent', { user: user ?? '' }) : t(language, 'waiting.resend.notWaiting');
      break;
    }
  }
  return waitingServicesCard(db, actor, language, action.page, message);
}

const refused = (language: Language): Reply => ({ kind: 'text', text: t(language, 'waiting.denied') });

/** May this role press the button at all? Then a refusal is about the service: not of the actor's organisation. */
const roleMayPress = (role: Role, verb: string | undefined) =>
  role === Role.ADMINISTRATOR || (role === Role.SUPPORT && verb === Verbs.waitingServices.resend);

/** The list, shown where it can be replaced by the answers to its buttons (bot/runner.ts remembers it by its key). */
const list = async (turn: FeatureTurn<unknown>) => answerInPlace(turn, [await waitingServicesCard(turn.db, turn.actor, turn.language, 0)]);

/** "What is waiting?", typed or pressed, and the list's buttons; data not as the card was sent is audited. */
export const waitingServicesFeature = defineFeature({
  name: 'waitingServices',
  refusal: refused,
  denied: (language, actor, verb) => (roleMayPress(actor.role, verb) ? { kind: 'text', text: t(language, 'waiting.notYours') } : refused(language)),
  intents: { waitingServices: list },
  actions: {
    [Verbs.welcome.waitingServices]: plainAction(list),
    ...Object.fromEntries(
      (Object.values(Verbs.waitingServices) as WaitingVerb[]).map((verb) => [
        verb,
        action(waitingActionSchema, async (turn, data) =>
          answerInPlace(turn, [await onWaitingAction(turn.db, turn.actor, turn.language, verb, data, { linkDays: turn.settings.linkDays })]), 'audit'),
      ]),
    ),
  },
});
