import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { renderQuestionCard, type DataButton } from '../cards/questionCard';
import { renderServiceTimelineCard } from '../cards/serviceTimelineCard';
import { listOf, t, type Language, type StringKey } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import { resendActivationEmail } from '../services/lifecycle/activation';
import type { Db } from '../services/platform/db/database';
import { escalateToAdministrators } from '../services/lifecycle/escalation';
import { AccessDenied, Role, type Actor } from '../services/people/people';
import { isServiceEventKind, type ServiceEventKind } from '../services/fleet/serviceEvents';
import { formatBelgianNational } from '../services/numbers/phoneNumbers';
import { findServicesOf, lookupQuerySchema, timelineOf, type ChangeEntry, type LookupQuery, type ServiceSummary, type TimelineEntry } from '../services/fleet/lookUp';
import { mayReplaceEsim, servicesWithEsim } from './esim';
import { refusalText } from './portingIssues';
import { serviceLabel } from './serviceLabel';
import { formatTime } from './troubleshoot';
import { action, defineFeature, plainAction, type FeatureTurn } from './feature';
import type { Reply } from './reply';
import type { IntentMatch } from './understanding/intents';
import { intentModel } from './understanding/model';
import { welcomeFor } from './welcome';

/**
 * "Status of jan.peeters@demo.example", "services of Jan": support (and administrators) see the services and
 * timeline of the people they may see; a user sees their own. The card's buttons carry the service id and a
 * request key; their handlers re-read everything through the checked services.
 */

export const showPersonSchema = z.object({ personId: z.uuid() });
export const serviceActionSchema = z.object({ serviceId: z.uuid(), requestKey: z.string().min(8).max(200) });

export const statusLabel: Record<ServiceSummary['status'], StringKey> = {
  WAITING_FOR_ACTIVATION: 'support.status.WAITING_FOR_ACTIVATION',
  WAITING_FOR_SIM: 'support.status.WAITING_FOR_SIM',
  WAITING_FOR_ESIM_INSTALL: 'support.status.WAITING_FOR_ESIM_INSTALL',
  READY: 'support.status.READY',
  ACTIVATING: 'support.status.ACTIVATING',
  WAITING_FOR_PORTING: 'support.status.WAITING_FOR_PORTING',
  ACTIVE: 'support.status.ACTIVE',
  FAILED: 'support.status.FAILED',
  CANCELLED: 'support.status.CANCELLED',
  ENDED: 'support.status.ENDED',
};

export const portingLabel: Record<NonNullable<ServiceSummary['porting']>['state'], StringKey> = {
  REQUESTED: 'support.porting.REQUESTED',
  SUBMITTED: 'support.porting.SUBMITTED',
  ACCEPTED: 'support.porting.ACCEPTED',
  SCHEDULED: 'support.porting.SCHEDULED',
  COMPLETED: 'support.porting.COMPLETED',
  REFUSED: 'support.porting.REFUSED',
  CANCELLED: 'support.porting.CANCELLED',
  HELD: 'support.porting.HELD',
};

