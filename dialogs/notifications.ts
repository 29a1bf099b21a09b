import { z } from 'zod';
import { catalogueOf, isLanguage, listOf, t, type Language, type StringKey } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import type { AdaptiveCard, CardButton } from '../cards/render';
import { renderNotificationCard } from '../cards/notificationCard';
import { renderEsimCard } from '../cards/esimCard';
import type { PortingState, ServiceStatus } from '../prisma/generated/enums';
import { nameOf } from '../services/catalog/catalog';
import type { Db } from '../services/platform/db/database';
import { escalationPayloadSchema, type EscalationTopic } from '../services/lifecycle/escalation';
import { serviceSummary } from '../services/addService/summaryCard';
import type { DigestTally } from '../services/notifications/digests';
import { undeliveredUpdatesOf } from '../services/notifications/deadLetters';
import type { NotificationSubject } from '../services/notifications/notificationSubjects';
import { isNotificationKind, type Audience, type NotificationKind, type notificationAudiences } from '../services/notifications/notificationOutbox';
import { donorOperatorName } from '../services/numbers/donorOperators';
import { formatBelgianNational } from '../services/numbers/phoneNumbers';
import type { RefusalCode } from '../services/numbers/portingEvents';
import type { Actor } from '../services/people/people';
import { renderServiceSummary } from './addService/views';
import { refusalSentence } from './portingIssues';
import { portingLabel, statusLabel } from './lookUp';
import type { Reply } from './reply';
import { serviceLabel } from './serviceLabel';

/**
 * What each status update says, to whom, in the recipient's language. Channel-free: bot/ turns a message into a
 * Teams or web chat activity, or an email.
 */

/** The service as the messages name it. */
export interface ServiceFacts {
  user: string;
  service: string;
  organisation: string;
  fixedNumber?: string;
  simEnding?: string;
  failureReason?: string;
}

export interface PortingFacts {
  number: string;
  operator: string;
  scheduledAt?: Date;
  windowEndsAt?: Date;
  refusalCode?: RefusalCode;
}

/** A colleague's number that a new service takes over, as the previous user reads it, and whose service takes it. */
export interface TakeoverFacts {
  number: string;
  newUser: string;
}

/** A request for help, as services/escalation.ts wrote it. */
export interface EscalationFacts {
  requester: string;
  /** Whom it is about: the service's user, or the requester. */
  user: string;
  forThemselves: boolean;
  topic: EscalationTopic;
  /** The steps already tried, in the words the requester was shown. */
  tried: string[];
  /** Where the service stood when they asked; absent when there is no service. */
  state?: { status: ServiceStatus; porting: PortingState | null };
}

/** The eSIM its user is sent: the code is secret, shown to them only. */
export interface EsimFacts {
  /** The service as card titles name it (dialogs/serviceLabel.ts). */
  serviceLabel: string;
  activationCode: string;
  confirmationCode?: string;
}

export interface NotificationFacts {
  kind: string;
  audience: Audience;
  language: Language;
  /** Absent for an escalation from someone who has no service. */
  service?: ServiceFacts;
  porting?: PortingFacts;
  takeover?: TakeoverFacts;
  escalation?: EscalationFacts;
  /** For an update that could not be delivered: to whom. */
  unreachable?: string;
  /** For the eSIM sent to its user, while it is still theirs to install. */
  esim?: EsimFacts;
}

/** A message: its first line doubles as the email subject's context and a card's title when there is a button. */
export interface NotificationMessage {
  lines: string[];
  action?: CardButton;
  /** A card that is the message itself in the chat (the eSIM); `lines` then say it where no card can be shown. */
  card?: AdaptiveCard;
}

/** One sentence filled from the facts, or the message built by a function for the richer ones. */
type Words = StringKey | ((facts: NotificationFacts) => NotificationMessage | undefined);

/**
 * Who hears about what: every kind the domain writes, for each of its audiences (services/notificationOutbox.ts), so
 * that a kind or audience added there without words here does not compile.
 */
