import { languages, t } from '../../cards/strings';
import { PortingState, ServiceStatus } from '../../prisma/generated/enums';
import {
  notificationEmail,
  notificationMessage,
  type EscalationFacts,
  type NotificationFacts,
  type PortingFacts,
  type ServiceFacts,
  type TakeoverFacts,
} from '../../dialogs/notifications';
import { escalationTopics } from '../../services/lifecycle/escalation';
import { notificationAudiences, notificationKinds, type Audience } from '../../services/notifications/notificationOutbox';
import { formatBelgianNational } from '../../services/numbers/phoneNumbers';

/**
 * Every kind the domain writes, to each of its audiences, in every language, has words: the cases come from
 * services/notifications/notificationOutbox.ts, so a kind added there without words fails here (and in the compiler).
 */

const service: ServiceFacts = {
  user: 'Jan Peeters',
  service: 'Mobile',
  organisation: 'Demo Company NV',
  fixedNumber: formatBelgianNational('+3225883000'),
  simEnding: '1234',
  failureReason: 'The network did not accept the SIM card.',
};
const porting: PortingFacts = {
  number: formatBelgianNational('+32470123456'),
  operator: 'Proximus',
  scheduledAt: new Date('2026-03-10T05:00:00.000Z'),
  windowEndsAt: new Date('2026-03-10T07:00:00.000Z'),
  refusalCode: 'WRONG_CUSTOMER_NUMBER',
};
const takeover: TakeoverFacts = { number: formatBelgianNational('+32470998877'), newUser: 'Els Maes' };
const escalation: EscalationFacts = {
  requester: 'Sam Support',
  user: 'Jan Peeters',
  forThemselves: false,
  topic: 'calls',
  tried: ['Restart your phone.', 'Switch flight mode on and off.'],
  state: { status: 'READY', porting: 'REFUSED' },
};
const known = { service, porting, takeover, escalation, unreachable: 'Marie Dubois' };

/** What the notifier gives each kind besides the service: its porting request, the number taken over, and so on. */
function factsOf(kind: string): Omit<NotificationFacts, 'kind' | 'audience' | 'language'> {
  if (kind.startsWith('porting.')) return { service, porting };
  if (kind.startsWith('number.') || kind.startsWith('fixedNumber.')) return { service, takeover };
  if (kind.startsWith('help.')) return { service, escalation };
  if (kind === 'notification.undeliverable') return { service, unreachable: known.unreachable };
  return { service };
}

const allAudiences: Audience[] = [...new Set(notificationKinds.flatMap((kind) => notificationAudiences[kind]))];

const cases = notificationKinds.flatMap((kind) =>
  notificationAudiences[kind].flatMap((audience: Audience) => languages.map((language) => [kind, audience, language] as const)),
);

/** What a person would not want to read: a placeholder left, an empty line, a number as stored (E.164). */
function expectReadable(lines: string[]) {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line.trim()).not.toBe('');
    expect(line).not.toMatch(/\{\w+\}/);
    expect(line).not.toMatch(/\+\d{8,}/);
  }
}

describe('every notification kind, to each of its audiences, in every language', () => {
  it.each(cases)('%s to the %s in %s', (kind, audience, language) => {
    const facts: NotificationFacts = { kind, audience, language, ...factsOf(kind) };
    const message = notificationMessage(facts);
    expect(message).toBeDefined();
    expectReadable(message!.lines);
    const number = facts.porting?.number ?? facts.takeover?.number;
    if (number) expect(message!.lines.join(' ')).toContain(number);
    const email = notificationEmail(facts, message!);
    expectReadable([email.subject, ...email.paragraphs]);
    // The chat says "je" in Dutch and "vous" in French; so do the updates.
    if (language === 'nl') expect(message!.lines.join(' ')).not.toMatch(/\b(u|uw)\b/i);
    if (language === 'fr') expect(message!.lines.join(' ')).not.toMatch(/\b(tu|ton|ta|tes)\b/i);
  });

  it.each(notificationKinds)('%s has no words for an audience it does not go to', (kind) => {
    const own: readonly Audience[] = notificationAudiences[kind];
    const others = allAudiences.filter((audience) => !own.includes(audience));
    for (const audience of others) expect(notificationMessage({ kind, audience, language: 'en', ...known })).toBeUndefined();
  });
});

