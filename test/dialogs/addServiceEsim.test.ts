import type { AdaptiveCard } from '../../cards/render';
import type { Language } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import { addServiceFeature } from '../../dialogs/addService/feature';
import { asksForEsim } from '../../dialogs/addService/flow';
import { demo } from '../../prisma/demoData';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { leaveEsimsInStock } from '../support/addServiceDriver';
import { openTestDatabase } from '../support/database';
import { featureTurn } from '../support/featureTurn';
import { pressInWizard, type Shown } from '../support/wizardTurn';
import { actorsOf, buttonOf, factsOf, formOf, inputOf, textsOf, underInput } from './see';

/** Step 6 offers an eSIM from the organisation's stock: Ann chooses it, through to the saved service. */

let db: Database;
let ann: Actor;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ({ ann } = await actorsOf(db, { ann: demo.ann.email }));
}, 60_000);

afterAll(async () => {
  await db?.close();
});

type Json = Record<string, any>;

const run = (verb: string, data: Json, state: unknown, language: Language = 'en') => pressInWizard(db, ann, verb, data, state, language);

/** The button titled `title` pressed as the client sends it: the card's inputs, changed where Ann chose or typed. */
function press(shown: Shown, title: string, typed: Record<string, string> = {}): Promise<Shown> {
  const button = buttonOf(shown.card, title);
  return run(button.verb, { ...formOf(shown.card, typed), ...button.data }, shown.state);
}

/** Steps 1 to 5 for a Dstny Mobile service with a new number, for the person `query` finds: the card of step 6. */
async function untilSimStep(query: string): Promise<Shown> {
  let shown = await run(Verbs.addService.start, {}, undefined);
  shown = await press(shown, 'Search', { query });
  shown = await press(shown, 'Next', { productTypeCode: 'DSTNY_MOBILE' });
  shown = await press(shown, 'Next', { serviceTypeCode: 'MOBILE' });
  shown = await press(shown, 'Next', { bundleCode: 'MOB_S' });
  shown = await press(shown, 'Confirm');
  return press(shown, 'Next', { numberOption: 'NEW' });
}

const choicesOf = (card: AdaptiveCard, id: string): string[] => (inputOf(card, id).choices as Json[]).map((choice) => choice.title);
const draftOf = (shown: Shown) => (shown.state as Json).draft as Json;
const esimsInStock = () => db.prisma.simCard.count({ where: { organisationId: ann.organisationId, form: 'ESIM', state: 'IN_STOCK', service: { is: null } } });

test('step 6 offers the eSIM with the stock left; chosen, it is reserved at Save and the summary says "SIM card: eSIM"', async () => {
  const left = await esimsInStock();
  const sim = await untilSimStep('Sofie');
  expect(textsOf(sim.card)).toEqual(expect.arrayContaining(['Step 6 of 8', 'Configure the SIM card']));
  expect(inputOf(sim.card, 'simOption').label).toBe('Which SIM card does the user get?');
  expect(choicesOf(sim.card, 'simOption')).toEqual([
    'Physical SIM card — the user enters its number',
    'Physical SIM card — I enter its number now',
    `eSIM — a QR code is sent to the user when the activation starts (${left} left in stock)`,
  ]);

  const activation = await press(sim, 'Next', { simOption: 'ESIM' });
  expect(textsOf(activation.card)).toContain('Step 8 of 8');
  // Automatic activation is offered: an eSIM's number is known from the start.
  expect(choicesOf(activation.card, 'activationMethod')).toContain('Start the activation automatically, without the user');
  expect(textsOf(activation.card).join(' ')).not.toContain('Automatic activation is only possible');

  // Back to the bundle's confirmation: the eSIM is part of the order there.
  const confirm = await press(await press(await press(activation, 'Back'), 'Back'), 'Back');
  expect(textsOf(confirm.card)).toContain('Step 4 of 8');
  expect(factsOf(confirm.card)['SIM card']).toBe('eSIM');
  const again = await press(await press(await press(confirm, 'Confirm'), 'Next', { numberOption: 'NEW' }), 'Next');

  const summary = await press(again, 'Save', { activationMethod: 'AUTOMATIC', activationTiming: 'LATER' });
  expect(textsOf(summary.card)).toEqual(expect.arrayContaining(['Service added', 'Status: waiting for activation', 'Activation: automatic, later']));
  expect(factsOf(summary.card)['SIM card']).toBe('eSIM');

  const service = await db.prisma.service.findUniqueOrThrow({ where: { id: (summary.state as Json).savedServiceId }, include: { simCard: true, events: true } });
  expect(service.simCard).toMatchObject({ form: 'ESIM', state: 'ASSIGNED' });
  expect(service.events.map((event) => event.kind)).toContain('esim_reserved');
  expect(await esimsInStock()).toBe(left - 1);
});