/** Every kind of timeline entry the domain writes, in words: a kind added to the domain's list without words does not compile. */
const eventLabel: Record<ServiceEventKind, StringKey> = {
  service_created: 'support.event.service_created',
  number_reserved: 'support.event.number_reserved',
  number_move_planned: 'support.event.number_move_planned',
  sim_assigned: 'support.event.sim_assigned',
  esim_reserved: 'support.event.esim_reserved',
  esim_installed: 'support.event.esim_installed',
  esim_replaced: 'support.event.esim_replaced',
  esim_awaits_stock: 'support.event.esim_awaits_stock',
  fixed_number_assigned: 'support.event.fixed_number_assigned',
  fixed_number_take_planned: 'support.event.fixed_number_take_planned',
  activation_deferred: 'support.event.activation_deferred',
  summary_card_posted: 'support.event.summary_card_posted',
  activation_email_sent: 'support.event.activation_email_sent',
  activation_email_resent: 'support.event.activation_email_resent',
  activation_scheduled: 'support.event.activation_scheduled',
  activation_schedule_dropped: 'support.event.activation_schedule_dropped',
  service_started: 'support.event.service_started',
  sim_submitted: 'support.event.sim_submitted',
  activation_confirmed: 'support.event.activation_confirmed',
  activation_started: 'support.event.activation_started',
  provisioned: 'support.event.provisioned',
  activated: 'support.event.activated',
  activation_failed: 'support.event.activation_failed',
  activation_retried: 'support.event.activation_retried',
  service_ended: 'support.event.service_ended',
  porting_requested: 'support.event.porting_requested',
  porting_submitted: 'support.event.porting_submitted',
  porting_accepted: 'support.event.porting_accepted',
  porting_scheduled: 'support.event.porting_scheduled',
  porting_completed: 'support.event.porting_completed',
  porting_refused: 'support.event.porting_refused',
  porting_cancelled: 'support.event.porting_cancelled',
  porting_held: 'support.event.porting_held',
  number_moved_in: 'support.event.number_moved_in',
  number_moved_out: 'support.event.number_moved_out',
  fixed_number_taken: 'support.event.fixed_number_taken',
  escalated: 'support.event.escalated',
  activation_overdue: 'support.event.activation_overdue',
  porting_overdue: 'support.event.porting_overdue',
  escalation_overdue: 'support.event.escalation_overdue',
  notification_undeliverable: 'support.event.notification_undeliverable',
};

/** A timeline entry in words; a kind the domain no longer writes (an old row) is still a sentence, never its code. */
export function eventLine(language: Language, kind: string): string {
  return t(language, isServiceEventKind(kind) ? eventLabel[kind] : 'support.event.other');
}

/** The audit trail's actions as support reads them; any other is named as it was recorded. */
const changeLabel: Record<string, StringKey> = {
  'service.created': 'support.change.service.created',
  'service.started': 'support.change.service.started',
  'service.scheduled': 'support.change.service.scheduled',
  'activation.sim.entered': 'support.change.activation.sim.entered',
  'activation.resent': 'support.change.activation.resent',
  'porting.requested': 'support.change.porting.requested',
  'porting.resubmitted': 'support.change.porting.resubmitted',
};

/** The values a reader can use, "before → after"; ids and codes stay in the database for whoever investigates. */
const changedValues = ['status', 'scheduledStartAt', 'simLastDigits', 'attempt'] as const;

function changeLine(language: Language, change: ChangeEntry): { at: string; what: string } {
  const shown = (key: (typeof changedValues)[number], value: unknown): string => {
    if (value === null || value === undefined) return t(language, 'support.change.none');
    if (key === 'status' && typeof value === 'string' && value in statusLabel) return t(language, statusLabel[value as ServiceSummary['status']]);
    if (key === 'scheduledStartAt' && typeof value === 'string') return formatTime(language, new Date(value));
    if (key === 'attempt') return t(language, 'support.change.attempt', { attempt: String(value) });
    return `…${String(value)}`;
  };
  const detail = changedValues
    .filter((key) => change.before && key in change.before && change.after && key in change.after)
    .map((key) => t(language, 'support.change.detail', { before: shown(key, change.before![key]), after: shown(key, change.after![key]) }))
    .join('; ');
  const who = change.who ?? t(language, 'support.change.someone');
  const what = changeLabel[change.action] ? t(language, changeLabel[change.action]!) : t(language, 'support.change.other', { action: change.action });
  return { at: formatTime(language, change.at), what: t(language, detail ? 'support.change.lineWithDetail' : 'support.change.line', { who, what, detail }) };
}

export function askWhom(language: Language): Reply {
  return { kind: 'text', text: t(language, 'support.ask') };
}