const messages: { [K in NotificationKind]: Record<(typeof notificationAudiences)[K][number], Words> } = {
  'activation.emailSent': { administrator: 'notifications.activation.emailSent.administrator' },
  'activation.simEntered': { administrator: 'notifications.activation.simEntered.administrator' },
  'activation.started': {
    administrator: 'notifications.activation.started.administrator',
    user: 'notifications.activation.started.user',
  },
  'activation.provisioned': {
    administrator: 'notifications.activation.provisioned.administrator',
    user: 'notifications.activation.provisioned.user',
  },
  'activation.completed': {
    administrator: 'notifications.activation.completed.administrator',
    user: 'notifications.activation.completed.user',
  },
  'activation.failed': {
    administrator: (facts) => {
      const message = sentence(facts, 'notifications.activation.failed.administrator');
      const reason = facts.service?.failureReason;
      return message && reason ? { lines: [...message.lines, t(facts.language, 'notifications.failureReason', { reason })] } : message;
    },
    user: 'notifications.activation.failed.user',
  },
  'activation.overdue': {
    administrator: 'notifications.activation.overdue.administrator',
    support: 'notifications.activation.overdue.support',
    user: 'notifications.activation.overdue.user',
  },
  'activation.linkLocked': { administrator: 'notifications.activation.linkLocked.administrator' },
  'esim.sent': {
    administrator: 'notifications.esim.sent.administrator',
    user: (facts) => {
      const message = sentence(facts, 'notifications.esim.sent.user');
      return message && facts.esim ? { ...message, card: esimCard(facts.language, facts.esim) } : message;
    },
  },
  'esim.outOfStock': { administrator: 'notifications.esim.outOfStock.administrator' },
  'porting.submitted': { administrator: 'notifications.porting.submitted.administrator' },
  'porting.accepted': { administrator: 'notifications.porting.accepted.administrator' },
  'porting.scheduled': {
    administrator: 'notifications.porting.scheduled.administrator',
    user: 'notifications.porting.scheduled.user',
  },
  'porting.completed': {
    administrator: 'notifications.porting.completed.administrator',
    user: 'notifications.porting.completed.user',
  },
  'porting.refused': {
    administrator: (facts) => {
      const message = sentence(facts, 'notifications.porting.refused.administrator');
      const { language } = facts;
      return message && {
        lines: [...message.lines, t(language, 'notifications.porting.refused.fix')],
        action: { title: t(language, 'welcome.action.portingIssues'), verb: Verbs.welcome.portingIssues },
      };
    },
  },
  'porting.cancelled': { administrator: 'notifications.porting.cancelled.administrator' },
  'porting.held': {
    administrator: 'notifications.porting.held.administrator',
    user: 'notifications.porting.held.user',
  },
  'porting.overdue': { administrator: 'notifications.porting.overdue.administrator' },
  'number.movePlanned': { previousUser: 'notifications.number.movePlanned.previousUser' },
  'number.moved': {
    administrator: 'notifications.number.moved.administrator',
    previousUser: 'notifications.number.moved.previousUser',
  },
  'fixedNumber.takePlanned': { previousUser: 'notifications.fixedNumber.takePlanned.previousUser' },
  'fixedNumber.taken': {
    administrator: 'notifications.fixedNumber.taken.administrator',
    previousUser: 'notifications.fixedNumber.taken.previousUser',
  },
  'help.escalated': { administrator: (facts) => escalationMessage(facts) },
  'help.escalationOpen': {
    administrator: (facts) => {
      const message = escalationMessage(facts);
      return message && { lines: [t(facts.language, 'notifications.help.escalationOpen.administrator'), ...message.lines] };
    },
  },
  'notification.undeliverable': { administrator: 'notifications.undeliverable' },
};

/** The message for one recipient, or undefined when this kind of update is not for them or its facts are missing. */
export function notificationMessage(facts: NotificationFacts): NotificationMessage | undefined {
  if (!isNotificationKind(facts.kind)) return undefined;
  const words: Partial<Record<Audience, Words>> = messages[facts.kind];
  const chosen = words[facts.audience];
  if (chosen === undefined) return undefined;
  return typeof chosen === 'function' ? chosen(facts) : sentence(facts, chosen);
}

/** The kind's sentence from whatever facts it names, and why a porting was refused or cancelled when it was. */
function sentence(facts: NotificationFacts, key: StringKey): NotificationMessage | undefined {
  const { language, porting } = facts;
  const line = filled(language, key, {
    ...facts.service,
    ...(porting ? portingVars(language, porting) : {}),
    ...(facts.takeover ? { number: facts.takeover.number, newUser: facts.takeover.newUser } : {}),
    ...(facts.unreachable ? { names: listOf(language, [facts.unreachable]) } : {}),
  });
  if (line === undefined) return undefined;
  return { lines: porting?.refusalCode ? [line, refusalSentence(language, { code: porting.refusalCode }, porting.operator)] : [line] };
}

/** The text with its placeholders filled; undefined when it names a fact not given, so nothing half-worded goes out. */
function filled(language: Language, key: StringKey, vars: Record<string, string | undefined>): string | undefined {
  const given: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) if (value !== undefined) given[name] = value;
  const named = [...(catalogueOf(language).get(key) ?? '').matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  return named.every((name) => name in given) ? t(language, key, given) : undefined;
}

