import { withSubmitActions, type AdaptiveCard } from '../../cards/render';
import { languages, t, type Language } from '../../cards/strings';
import { AddServiceFlow, type FlowCardData, type FlowOutcome, type FlowTurn } from '../../dialogs/addService/flow';
import { DEMO_TENANT_ID, demo, demoStockIccids } from '../../prisma/demoData';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { cardProblems, expectValidCard } from '../support/adaptiveCards';
import { demoActor, readCard } from '../support/addServiceDriver';
import { openTestDatabase } from '../support/database';

let db: Database;
let ann: Actor;
let jan: Actor;

const actor = (aadObjectId: string) => demoActor(db, DEMO_TENANT_ID, aadObjectId);

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ann = await actor(demo.ann.aadObjectId);
  jan = await actor(demo.jan.aadObjectId);
}, 60_000);
afterAll(async () => db.close());

/** Runs the flow like the routes do, keeping its state, and collects every card it answers with. */
function conversation(language: Language, who: Actor = ann) {
  const flow = new AddServiceFlow(db.prisma);
  const cards: AdaptiveCard[] = [];
  let stored: unknown;
  const turn = (): FlowTurn => ({ actor: who, language, stored });
  const keep = (outcome: FlowOutcome) => {
    stored = outcome.state;
    cards.push(outcome.card);
    return outcome.card;
  };
  const ids = () => {
    const state = stored as { flowId: string; step: string };
    return { flowId: state.flowId, step: state.step };
  };
  return {
    cards,
    start: async () => keep(await flow.start(turn())),
    do: async (action: 'search' | 'pickUser' | 'next' | 'back' | 'cancel' | 'save', data: FlowCardData = {}) =>
      keep(await flow[action](turn(), { ...ids(), ...data })),
    resume: async () => keep(await flow.resume(turn())),
  };
}

describe('every card of the add-service flow', () => {
  it.each(languages)('is a valid Adaptive Card 1.5 for the official parser, in Teams and web chat form (%s)', async (language) => {
    const chat = conversation(language);
    await chat.start();
    await chat.do('search', { query: 'nobody-by-this-name' });
    await chat.do('search', { query: 'ma' });
    await chat.do('search', { query: 'Sofie' });
    await chat.do('next', {});
    await chat.do('next', { productTypeCode: 'DSTNY_SMARTMOBILE' });
    await chat.do('next', { serviceTypeCode: 'SM_CONVERGED' });
    await chat.do('next', { bundleCode: 'SM_CONV_40', optionCodes: 'SM_RECORDING' });
    await chat.do('next');
    await chat.do('next', { numberOption: 'PORT' });
    await chat.do('next', { number: '12', holderKind: 'COMPANY', lineType: 'PREPAID', wishDate: '2020-01-01' });
    await chat.do('back');
    await chat.do('next', { numberOption: 'MOVE' });
    await chat.do('next', { fromServiceId: (await db.prisma.service.findFirstOrThrow({ where: { idempotencyKey: 'seed:demo:luc' } })).id });
    await chat.do('back');
    await chat.do('back');
    await chat.do('next', { numberOption: 'NEW' });
    await chat.resume();
    await chat.do('next', { simOption: 'ADMIN_ENTERS', iccid: '1234' });
    await chat.do('next', { simOption: 'ADMIN_ENTERS', iccid: demoStockIccids[55 + languages.indexOf(language)] });
    await chat.do('next', { fixedOption: 'IN_USE' });
    const inUse = await db.prisma.phoneNumber.findFirstOrThrow({ where: { kind: 'FIXED', state: 'IN_USE', fixedOf: { status: 'ACTIVE', organisation: { tenantId: DEMO_TENANT_ID } } } });
    await chat.do('next', { fixedNumberId: inUse.id });
    await chat.do('back');
    await chat.do('back');
    await chat.do('next', { fixedOption: 'FREE' });
    await chat.do('next', {});
    const free = await db.prisma.phoneNumber.findFirstOrThrow({ where: { kind: 'FIXED', state: 'FREE' }, orderBy: { e164: 'asc' } });
    await chat.do('next', { fixedNumberId: free.id });
    await chat.do('save', { activationMethod: 'AUTOMATIC' });
    await chat.do('save', { activationMethod: 'AUTOMATIC', activationTiming: 'LATER' });
    const cancelled = conversation(language);
    await cancelled.start();
    await cancelled.do('cancel');
    const refused = conversation(language, jan);
    await refused.start();

    const all = [...chat.cards, ...cancelled.cards, ...refused.cards];
    expect(all.length).toBeGreaterThan(30);
    for (const card of all) {
      expectValidCard(card);
      expectValidCard(withSubmitActions(card));
      expect(card.version).toBe('1.5');
    }
    // The porting card told what was wrong next to the fields, the SIM card its error, and the flow ended saved.
    expect(JSON.stringify(chat.cards)).toContain('"color":"Attention"');
    expect(chat.cards.at(-1)!.body).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'FactSet' })]));
  });

  it.each([
    ['en', 'eSIM — a QR code is sent to the user when the activation starts (30 left in stock)', 'SIM card: eSIM'],
    ['nl', 'eSIM — de gebruiker krijgt een QR-code zodra de activatie start (nog 30 in voorraad)', 'Simkaart: eSIM'],
    ['fr', "eSIM — un code QR est envoyé à l'utilisateur au démarrage de l'activation (encore 30 en stock)", 'Carte SIM: eSIM'],
  ] as const)('step 6 with the eSIM choice and the stock left, and the bundle\'s confirmation once it is chosen (%s)', async (language, esim, fact) => {
    const chat = conversation(language);
    await chat.start();
    await chat.do('search', { query: 'Sofie' });
    await chat.do('next', { productTypeCode: 'DSTNY_MOBILE' });
    await chat.do('next', { serviceTypeCode: 'MOBILE' });
    await chat.do('next', { bundleCode: 'MOB_S' });
    await chat.do('next');
    const sim = await chat.do('next', { numberOption: 'NEW' });
    await chat.do('next', { simOption: 'ESIM' });
    await chat.do('back');
    await chat.do('back');
    const confirm = await chat.do('back');
    await chat.do('cancel');
    for (const card of [sim, confirm]) {
      expectValidCard(card);
      expectValidCard(withSubmitActions(card));
    }
    expect(readCard(sim).choices.simOption).toEqual([t(language, 'addService.sim.userEnters'), t(language, 'addService.sim.adminEnters'), esim]);
    expect(readCard(confirm).texts).toContain(fact);
  });

  it('the checker itself fails on what Teams would not render', () => {
    expect(cardProblems({ type: 'AdaptiveCard', version: '1.6', body: [] })).toEqual(['version 1.6 is newer than Teams renders (1.5)']);
    expect(cardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Input.Text', id: 'x' }] })).toEqual(['input "x" has no label']);
    expect(cardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Input.ChoiceSet', id: 'c', label: 'C', choices: [] }] })).toEqual([
      'validation: An Input.ChoiceSet must have at least one choice defined.',
    ]);
    expect(cardProblems({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Bogus' }] })).toEqual([
      'parse: Unknown element type "Bogus". Fallback will be used if present.',
    ]);
  });
});
