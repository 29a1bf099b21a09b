import { digestMessage, notificationEmail, notificationMessage, undeliverableLine, type NotificationFacts } from '../../dialogs/notifications';

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