describe('what the words show', () => {
  it('numbers taken over come from the notification, in Belgian national format', () => {
    const message = notificationMessage({ kind: 'number.movePlanned', audience: 'previousUser', language: 'en', service, takeover });
    expect(message!.lines).toEqual(["Your number 0470 99 88 77 will move to Els Maes's new service as soon as that service is activated. Your own service then ends."]);
    const fixed = notificationMessage({ kind: 'fixedNumber.taken', audience: 'previousUser', language: 'fr', service, takeover });
    expect(fixed!.lines[0]).toMatch(/^Votre numéro fixe 0470 99 88 77 a été attribué à Els Maes/);
  });

  it('an escalation says who asked, for whom, about what, what they tried and where the service stands', () => {
    const message = notificationMessage({ kind: 'help.escalated', audience: 'administrator', language: 'en', service, escalation });
    expect(message!.lines).toEqual([
      "Sam Support asks for your help with Jan Peeters's Mobile service: calls don't work.",
      'Already tried:',
      '- Restart your phone.',
      '- Switch flight mode on and off.',
      `Where the service stands: ${t('en', 'support.status.READY')}; number transfer: ${t('en', 'support.porting.REFUSED')}.`,
    ]);
    const email = notificationEmail({ kind: 'help.escalated', audience: 'administrator', language: 'en', service, escalation }, message!);
    expect(email.subject).toBe('Dstny SIM activation: Jan Peeters needs help');
  });

  it.each(languages)('each escalation topic has words of its own in %s', (language) => {
    const titles = escalationTopics.map(
      (topic) => notificationMessage({ kind: 'help.escalated', audience: 'administrator', language, service, escalation: { ...escalation, topic } })!.lines[0],
    );
    expect(new Set(titles).size).toBe(escalationTopics.length);
  });

  it.each(languages)('an escalation names every state a service and its porting can be in, in %s', (language) => {
    const states = [
      ...Object.values(ServiceStatus).map((status) => ({ status, porting: null })),
      ...Object.values(PortingState).map((porting) => ({ status: ServiceStatus.WAITING_FOR_PORTING, porting })),
    ];
    for (const state of states) {
      expectReadable(notificationMessage({ kind: 'help.escalated', audience: 'administrator', language, service, escalation: { ...escalation, state } })!.lines);
    }
  });

  it('an escalation from someone without a service is worded without one, and its reminder says it is still open', () => {
    const alone: EscalationFacts = { requester: 'Nina Nieuw', user: 'Nina Nieuw', forThemselves: true, topic: 'general', tried: [] };
    const message = notificationMessage({ kind: 'help.escalated', audience: 'administrator', language: 'nl', escalation: alone });
    expect(message!.lines).toEqual(['Nina Nieuw vraagt je hulp: er werkt iets niet. Er staat nog geen dienst op zijn of haar naam in de assistent.']);
    const reminder = notificationMessage({ kind: 'help.escalationOpen', audience: 'administrator', language: 'en', escalation: alone });
    expect(reminder!.lines).toEqual([
      'Reminder: this request for help is still open.',
      "Nina Nieuw asks for your help: something doesn't work. They have no service in the assistant yet.",
    ]);
    const email = notificationEmail({ kind: 'help.escalated', audience: 'administrator', language: 'fr', escalation: alone }, message!);
    expect(email.subject).toBe("Activation SIM Dstny : Nina Nieuw a besoin d'aide");
  });

  it('the one who asked about their own service is named once', () => {
    const own: EscalationFacts = { ...escalation, requester: 'Jan Peeters', forThemselves: true, tried: [], state: { status: 'ACTIVE', porting: null } };
    expect(notificationMessage({ kind: 'help.escalated', audience: 'administrator', language: 'fr', service, escalation: own })!.lines).toEqual([
      'Jan Peeters vous demande de l\'aide pour son service Mobile : les appels ne fonctionnent pas.',
      `Où en est le service : ${t('fr', 'support.status.ACTIVE')}.`,
    ]);
  });

  it('without the facts its words need, or of a kind no one wrote, there is no message: the notifier makes it dead', () => {
    expect(notificationMessage({ kind: 'porting.scheduled', audience: 'user', language: 'en', service })).toBeUndefined();
    expect(notificationMessage({ kind: 'number.moved', audience: 'previousUser', language: 'en', service })).toBeUndefined();
    expect(notificationMessage({ kind: 'help.escalated', audience: 'administrator', language: 'en', service })).toBeUndefined();
    expect(notificationMessage({ kind: 'activation.completed', audience: 'administrator', language: 'en' })).toBeUndefined();
    expect(notificationMessage({ kind: 'notification.undeliverable', audience: 'administrator', language: 'en', service })).toBeUndefined();
    expect(notificationMessage({ kind: 'no.such.kind', audience: 'administrator', language: 'en', ...known })).toBeUndefined();
  });
});
