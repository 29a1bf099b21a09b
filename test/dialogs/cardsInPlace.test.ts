import crypto from 'node:crypto';
import { t } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import { conversationFeature } from '../../dialogs/conversation';
import { overviewReply } from '../../dialogs/overview';
import { emptyPortingForm, portingProblemText } from '../../dialogs/portingFields';
import { portingIssuesFeature, resubmitDataSchema } from '../../dialogs/portingIssues';
import { knowledgeAnswer } from '../../dialogs/troubleshoot';
import { waitingActionSchema, waitingServicesFeature } from '../../dialogs/waitingServices';
import type { IntentMatch } from '../../dialogs/understanding/intents';
import { demo, pieterPorting } from '../../prisma/demoData';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';
import { featureTurn } from '../support/featureTurn';
import { actorsOf, buttonOf, buttonsOf, cardOf, formOf, textOf, textsOf, titlesOf } from './see';

// The Markdown renderer Web Chat renders messages with (a dependency of botframework-webchat), without typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt: new (options: { linkify: boolean }) => { render(markdown: string): string } = require('markdown-it');

/**
 * Cards whose action is done show its result where they were, and the small things a person notices: a second
 * "hello", the APN in the data help, the porting hint's sentence, the overview's "Needs you now", all called directly.
 */

let db: Database;
let ann: Actor;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ({ ann } = await actorsOf(db, { ann: demo.ann.email }));
});

afterAll(async () => {
  await db?.close();
});