/** The look-up itself: one card per service of the one person found, or a choice when several match. */
export async function lookUp(db: Db, actor: Actor, language: Language, query: LookupQuery, newKey: () => string): Promise<Reply[]> {
  // Whatever was typed after "Look up a user" becomes the name: one letter, or a paragraph, is answered, not thrown.
  if (!lookupQuerySchema.safeParse(query).success) return [{ kind: 'text', text: t(language, 'support.query.invalid') }];
  let found;
  try {
    found = await findServicesOf(db, actor, query);
  } catch (error) {
    if (error instanceof AccessDenied) return [actor.role === Role.USER ? { kind: 'text', text: t(language, 'support.user.denied') } : deniedReply(language)];
    throw error;
  }
  const asked = Object.values(query).find((value) => value !== undefined) ?? '';
  if (found.length === 0) return [{ kind: 'text', text: t(language, 'support.none', { query: asked }) }];
  if (found.length > 1) {
    const buttons: DataButton[] = found.map(({ person }) => ({
      title: `${person.displayName} (${person.organisationName})`,
      verb: Verbs.lookUp.showPerson,
      data: { personId: person.id },
    }));
    return [{ kind: 'card', card: renderQuestionCard({ title: '', text: t(language, 'support.several', { query: asked }), buttons }) }];
  }
  const [{ person, services }] = found as [(typeof found)[number]];
  if (services.length === 0) {
    const own = person.id === actor.id;
    return [{ kind: 'text', text: own ? t(language, 'support.mine.none') : t(language, 'support.noServices', { name: person.displayName }) }];
  }
  const esims = await servicesWithEsim(db, services.map((service) => service.id));
  return Promise.all(services.map(async (service) => timelineCard(actor, language, await timelineOf(db, actor, service.id), newKey(), esims.has(service.id))));
}

/** Support picked one of several people: their services, re-read as this actor may see them. */
export async function showPerson(db: Db, actor: Actor, language: Language, personId: string, newKey: () => string): Promise<Reply[]> {
  return lookUp(db, actor, language, { personId }, newKey);
}

export async function resendEmail(db: Db, actor: Actor, language: Language, serviceId: string, options: { requestKey: string; linkDays: number }): Promise<Reply> {
  const { service } = await timelineOf(db, actor, serviceId);
  const result = await resendActivationEmail(db, actor, serviceId, options);
  const name = service.user.displayName;
  if (!result.sent) return { kind: 'text', text: t(language, 'support.resend.notWaiting', { name }) };
  return { kind: 'text', text: t(language, result.repeated ? 'support.resend.already' : 'support.resent', { name }) };
}

export async function escalate(db: Db, actor: Actor, language: Language, serviceId: string, requestKey: string): Promise<Reply> {
  const { service } = await timelineOf(db, actor, serviceId);
  const result = await escalateToAdministrators(db, actor, { requestKey, serviceId, topic: 'support', tried: [] });
  if (!result.sent && result.reason === 'no-administrator') return { kind: 'text', text: t(language, 'help.contact.noAdministrator') };
  const vars = { administrators: listOf(language, result.administrators), name: service.user.displayName, organisation: service.organisationName };
  return { kind: 'text', text: t(language, result.sent ? 'support.escalated' : 'support.escalate.already', vars) };
}

/** One service's card by its id, as the fleet overview's rows open it; refused and audited if not the actor's to see. */
export async function serviceCard(db: Db, actor: Actor, language: Language, serviceId: string, requestKey: string): Promise<Reply> {
  const timeline = await timelineOf(db, actor, serviceId);
  return timelineCard(actor, language, timeline, requestKey, (await servicesWithEsim(db, [timeline.service.id])).has(timeline.service.id));
}

export function deniedReply(language: Language): Reply {
  return { kind: 'text', text: t(language, 'support.denied') };
}

// Teams refuses a message over about 28 KB: a long-lived service's history shows its latest entries.
const TIMELINE_ENTRIES = 15;

