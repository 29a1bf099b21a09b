import { esimInstallSteps } from '../../cards/esimCard';
import type { AdaptiveCard } from '../../cards/render';
import { demo } from '../../prisma/demoData';
import {
  currentSummaryCard,
  digestMessage,
  languageOf,
  notificationEmail,
  notificationFactsOf,
  notificationMessage,
  notificationReply,
  undeliverableLine,
  type NotificationFacts,
} from '../../dialogs/notifications';
import type { Reply } from '../../dialogs/reply';
import type { OutboxNotification } from '../../services/notifications/notificationOutbox';
import { notificationReads } from '../../services/notifications/notificationSubjects';
import type { Database } from '../../services/platform/db/database';
import { recordEsimInstalled, replaceEsim } from '../../services/simCards/esimProfiles';
import { openTestDatabase } from '../support/database';
import { matchingIdOf, startedEsimService } from '../support/esimService';
import { qrCodeInDataUri } from '../support/qrCode';
import { actorOf, cardOf, textOf, textsOf } from './see';

/**
 * The words of status updates as each recipient reads them, in their language: what the notifier sends in Teams, in
 * the web chat or by email. (test/unit/notificationWords.test.ts proves every kind has words for each audience; here
 * a few read as a person reads them.)
 */

const service = { user: 'Pieter Janssens', service: 'Mobile', organisation: 'Demo Company NV' };
const porting = { number: '0475 38 19 46', operator: 'Proximus' };

const facts = (fields: Partial<NotificationFacts> & Pick<NotificationFacts, 'kind' | 'audience' | 'language'>): NotificationFacts => ({ service, ...fields });

describe('a refused transfer, to the administrator', () => {
  test.each([
    [
      'en',
      [
        'The transfer of 0475 38 19 46 for Pieter Janssens was refused',
        'Proximus refused the transfer: the customer number given does not match the one Proximus has for this number. It is on a recent Proximus invoice.',
        'Correct the details in "Mobile porting issues" and send the request again.',
      ],
      'Mobile porting issues',
    ],
    [
      'nl',
      [
        'De overdracht van 0475 38 19 46 voor Pieter Janssens is geweigerd',
        'Proximus weigerde de overdracht: het opgegeven klantnummer komt niet overeen met dat van Proximus voor dit nummer. Het staat op een recente factuur van Proximus.',
        'Verbeter de gegevens in "Problemen met nummeroverdracht" en stuur de aanvraag opnieuw.',
      ],
      'Problemen met nummeroverdracht',
    ],
    [
      'fr',
      [
        'Le transfert de 0475 38 19 46 pour Pieter Janssens a été refusé',
        "Proximus a refusé le transfert : le numéro de client indiqué ne correspond pas à celui que Proximus a pour ce numéro. Il figure sur une facture récente de Proximus.",
        'Corrigez les données dans « Problèmes de transfert de numéro » et renvoyez la demande.',
      ],
      'Problèmes de transfert de numéro',
    ],
  ] as const)('in %s: what happened, why in plain words, what to do, and the button that does it', (language, lines, button) => {
    const message = notificationMessage(facts({ kind: 'porting.refused', audience: 'administrator', language, porting: { ...porting, refusalCode: 'WRONG_CUSTOMER_NUMBER' } }));
    expect(message).toEqual({ lines, action: { title: button, verb: 'welcome.portingIssues' } });
  });

  test('the employee is not sent it: the administrator fixes it', () => {
    expect(notificationMessage(facts({ kind: 'porting.refused', audience: 'user', language: 'en', porting }))).toBeUndefined();
  });
});

describe('to the employee', () => {
  test.each([
    ['en', 'Your Dstny SIM card is active: you can call and surf.'],
    ['nl', 'Je Dstny-simkaart is actief: je kunt bellen en surfen.'],
    ['fr', 'Votre carte SIM Dstny est active : vous pouvez appeler et surfer.'],
  ] as const)('in %s, the line works, with what to do next', (language, start) => {
    const message = notificationMessage(facts({ kind: 'activation.completed', audience: 'user', language }));
    expect(message?.lines).toHaveLength(1);
    expect(message!.lines[0]).toMatch(new RegExp(`^${start.replace(/[.]/g, '\\.')} .*9999`));
    expect(message!.action).toBeUndefined();
  });

  test("the transfer's date and window, in the reader's calendar words and Brussels time", () => {
    const scheduled = { ...porting, scheduledAt: new Date('2026-03-10T05:00:00.000Z'), windowEndsAt: new Date('2026-03-10T07:00:00.000Z') };
    expect(notificationMessage(facts({ kind: 'porting.scheduled', audience: 'user', language: 'en', porting: scheduled }))?.lines).toEqual([
      'Your number 0475 38 19 46 moves to Dstny on Tuesday, 10 March, between 06:00 and 08:00. Calls may drop for a moment during that time.',
    ]);
    expect(notificationMessage(facts({ kind: 'porting.scheduled', audience: 'user', language: 'nl', porting: scheduled }))?.lines[0]).toMatch(/dinsdag 10 maart/);
    expect(notificationMessage(facts({ kind: 'porting.scheduled', audience: 'user', language: 'fr', porting: scheduled }))?.lines[0]).toMatch(/mardi 10 mars/);
  });

  test('a message missing a fact it names is not sent half-worded', () => {
    expect(notificationMessage(facts({ kind: 'porting.scheduled', audience: 'user', language: 'en', porting }))).toBeUndefined();
  });
});

