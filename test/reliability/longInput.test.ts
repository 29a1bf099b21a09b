import { t } from '../../cards/strings';
import { emptyPortingForm, portingFormSchema, portingInputOf, type PortingFormValues } from '../../dialogs/portingFields';
import { extractEntities } from '../../dialogs/understanding/entities';
import { intentModel } from '../../dialogs/understanding/model';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import catalogJson from '../../prisma/seed-data/catalog.json';
import { catalogHintOf, catalogProductOf, type CatalogProduct } from '../../services/catalog/catalog';
import { languageNamedIn } from '../../services/people/languagePreference';
import { mostNamed, plainText, searchQuerySchema } from '../../services/people/userSearch';
import { checkIccid, isSimNumberAttempt, simNumberIn } from '../../services/simCards/simNumber';
import { useBotUnderTest } from '../support/botUnderTest';
import { teamsActivity, whatTheySee, type TeamsPerson } from '../support/connector';

/**
 * Every text a person sends is read by patterns and a classifier: whatever the text, the work must grow with its
 * length, never with its square. One regular expression that backtracks on a long word blocks the whole process,
 * every conversation with it. The patterns are checked on the code (test/unit/patternLinearity.test.ts); here every
 * recogniser, the classifier included, reads a megabyte of each shape of text within the test's time (a linear pass
 * takes a few hundred milliseconds, a quadratic one many minutes), and the bot answers long messages as it should.
 * No clock is read: on a machine busy with other work, a fixed bound in milliseconds fails linear code.
 */

const MEGABYTE = 1024 * 1024;

const fill = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

/** Texts of `length` characters, each shaped to make one kind of pattern work hard. */
const inputKinds = (length: number): Array<[string, string]> => [
  ['one long word', fill('a', length)],
  ['many words', fill('please activate the sim card of Marie Dubois with the 20 GB bundle and keep her number ', length)],
  ['digits', fill('8932100112345678901', length)],
  ['phone numbers', fill('0475 12 34 56, +32 2 555 12 12; ', length)],
  ['@-heavy', fill('ab.cd@ef.gh@', length)],
  ['repeated spaces', fill(`${' '.repeat(999)}x`, length)],
  ['repeated dashes', fill('89- -- 1-', length)],
  ['accented letters', fill('hélène çà et là ÉÈÊ e\u0301a\u0300 ', length)],
];

describe('every recogniser reads a megabyte of text in linear time', () => {
  const demoCatalog: CatalogProduct[] = catalogJson.productTypes.map((product) =>
    catalogProductOf({ ...product, serviceTypes: product.serviceTypes.map((type) => ({ ...type, productTypeCode: product.code })) }));
  const people = [
    { id: '1', displayName: 'Marie Dubois', email: 'marie.dubois@demo.example' },
    { id: '2', displayName: 'Hélène Çelik-Aït', email: 'helene.celik@demo.example' },
  ];
  const wholeForm = (text: string): PortingFormValues =>
    Object.fromEntries(Object.keys(emptyPortingForm).map((field) => [field, text])) as PortingFormValues;

  const recognisers: Array<[string, (text: string) => unknown]> = [
    ['extractEntities', (text) => extractEntities(text, () => false)],
    ['the intent model', async (text) => (await intentModel()).understand(text, 'en')],
    ['the language of a waited-for value', async (text) => (await intentModel()).languageOf(text, 'en')],
    ['simNumberIn', simNumberIn],
    ['isSimNumberAttempt', isSimNumberAttempt],
    ['checkIccid', checkIccid],
    ['catalogHintOf', (text) => catalogHintOf(demoCatalog, text)],
    ['languageNamedIn', languageNamedIn],
    ['the porting form', (text) => [portingFormSchema.safeParse(wholeForm(text)), portingInputOf(wholeForm(text))]],
    ['the user search', (text) => [searchQuerySchema.safeParse(text), plainText(text), mostNamed(people, text)]],
  ];

  beforeAll(async () => {
    await intentModel();
  }, 120_000);

  describe.each(inputKinds(MEGABYTE))('%s', (_kind, text) => {
    test.each(recognisers)('%s', async (_recogniser, recognise) => {
      await expect(Promise.resolve().then(() => recognise(text))).resolves.not.toThrow();
    }, 60_000);
  });
});

describe('a long message through the bot', () => {
  const bot = useBotUnderTest('long-input');
  const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters' };
  const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
  const english: TeamsPerson = { ...jan, locale: 'en-US' };
  const tooLong = (text: string) => t('en', 'messages.tooLong', { count: new Intl.NumberFormat('en-BE').format([...text.trim()].length), limit: '4.000' });
  const generic = t('en', 'error.generic');

  // A turn's activity may be at most 256 KB (bot/server.ts): 100,000 characters is the longest text of every kind that fits.
  test.each(inputKinds(100_000))('%s of 100,000 characters is answered "too long" at once', async (_kind, text) => {
    const replies = await bot.says(english, text);

    expect(replies.flatMap((reply) => whatTheySee(reply).texts)).toEqual([tooLong(text)]);
  });

  test('the sentence is in the language of the conversation', async () => {
    const replies = await bot.says({ ...jan, locale: 'nl-BE' }, 'a'.repeat(5000));

    expect(replies.flatMap((reply) => whatTheySee(reply).texts)).toEqual([t('nl', 'messages.tooLong', { count: '5.000', limit: '4.000' })]);
  });

  test.each(inputKinds(4000))('%s of 4,000 characters is read, and answered as what it says', async (_kind, text) => {
    const replies = await bot.says(ann, text);
    await bot.says(ann, 'cancel');

    const texts = replies.flatMap((reply) => whatTheySee(reply).texts);
    expect(texts).not.toContain(tooLong(text));
    expect(texts.join('\n')).not.toContain(generic);
  });

  test('a megabyte in one activity is refused by the server before the bot reads it', async () => {
    const activity = teamsActivity(bot.serviceUrl(), english, { type: 'message', text: 'a'.repeat(MEGABYTE) });
    const response = await fetch(`${bot.bot().url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    await response.text();

    expect(response.status).toBe(413);
  });
});

describe('NUL characters and lone surrogates in typed text', () => {
  const bot = useBotUnderTest('typed-text-cleaning');
  const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters', locale: 'nl-BE' };
  const luc: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.luc.aadObjectId, name: 'Luc Lemaire', locale: 'fr-BE' };
  const seen = async (who: TeamsPerson, text: string) => {
    const views = (await bot.says(who, text)).map((reply) => whatTheySee(reply));
    return { texts: views.flatMap((view) => view.texts), actions: views.flatMap((view) => view.actions) };
  };

  test('are taken out before the text is read: the request is understood as if they were not there', async () => {
    const { texts } = await seen(jan, 'mijn simkaart\u0000 moet nog geactiveerd \uD800worden\uDFFF');

    expect(texts).toEqual(['Typ het nummer van je simkaart: de 19 of 20 cijfers op de kaart, beginnend met 89.']);
  });

  // PostgreSQL refuses both in JSON (bot state, stored web chat activities), and NUL in any text: the text the bot
  // keeps and sends on, here in the buttons of "is it one of these?", must carry neither.
  test('are not in the text the bot sends on', async () => {
    const { actions } = await seen(luc, 'email\u0000 sim\uDC00');

    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action.data.text).toBe('email sim');
  });

  test('a character made of a well-formed pair (an emoji) stays', async () => {
    const { actions } = await seen(luc, 'email sim \uD83D\uDC4D');

    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action.data.text).toBe('email sim 👍');
  });
});