/** The eSIM card: its QR code, the details to type by hand and the steps, in the user's language. */
function esimCard(language: Language, esim: EsimFacts): AdaptiveCard {
  const { serviceLabel: label, activationCode, confirmationCode } = esim;
  return renderEsimCard({ language, serviceLabel: label, activationCode, ...(confirmationCode ? { confirmationCode } : {}) });
}

const topicWords: Record<EscalationTopic, StringKey> = {
  calls: 'notifications.help.topic.calls',
  data: 'notifications.help.topic.data',
  sms: 'notifications.help.topic.sms',
  pin: 'notifications.help.topic.pin',
  general: 'notifications.help.topic.general',
  support: 'notifications.help.topic.support',
};

/** Who asked, for whom and about what; what they already tried; where the service stood. */
function escalationMessage(facts: NotificationFacts): NotificationMessage | undefined {
  const { language, escalation, service } = facts;
  if (!escalation) return undefined;
  const vars = { requester: escalation.requester, user: escalation.user, topic: t(language, topicWords[escalation.topic]) };
  const title = !service
    ? t(language, 'notifications.help.escalated.noService', vars)
    : t(language, escalation.forThemselves ? 'notifications.help.escalated.self' : 'notifications.help.escalated.other', { ...vars, service: service.service });
  const lines = [title];
  if (escalation.tried.length > 0) lines.push(t(language, 'notifications.help.tried'), ...escalation.tried.map((step) => `- ${step}`));
  const state = escalation.state;
  if (state) {
    const status = t(language, statusLabel[state.status]);
    lines.push(
      state.porting
        ? t(language, 'notifications.help.statePorting', { status, porting: t(language, portingLabel[state.porting]) })
        : t(language, 'notifications.help.state', { status }),
    );
  }
  return { lines };
}

function portingVars(language: Language, porting: PortingFacts): Record<string, string> {
  const locale = `${language}-BE`;
  const zone = { timeZone: 'Europe/Brussels' } as const;
  const time = (at: Date) => new Intl.DateTimeFormat(locale, { ...zone, hour: '2-digit', minute: '2-digit' }).format(at);
  return {
    number: porting.number,
    operator: porting.operator,
    ...(porting.scheduledAt && porting.windowEndsAt
      ? {
          date: new Intl.DateTimeFormat(locale, { ...zone, weekday: 'long', day: 'numeric', month: 'long' }).format(porting.scheduledAt),
          from: time(porting.scheduledAt),
          until: time(porting.windowEndsAt),
        }
      : {}),
  };
}

/**
 * The email for a message: the subject names who needs help or the service, the body is the message and why it came
 * by email.
 */
export function notificationEmail(facts: NotificationFacts, message: NotificationMessage) {
  const { language, service, escalation } = facts;
  let subject = message.lines[0]!;
  if (escalation) subject = t(language, 'notifications.email.subject.help', { user: escalation.user });
  else if (service) subject = t(language, 'notifications.email.subject', { service: service.service });
  return { subject, paragraphs: [...message.lines, t(language, 'notifications.email.footer')] };
}

/** One bulk operation's updates to an administrator, counted by what happened. */
export interface DigestFacts {
  language: Language;
  total: number;
  started: number;
  /** Activation emails sent to the users, who enter their SIM card number themselves. */
  emailed: number;
  completed: number;
  /** The users whose activation did not succeed. */
  failed: string[];
  other: number;
}

export function digestMessage(facts: DigestFacts): NotificationMessage {
  const { language } = facts;
  const lines = [t(language, 'notifications.digest.title', { total: facts.total })];
  if (facts.started > 0) lines.push(t(language, 'notifications.digest.started', { count: facts.started }));
  if (facts.emailed > 0) lines.push(t(language, 'notifications.digest.emailed', { count: facts.emailed }));
  if (facts.completed > 0) lines.push(t(language, 'notifications.digest.completed', { count: facts.completed }));
  if (facts.failed.length > 0) {
    lines.push(t(language, 'notifications.digest.failed', { count: facts.failed.length, names: listOf(language, facts.failed) }));
  }
  if (facts.other > 0) lines.push(t(language, 'notifications.digest.other', { count: facts.other }));
  return { lines };
}

/** The line a service's card or timeline shows for updates that could not be delivered. */
export function undeliverableLine(language: Language, recipients: string[]): string {
  return t(language, 'notifications.undeliverable', { names: listOf(language, recipients) });
}

// ---------------------------------------------------------------------------------------------------------------
// What the notifier sends (bot/notifier.ts): the facts of a notification's subject worded, as a reply and an email

/** The recipient's language: the one they chose, else the one they last wrote in. */
export function languageOf(person: { preferredLanguage: string | null; lastLanguage: string | null }): Language {
  const language = person.preferredLanguage ?? person.lastLanguage;
  return isLanguage(language) ? language : 'en';
}