test('started at once, the summary says the eSIM was sent and waits for the user to install it', async () => {
  const sim = await untilSimStep('Koen');
  const activation = await press(sim, 'Next', { simOption: 'ESIM' });
  const summary = await press(activation, 'Save', { activationMethod: 'EMAIL', activationTiming: 'NOW' });
  const name = (await db.prisma.service.findUniqueOrThrow({ where: { id: (summary.state as Json).savedServiceId }, include: { user: true } })).user.displayName;
  expect(textsOf(summary.card)).toEqual(expect.arrayContaining([
    'Status: eSIM sent, waiting for the user to install it',
    'SIM card: eSIM',
    `${name} received the eSIM by email and in the chat, and installs it on the phone; the line activates once it is installed.`,
  ]));
});

describe('no eSIM left in stock', () => {
  let putBack: () => Promise<void>;
  beforeEach(async () => {
    putBack = await leaveEsimsInStock(db.prisma, ann.organisationId, 0);
  });
  afterEach(async () => putBack());

  test('the choice says so; choosing it answers why, next to the choice, with everything entered kept', async () => {
    const sim = await untilSimStep('Bram');
    expect(choicesOf(sim.card, 'simOption')[2]).toBe('eSIM — none left in stock: ask the operator for more eSIM profiles');
    const reserved = textsOf(sim.card).find((text) => text.startsWith('New number reserved: '))!;

    const refused = await press(sim, 'Next', { simOption: 'ESIM', iccid: '8932 0001' });
    expect(textsOf(refused.card)).toEqual(expect.arrayContaining(['Step 6 of 8', reserved]));
    expect(underInput(refused.card, 'simOption')).toBe('Your organisation has no eSIM left in stock. Choose a physical SIM card, or ask the operator for more eSIM profiles.');
    expect(formOf(refused.card)).toEqual({ simOption: 'ESIM', iccid: '8932 0001' });
    expect(draftOf(refused)).toMatchObject({ productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE', bundleCode: 'MOB_S', numberOption: 'NEW', reservedNumberId: draftOf(sim).reservedNumberId });

    // A physical SIM card instead goes on, with the order as it was.
    const activation = await press(refused, 'Next', { simOption: 'USER_ENTERS' });
    expect(textsOf(activation.card)).toContain('Step 8 of 8');
    await press(activation, 'Cancel');
  });

  test('the last eSIM taken by another order between step 6 and Save: back to step 6 with the reason next to the choice', async () => {
    await putBack();
    const sim = await untilSimStep('Lotte');
    const activation = await press(sim, 'Next', { simOption: 'ESIM' });
    putBack = await leaveEsimsInStock(db.prisma, ann.organisationId, 0);

    const back = await press(activation, 'Save', { activationMethod: 'EMAIL', activationTiming: 'LATER' });
    expect(textsOf(back.card)).toContain('Step 6 of 8');
    expect(underInput(back.card, 'simOption')).toBe('Your organisation has no eSIM left in stock. Choose a physical SIM card, or ask the operator for more eSIM profiles.');
    expect(underInput(back.card, 'iccid')).toBeUndefined();
    expect(draftOf(back)).toMatchObject({ bundleCode: 'MOB_S', numberOption: 'NEW', activationMethod: 'EMAIL', activationTiming: 'LATER' });
    await press(back, 'Cancel');
  });
});

describe('a request in words that asks for an eSIM', () => {
  test.each([
    ['en', 'add a mobile for Wouter with an eSIM'],
    ['nl', 'een gsm-abonnement voor Wouter met een e-simkaart'],
    ['fr', 'un abonnement mobile pour Wouter avec une e-SIM'],
  ] as const)('is understood in %s', (_language, text) => {
    expect(asksForEsim(text)).toBe(true);
  });

  test.each(['a data SIM for Marie', 'de sim van Jan', 'une SIM pour Marie', 'resim'])('"%s" asks for no eSIM', (text) => {
    expect(asksForEsim(text)).toBe(false);
  });

  test('preselects the eSIM at step 6, which the administrator still confirms', async () => {
    const { turn, record, kept } = featureTurn<unknown>(db, ann, { language: 'nl' });
    await addServiceFeature.intents!.addService!(turn, { intent: 'addService', score: 1, language: 'nl', text: 'een gsm voor Wouter met een eSIM', entities: { personName: 'Wouter' } });
    let shown: Shown = { card: record.cards.at(-1)!.card, state: kept() };
    expect(textsOf(shown.card)).toContain('Stap 1 van 8');
    const next = (typed: Record<string, string>, title = 'Volgende') => {
      const button = buttonOf(shown.card, title);
      return run(button.verb, { ...formOf(shown.card, typed), ...button.data }, shown.state, 'nl');
    };
    shown = await next({ productTypeCode: 'DSTNY_MOBILE' });
    shown = await next({ serviceTypeCode: 'MOBILE' });
    shown = await next({ bundleCode: 'MOB_S' });
    shown = await next({}, 'Bevestigen');
    shown = await next({ numberOption: 'NEW' });
    expect(textsOf(shown.card)).toContain('Stap 6 van 8');
    expect(formOf(shown.card).simOption).toBe('ESIM');
    expect(draftOf(shown).simOption).toBeUndefined();
  });
});