function timelineCard(
  actor: Actor,
  language: Language,
  { service, events, changes }: { service: ServiceSummary; events: TimelineEntry[]; changes: ChangeEntry[] },
  requestKey: string,
  esim: boolean,
): Reply {
  const porting = service.porting;
  const refused = porting?.state === 'REFUSED' || porting?.state === 'CANCELLED' ? porting : null;
  const facts = [
    { title: t(language, 'support.fact.status'), value: t(language, statusLabel[service.status]) },
    ...(service.mobileNumber ? [{ title: t(language, 'support.fact.number'), value: formatBelgianNational(service.mobileNumber) }] : []),
    ...(service.bundle ? [{ title: t(language, 'support.fact.bundle'), value: service.bundle[language] }] : []),
    ...(porting ? [{ title: t(language, 'support.fact.porting'), value: t(language, portingLabel[porting.state]) }] : []),
    ...(refused && (refused.refusalCode || refused.refusalReason)
      ? [{ title: t(language, 'support.fact.refusal'), value: refusalText(language, { code: refused.refusalCode, reason: refused.refusalReason }, refused.operator) }]
      : []),
    // The operator's own words beside the worded code: what support quotes back to the operator.
    ...(refused?.refusalCode && refused.refusalReason
      ? [{ title: t(language, 'support.fact.operatorWords'), value: t(language, 'support.fact.operatorWords.value', { words: refused.refusalReason }) }]
      : []),
  ];
  const data = { serviceId: service.id, requestKey };
  const buttons: DataButton[] = [];
  if (actor.role !== Role.USER) {
    // Starting is the administrators' (services/lifecycle/activation.ts); the waiting list's own button does it.
    if (actor.role === Role.ADMINISTRATOR && service.status === 'WAITING_FOR_ACTIVATION') {
      buttons.push({ title: t(language, 'waiting.start'), verb: Verbs.waitingServices.start, data: { ...data, page: 0 } });
    }
    if ((service.status === 'WAITING_FOR_SIM' && service.activationMethod === 'EMAIL') || service.status === 'WAITING_FOR_ESIM_INSTALL') {
      buttons.push({ title: t(language, 'support.action.resend'), verb: Verbs.lookUp.resendEmail, data });
    }
    // A lost or new phone: the administrators' (services/simCards/esimProfiles.ts), after a confirmation.
    if (actor.role === Role.ADMINISTRATOR && esim && mayReplaceEsim(service.status)) {
      buttons.push({ title: t(language, 'esimReplacement.admin.button'), verb: Verbs.esimReplacement.ask, data });
    }
    // Correcting a refused porting is the administrators' (services/numbers/portingRequests.ts): support escalates to them instead.
    if (actor.role === Role.ADMINISTRATOR && service.porting?.state === 'REFUSED') {
      buttons.push({ title: t(language, 'support.action.fixPorting'), verb: Verbs.portingIssues.fix, data: { requestId: service.porting.id } });
    }
    // Escalating tells the organisation's administrators: it helps support, not an administrator reading their own service.
    if (actor.role === Role.SUPPORT) buttons.push({ title: t(language, 'support.action.escalate'), verb: Verbs.lookUp.escalate, data });
  }
  const card = renderServiceTimelineCard({
    title: t(language, 'support.timeline.title', {
      name: service.user.displayName,
      service: serviceLabel(language, { product: service.productType, serviceType: service.product, number: service.mobileNumber }),
    }),
    subtitle: service.organisationName,
    facts,
    timelineTitle: events.length > TIMELINE_ENTRIES
      ? t(language, 'support.timelineTitle.latest', { shown: TIMELINE_ENTRIES, total: events.length })
      : t(language, 'support.timelineTitle'),
    events: events.slice(-TIMELINE_ENTRIES).map((event) => ({
      at: formatTime(language, event.at),
      what: eventLine(language, event.kind),
    })),
    changesTitle: changes.length > TIMELINE_ENTRIES
      ? t(language, 'support.changesTitle.latest', { shown: TIMELINE_ENTRIES, total: changes.length })
      : t(language, 'support.changesTitle'),
    changes: changes.slice(-TIMELINE_ENTRIES).map((change) => changeLine(language, change)),
    buttons,
  });
  return { kind: 'card', card };
}