/** The SIM card's last digits, which the user entered. */
const simEnteredPayloadSchema = z.looseObject({ lastDigits: z.string().max(4) });
/** A colleague's number a new service takes over (E.164), and whose service that is. */
const takeoverPayloadSchema = z.looseObject({ number: z.string().min(1).max(20), newUser: z.string().min(1) });

/** What the words of a notification name, from what the domain read of its subject (services/notifications/). */
export function notificationFactsOf(subject: NotificationSubject, language: Language): NotificationFacts {
  const { notification: { kind, payload }, audience, service, serviceType, porting, esim } = subject;
  const simEntered = simEnteredPayloadSchema.safeParse(payload);
  return {
    kind,
    audience,
    language,
    ...(service && serviceType
      ? {
          service: {
            user: service.user.displayName,
            service: nameOf(serviceType)[language],
            organisation: service.organisation.name,
            ...(service.fixedNumber ? { fixedNumber: formatBelgianNational(service.fixedNumber.e164) } : {}),
            ...(service.simCard ? { simEnding: service.simCard.iccid.slice(-4) } : {}),
            ...(service.failureReason ? { failureReason: service.failureReason } : {}),
            ...(simEntered.success ? { simEnding: simEntered.data.lastDigits } : {}),
          },
        }
      : {}),
    porting: porting ? portingFactsOf(porting) : undefined,
    // Only the payloads of the kinds that need them parse; the words take what they name.
    takeover: takeoverFacts(payload),
    escalation: escalationFacts(payload),
    unreachable: subject.unreachableName,
    ...(esim && serviceType
      ? {
          esim: {
            serviceLabel: serviceLabel(language, { product: esim.product, serviceType: nameOf(serviceType), number: esim.number }),
            activationCode: esim.activationCode,
            ...(esim.confirmationCode ? { confirmationCode: esim.confirmationCode } : {}),
          },
        }
      : {}),
  };
}

function portingFactsOf({ request, refusalCode }: NonNullable<NotificationSubject['porting']>): PortingFacts {
  return {
    number: formatBelgianNational(request.e164),
    operator: donorOperatorName(request.donorOperator),
    ...(request.scheduledAt && request.windowEndsAt ? { scheduledAt: request.scheduledAt, windowEndsAt: request.windowEndsAt } : {}),
    ...(refusalCode ? { refusalCode } : {}),
  };
}

function takeoverFacts(payload: unknown): TakeoverFacts | undefined {
  const parsed = takeoverPayloadSchema.safeParse(payload);
  return parsed.success ? { number: formatBelgianNational(parsed.data.number), newUser: parsed.data.newUser } : undefined;
}

function escalationFacts(payload: unknown): EscalationFacts | undefined {
  const parsed = escalationPayloadSchema.safeParse(payload);
  if (!parsed.success) return undefined;
  const { requestedBy, user, topic, tried, service } = parsed.data;
  return {
    requester: requestedBy.name,
    user: user.name,
    forThemselves: requestedBy.id === user.id,
    topic,
    tried,
    ...(service ? { state: { status: service.status, porting: service.porting } } : {}),
  };
}

/** A message as the chat shows it: its own card, a sentence, or a card when it has a button (or `asCard`: a digest). */
export function notificationReply(message: NotificationMessage, asCard = false): Reply {
  if (message.card) return { kind: 'card', card: message.card };
  if (!message.action && !asCard) return { kind: 'text', text: message.lines.join('\n\n') };
  const [title = '', ...lines] = message.lines;
  return { kind: 'card', card: renderNotificationCard({ title, lines, actions: message.action ? [message.action] : [] }) };
}

/** A bulk operation's one message to its administrator, as the card it updates and as an email. */
export function digestNotification(language: Language, tally: DigestTally, total: number | undefined) {
  const message = digestMessage({
    language,
    total: total ?? tally.services,
    started: tally.started,
    emailed: tally.emailed,
    completed: tally.completed,
    failed: tally.failed,
    other: tally.other,
  });
  return { reply: notificationReply(message, true), email: { subject: message.lines[0]!, paragraphs: message.lines } };
}

/** The service's summary card as it stands now, with whom an update could not reach. */
export async function currentSummaryCard(db: Db, administrator: Actor, language: Language, serviceId: string): Promise<AdaptiveCard> {
  const card = renderServiceSummary(language, await serviceSummary(db, administrator, serviceId), { offerAnother: true });
  const unreached = await undeliveredUpdatesOf(db, administrator, serviceId);
  if (unreached.length > 0) {
    const names = [...new Set(unreached.map((update) => update.recipientName))];
    card.body.push({ type: 'TextBlock', text: undeliverableLine(language, names), color: 'Attention', wrap: true });
  }
  return card;
}
