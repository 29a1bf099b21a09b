import { z } from 'zod';
import { listOf, t, type Language, type StringKey } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import type { CardButton } from '../cards/render';
import { UNDELIVERABLE_KIND } from '../services/deadLetters';
import { refusalCodeSchema, type RefusalCode } from '../services/porting';
import { refusalSentence } from './portingIssues';

/**
 * What each status update says, to whom, in the recipient's language. Channel-free: bot/ turns a message into a
 * Teams or web chat activity, or an email.
 */

/** How the recipient relates to the service the update is about. */
export type Audience = 'administrator' | 'user' | 'previousUser' | 'support';

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

export interface NotificationFacts {
  kind: string;
  audience: Audience;
  language: Language;
  service: ServiceFacts;
  porting?: PortingFacts;
  /** For an update that could not be delivered: to whom. */
  unreachable?: string;
}

/** A message: its first line doubles as the email subject's context and a card's title when there is a button. */
export interface NotificationMessage {
  lines: string[];
  action?: CardButton;
}

/** Who hears about what (the issue's table); a kind or audience missing here is not told. */
const messages: Record<string, Partial<Record<Audience, StringKey>>> = {
  'activation.emailSent': { administrator: 'notifications.activation.emailSent.administrator' },
  'activation.simEntered': {
    administrator: 'notifications.activation.simEntered.administrator',
    user: 'notifications.activation.simEntered.user',
  },
  'activation.started': {
    administrator: 'notifications.activation.started.administrator',
    user: 'notifications.activation.started.user',
  },
  'activation.completed': {
    administrator: 'notifications.activation.completed.administrator',
    user: 'notifications.activation.completed.user',
  },
  'activation.failed': {
    administrator: 'notifications.activation.failed.administrator',
    user: 'notifications.activation.failed.user',
  },
  'activation.overdue': {
    administrator: 'notifications.activation.overdue.administrator',
    support: 'notifications.activation.overdue.support',
    user: 'notifications.activation.overdue.user',
  },
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
  'porting.refused': { administrator: 'notifications.porting.refused.administrator' },
  'porting.cancelled': { administrator: 'notifications.porting.cancelled.administrator' },
  'fixedNumber.taken': {
    administrator: 'notifications.fixedNumber.taken.administrator',
    previousUser: 'notifications.fixedNumber.taken.previousUser',
  },
};

/** The message for one recipient, or undefined when this kind of update is not for them. */
export function notificationMessage(facts: NotificationFacts): NotificationMessage | undefined {
  if (facts.kind === UNDELIVERABLE_KIND) {
    return facts.audience === 'administrator' && facts.unreachable ? { lines: [undeliverableLine(facts.language, [facts.unreachable])] } : undefined;
  }
  const key = messages[facts.kind]?.[facts.audience];
  if (!key) return undefined;
  const { language, service, porting } = facts;
  const vars = { ...service, ...(porting ? portingVars(language, porting) : {}) };
  const lines = [t(language, key, vars)];
  if (porting?.refusalCode) lines.push(refusalSentence(language, porting.refusalCode, porting.operator));
  if (facts.kind === 'porting.refused') {
    lines.push(t(language, 'notifications.porting.refused.fix'));
    return { lines, action: { title: t(language, 'welcome.action.portingIssues'), verb: Verbs.welcome.portingIssues } };
  }
  if (facts.kind === 'activation.failed' && service.failureReason && facts.audience === 'administrator') {
    lines.push(t(language, 'notifications.failureReason', { reason: service.failureReason }));
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

/** The porting details a porting notification's payload carries (services/porting.ts writes them). */
export const portingPayloadSchema = z.looseObject({
  requestId: z.uuid(),
  refusalCode: refusalCodeSchema.optional(),
});

/** The email for a message: the subject names the service, the body is the message and why it came by email. */
export function notificationEmail(facts: Pick<NotificationFacts, 'language' | 'service'>, message: NotificationMessage) {
  const { language, service } = facts;
  return {
    subject: t(language, 'notifications.email.subject', { ...service }),
    paragraphs: [...message.lines, t(language, 'notifications.email.footer')],
  };
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