describe('the waiting list answers in place of the card pressed', () => {
  const run = async (verb: string, data: Record<string, unknown>, pressedCardId: string) => {
    const { turn, record } = featureTurn(db, ann, { teams: false, pressedCardId });
    const replies = await waitingServicesFeature.actions![verb]!.run(turn, waitingActionSchema.parse(data) as never);
    return { replies, record };
  };

  test("Start on Marie's row replaces the list with its result, where no Start is left for her; the old copy's Start names who started it", async () => {
    const shown = featureTurn(db, ann, { teams: false });
    await waitingServicesFeature.actions![Verbs.welcome.waitingServices]!.run(shown.turn, undefined as never);
    const [{ card: list }] = shown.record.cards as [{ card: Parameters<typeof buttonsOf>[0] }];
    const start = buttonOf(list, 'Start');

    const { replies, record } = await run(start.verb, start.data, 'list-message');
    expect(replies).toEqual([]);
    expect(record.cards.map((shownCard) => shownCard.replacing)).toEqual(['list-message']);
    const result = cardOf({ kind: 'card', card: record.cards[0]!.card });
    expect(textsOf(result)).toContain('Started: 1. Users who enter their own SIM card number receive their activation email now.');
    expect(buttonsOf(result).filter((button) => button.verb === Verbs.waitingServices.start)).toEqual([]);

    const again = await run(start.verb, start.data, 'list-message');
    const said = textsOf(cardOf({ kind: 'card', card: again.record.cards[0]!.card }));
    expect(said).toContainEqual(expect.stringMatching(/^Marie Dubois's service was already started by Ann Admin on .+ at \d{2}:\d{2}\.$/));
    expect(said.join(' ')).not.toMatch(/Started: 0/);

    // "Start all" of the first copy: the list changed since, so nothing is queued and the list is shown as it is now.
    const jobs = await db.prisma.job.count();
    const stale = await run(Verbs.waitingServices.startAll, buttonOf(list, 'Start all').data, 'list-message');
    expect(textsOf(cardOf({ kind: 'card', card: stale.record.cards[0]!.card }))).toContain(
      'This list had changed since it was shown, so nothing was done: here it is as it is now.',
    );
    expect(await db.prisma.job.count()).toBe(jobs);
  });
});

describe("the porting Fix card after it was sent", () => {
  test('becomes a read-only result in place of the form; the list follows as a message', async () => {
    const requestId = (await db.prisma.portingRequest.findFirstOrThrow({ where: { e164: pieterPorting.e164 } })).id;
    const opened = featureTurn(db, ann, { teams: false });
    await portingIssuesFeature.actions![Verbs.portingIssues.fix]!.run(opened.turn, { requestId } as never);
    const fix = opened.record.cards[0]!.card;
    expect(formOf(fix)).not.toEqual({});

    const { turn, record } = featureTurn(db, ann, { teams: false, pressedCardId: 'fix-message' });
    const data = resubmitDataSchema.parse({ ...formOf(fix, { customerNumber: pieterPorting.customerNumber, wishDate: '' }), requestId });
    const replies = await portingIssuesFeature.actions![Verbs.portingIssues.resubmit]!.run(turn, data as never);
    expect(record.cards.map((shown) => shown.replacing)).toEqual(['fix-message']);
    const done = cardOf({ kind: 'card', card: record.cards[0]!.card });
    expect(textsOf(done)[0]).toBe('Transfer of 0475 38 19 46 sent again');
    expect(formOf(done)).toEqual({});
    expect(titlesOf(done)).toEqual([]);
    expect(replies.map(textOf)).toEqual(['There are no refused porting requests in Demo Company NV: nothing to fix.']);
  });
});

describe('small things', () => {
  const greeting: IntentMatch = { intent: 'greeting', score: 1, language: 'en', text: 'hi', entities: {} };

  test.each([
    ['en', 'Hello Ann Admin! What can I do for you? Tell me in your own words, or type "help" to see the menu again.'],
    ['nl', 'Hallo Ann Admin! Wat kan ik voor je doen? Zeg het in je eigen woorden, of typ "help" om het menu opnieuw te zien.'],
    ['fr', 'Bonjour Ann Admin ! Que puis-je faire pour vous ? Dites-le avec vos propres mots, ou tapez « aide » pour revoir le menu.'],
  ] as const)('in %s, "hi" shows the welcome once; with the welcome in the chat, a short answer that points at the menu', async (language, again) => {
    const first = featureTurn<true>(db, ann, { language });
    const [welcome] = await conversationFeature.intents!.greeting!(first.turn, greeting);
    expect(textsOf(cardOf(welcome))[0]).toBe(t(language, 'welcome.greeting', { name: 'Ann Admin' }));
    expect(first.kept()).toBe(true);
    const second = featureTurn<true>(db, ann, { language, state: true });
    expect((await conversationFeature.intents!.greeting!(second.turn, greeting)).map(textOf)).toEqual([again]);
  });

  test.each(['en', 'nl', 'fr'] as const)('in %s, the APN is written so that no client makes it a link', (language) => {
    // Web Chat renders a message's Markdown with markdown-it and linkify on, as here.
    const html = new MarkdownIt({ linkify: true }).render(textOf(knowledgeAnswer(language, 'mobileData')));
    expect(html).toContain('<code>internet.dstny.be</code>');
    expect(html).not.toMatch(/<a /);
  });

  test.each([
    ['en', 'A subscription needs the customer number at the current operator: it is on every invoice from the current operator.'],
    ['nl', 'Een abonnement heeft het klantnummer bij de huidige operator nodig: het staat op elke factuur van de huidige operator.'],
    ['fr', "Un abonnement nécessite le numéro de client chez l'opérateur actuel : il figure sur chaque facture de l'opérateur actuel."],
  ] as const)('in %s, the porting hint reads as a sentence when no operator is chosen yet', (language, sentence) => {
    const warning = { code: 'subscription-customer-missing', field: 'customerNumber', message: '', blocking: true } as const;
    expect(portingProblemText(language, warning, emptyPortingForm, new Date())).toBe(sentence);
  });

  test('"Needs you now" is red only over something the administrator can unblock; an activation running late is to keep an eye on', async () => {
    const organisation = await db.prisma.organisation.create({ data: { name: 'Late Only BV', tenantId: crypto.randomUUID() } });
    const admin = await db.prisma.person.create({
      data: { organisationId: organisation.id, role: 'ADMINISTRATOR', email: 'admin@late-only.example', displayName: 'Lea Late' },
      include: { organisation: true },
    });
    await db.prisma.service.create({
      data: {
        organisationId: organisation.id, userId: admin.id, createdById: admin.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE',
        activationMethod: 'AUTOMATIC', activationTiming: 'NOW', status: 'ACTIVATING', activationStartedAt: new Date(Date.now() - 3 * 86_400_000),
      },
    });
    const card = cardOf(await overviewReply({ db: db.prisma, clockSpeed: 1 }, admin, 'en'));
    const heading = (card.body as Array<Record<string, unknown>>).find((element) => element.text === 'To keep an eye on');
    expect(heading).toMatchObject({ color: 'Default' });
    expect(textsOf(card)).not.toContain('Needs you now');
    expect(textsOf(card)).toContain('Activating for over two days: 1');

    // A failed activation is the administrator's to try again: then it needs her, in red.
    await db.prisma.service.create({
      data: {
        organisationId: organisation.id, userId: admin.id, createdById: admin.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE',
        activationMethod: 'AUTOMATIC', activationTiming: 'NOW', status: 'FAILED',
      },
    });
    const failed = cardOf(await overviewReply({ db: db.prisma, clockSpeed: 1 }, admin, 'en'));
    expect((failed.body as Array<Record<string, unknown>>).find((element) => element.text === 'Needs you now')).toMatchObject({ color: 'Attention' });
  });
});