describe('a request for help, to the administrator', () => {
  test.each([
    ['en', "Sam Support asks for your help with Jan Peeters's Mobile service: calls don't work.", 'Already tried:', "Where the service stands: Waiting for the user to start the activation; number transfer: Refused."],
    ['nl', 'Sam Support vraagt je hulp bij de dienst Mobile van Jan Peeters: ', 'Al geprobeerd:', 'Stand van de dienst: '],
    ['fr', "Sam Support vous demande de l'aide pour le service Mobile de Jan Peeters : ", 'Déjà essayé :', 'Où en est le service : '],
  ] as const)('in %s: who asks for whom, what they tried, and where the service stands', (language, first, tried, state) => {
    const message = notificationMessage(facts({
      kind: 'help.escalated',
      audience: 'administrator',
      language,
      service: { ...service, user: 'Jan Peeters' },
      escalation: {
        requester: 'Sam Support',
        user: 'Jan Peeters',
        forThemselves: false,
        topic: 'calls',
        tried: ['Restart your phone.'],
        state: { status: 'READY', porting: 'REFUSED' },
      },
    }));
    const lines = message!.lines;
    expect(lines[0]!.startsWith(first)).toBe(true);
    expect(lines.slice(1, 3)).toEqual([tried, '- Restart your phone.']);
    expect(lines[3]!.startsWith(state)).toBe(true);
  });

  test('by email, the subject names who needs help, and the footer why it came by email', () => {
    const helpFacts = facts({
      kind: 'help.escalated',
      audience: 'administrator',
      language: 'en',
      escalation: { requester: 'Jan Peeters', user: 'Jan Peeters', forThemselves: true, topic: 'data', tried: [] },
    });
    const email = notificationEmail(helpFacts, notificationMessage(helpFacts)!);
    expect(email.subject).toBe('Dstny SIM activation: Jan Peeters needs help');
    expect(email.paragraphs).toEqual([
      "Jan Peeters asks for your help with their Mobile service: mobile data doesn't work.",
      'You receive this email because we could not reach you in Microsoft Teams or in the web chat.',
    ]);
  });
});

describe('updates of many services at once, and those that could not be delivered', () => {
  test('one digest per bulk operation, counted by what happened, naming who did not succeed', () => {
    expect(digestMessage({ language: 'fr', total: 12, started: 10, emailed: 0, completed: 0, failed: ['Els Maes', 'Koen Jacobs'], other: 0 }).lines).toEqual([
      'Activation de 12 services',
      'Activation commencée : 10',
      'Sans succès : 2 (Els Maes et Koen Jacobs)',
    ]);
  });

  test('a service card says whom an update did not reach', () => {
    expect(undeliverableLine('nl', ['Jan Peeters', 'Marie Dubois'])).toBe('Een bericht over deze dienst kon niet bezorgd worden aan Jan Peeters en Marie Dubois.');
  });

  test('a kind the domain does not write has no words', () => {
    expect(notificationMessage(facts({ kind: 'activation.exploded', audience: 'administrator', language: 'en' }))).toBeUndefined();
  });
});