/** "Look up a user" asked whom: the next typed text is the query. */
const lookUpStateSchema = z.object({ awaiting: z.literal(true) });
type LookUpState = z.infer<typeof lookUpStateSchema>;

/** Whom the message names. A user's words never widen the look-up: only an address is passed, and checked. */
function queryOf(entities: IntentMatch['entities'], role: Role): LookupQuery {
  if (entities.email) return { email: entities.email };
  if (role === Role.USER) return {};
  if (entities.phoneNumber) return { phoneNumber: entities.phoneNumber };
  if (entities.iccid) return { iccid: entities.iccid };
  return entities.personName ? { name: entities.personName } : {};
}

function askingWhom(turn: FeatureTurn<LookUpState>): Reply[] {
  turn.keep({ awaiting: true });
  return [askWhom(turn.language)];
}

/** A service action from the timeline card, checked again in services/, keyed on the card's request key. */
const serviceAction = (run: (turn: FeatureTurn<LookUpState>, serviceId: string, requestKey: string) => Promise<Reply>) =>
  action(serviceActionSchema, async (turn: FeatureTurn<LookUpState>, data) => [await run(turn, data.serviceId, data.requestKey)]);

/** "Status of my service", "status of jan.peeters@demo.example", "services of Jan", a bare address or number. */
const lookUpAnswer = async (turn: FeatureTurn<LookUpState>, match: IntentMatch): Promise<Reply[]> => {
  const query = queryOf(match.entities, turn.actor.role);
  if (Object.keys(query).length === 0 && match.intent === 'lookUpUser' && turn.actor.role !== Role.USER) return askingWhom(turn);
  return lookUp(turn.db, turn.actor, turn.language, query, randomUUID);
};

/** Support's look-up of a person's services and their timelines, and a user's own status. */
export const lookUpFeature = defineFeature<LookUpState>({
  name: 'lookUp',
  state: { key: 'lookUp', schema: lookUpStateSchema },
  refusal: (language, recognition) => welcomeFor(recognition, language),
  denied: (language) => deniedReply(language),
  intents: { lookUpUser: lookUpAnswer, serviceStatus: lookUpAnswer },
  // The text after "Look up a user": whatever was typed is whom to look up.
  typedInput: async (turn, typed) => {
    const text = typed.trim();
    if (!turn.state?.awaiting || !text) return undefined;
    turn.keep(undefined);
    const { entities } = await (await intentModel()).understand(text, turn.language);
    const query = queryOf(entities, turn.actor.role);
    return lookUp(turn.db, turn.actor, turn.language, Object.keys(query).length > 0 ? query : { name: text }, randomUUID);
  },
  actions: {
    [Verbs.welcome.lookUpUser]: plainAction(async (turn) =>
      turn.actor.role === Role.USER ? lookUp(turn.db, turn.actor, turn.language, {}, randomUUID) : askingWhom(turn)),
    [Verbs.lookUp.showPerson]: action(showPersonSchema, (turn, data) => showPerson(turn.db, turn.actor, turn.language, data.personId, randomUUID)),
    // A double click, a Teams retry or a replayed card does it once, whichever process answers.
    [Verbs.lookUp.resendEmail]: serviceAction((turn, serviceId, requestKey) =>
      resendEmail(turn.db, turn.actor, turn.language, serviceId, { requestKey, linkDays: turn.settings.linkDays })),
    // Escalation keys its notifications itself, so a repeat is answered by the outbox.
    [Verbs.lookUp.escalate]: serviceAction((turn, serviceId, requestKey) => escalate(turn.db, turn.actor, turn.language, serviceId, requestKey)),
  },
});