describe('an eSIM sent', () => {
  let db: Database;

  beforeAll(async () => {
    db = await openTestDatabase({ seed: true });
  });
  afterAll(async () => db?.close());

  /** The service's `esim.sent` updates as the notifier words them when it delivers them, by audience. */
  async function delivered(serviceId: string, simCardId: string): Promise<Record<string, Reply>> {
    const rows = await db.prisma.notification.findMany({ where: { serviceId, kind: 'esim.sent', payload: { path: ['simCardId'], equals: simCardId } } });
    const reads = notificationReads(db.prisma);
    const replies = await Promise.all(rows.map(async (row) => {
      const subject = await reads.subjectOf({ ...row, attempt: 1 } satisfies OutboxNotification);
      const message = notificationMessage(notificationFactsOf(subject, languageOf(subject.recipient)));
      return [subject.audience, notificationReply(message!)] as const;
    }));
    return Object.fromEntries(replies);
  }

  /** What a phone's camera reads from the card's picture. */
  const qrCodeOf = (card: AdaptiveCard) => qrCodeInDataUri(String((card.body as Array<{ type?: string; url?: string }>).find((element) => element.type === 'Image')?.url));

  async function janWithLanguage(language: 'en' | 'nl' | 'fr') {
    await db.prisma.person.updateMany({ where: { email: demo.jan.email }, data: { preferredLanguage: language } });
  }

  test('Jan gets the card in the language he chose: the QR code reads as his activation code, with the details to type and the steps', async () => {
    await janWithLanguage('fr');
    const { service, esim } = await startedEsimService(db.prisma, demo.jan.email, { withConfirmationCode: true });
    const { user } = await delivered(service.id, service.simCardId!);
    const card = cardOf(user);
    expect(qrCodeOf(card)).toBe(esim.activationCode);
    const texts = textsOf(card);
    // Named as the chat's lists name it: product, service type, number (none before it is given one).
    expect(texts[0]).toBe('Votre eSIM pour Dstny Mobile (Mobile) · pas encore de numéro est prête');
    expect(texts).toEqual(expect.arrayContaining([
      'Adresse SM-DP+: smdp.demo.dstny.example',
      `Code d'activation: ${matchingIdOf(esim.activationCode)}`,
      `Le téléphone demande ensuite un code de confirmation : tapez ${esim.confirmationCode}.`,
      esim.activationCode,
    ]));
    // The steps, behind a button each.
    const behind = (card.actions ?? []).map((action) => textsOf(action.card as AdaptiveCard).filter((text) => !/^\d+\.$/.test(text)));
    expect(behind).toEqual([esimInstallSteps('fr').iphone, esimInstallSteps('fr').android]);
  });

  test('Ann, who set it up, reads a sentence without the code, and her card of the service says it waits for Jan; nothing the outbox or the jobs hold has the code', async () => {
    await janWithLanguage('nl');
    const { service, esim } = await startedEsimService(db.prisma, demo.jan.email);
    const { administrator } = await delivered(service.id, service.simCardId!);
    expect(textOf(administrator)).toBe("The eSIM for Jan Peeters's Mobile was sent to them: they install it on their phone, then the line activates.");
    const summary = textsOf(await currentSummaryCard(db.prisma, await actorOf(db, demo.ann.email), 'en', service.id));
    expect(summary.join('\n')).toContain('eSIM sent, waiting for the user to install it');
    expect(summary.join('\n')).not.toContain(matchingIdOf(esim.activationCode));
    const stored = JSON.stringify({
      notifications: await db.prisma.notification.findMany({ where: { serviceId: service.id } }),
      jobs: await db.prisma.job.findMany({ where: { createdAt: { gte: service.createdAt } } }),
    });
    expect(stored).toContain(service.id);
    expect(stored).not.toContain(matchingIdOf(esim.activationCode));
  });

  test('installed before its update went out, the eSIM is not shown: Jan gets no card with a code', async () => {
    await janWithLanguage('en');
    const { service, esim } = await startedEsimService(db.prisma, demo.jan.email);
    await recordEsimInstalled(db.prisma, esim.iccid);
    const { user } = await delivered(service.id, service.simCardId!);
    expect(user).toEqual({ kind: 'text', text: 'Your eSIM for Mobile is ready to install: it is in your activation email and on your personal page.' });
  });

  test('replaced before its update went out, the old update shows no code, and the replacement\'s own brings the new one', async () => {
    await janWithLanguage('en');
    const { service, esim } = await startedEsimService(db.prisma, demo.jan.email);
    expect(await replaceEsim(db.prisma, await actorOf(db, demo.jan.email), service.id)).toEqual({ ok: true, serviceId: service.id });
    const replaced = await db.prisma.service.findUniqueOrThrow({ where: { id: service.id }, include: { simCard: true } });
    expect(replaced.simCardId).not.toBe(service.simCardId);

    const old = await delivered(service.id, service.simCardId!);
    expect(old.user?.kind).toBe('text');
    expect(JSON.stringify(old)).not.toMatch(new RegExp(`${matchingIdOf(esim.activationCode)}|${matchingIdOf(replaced.simCard!.activationCode!)}`));
    const { user } = await delivered(service.id, replaced.simCardId!);
    expect(qrCodeOf(cardOf(user))).toBe(replaced.simCard!.activationCode);
  });
});
