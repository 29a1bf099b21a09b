import crypto from 'node:crypto';
import { demo } from '../../prisma/demoData';
import { Verbs } from '../../cards/verbs';
import type { Language } from '../../cards/strings';
import { esimReplacementFeature } from '../../dialogs/esim';
import { articleFor } from '../../dialogs/knowledge/knowledgeBase';
import { lookUp } from '../../dialogs/lookUp';
import { overviewReply } from '../../dialogs/overview';
import { intentModel } from '../../dialogs/understanding/model';
import { SimForm, SimState } from '../../prisma/generated/enums';
import { recordEsimInstalled } from '../../services/simCards/esimProfiles';
import { recordActivationResult } from '../../services/lifecycle/activationResult';
import type { Database } from '../../services/platform/db/database';
import { AccessDenied, type Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';
import { startedEsimService } from '../support/esimService';
import { featureTurn } from '../support/featureTurn';
import { newWaitingService } from '../support/waitingService';
import { actorsOf, buttonOf, buttonsOf, cardOf, textOf, textsOf, titlesOf } from './see';

/**
 * A new eSIM for a lost, broken or new phone, called directly: what the employee sees when they ask for it in their
 * words and confirm, what a SIM card's holder gets instead, and the administrator's button on the service's card.
 */

let db: Database;
let ann: Actor;
let sam: Actor;
let pieter: Actor;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ({ ann, sam, pieter } = await actorsOf(db, { ann: demo.ann.email, sam: demo.sam.email, pieter: demo.pieter.email }));
}, 60_000);

afterAll(async () => {
  await db?.close();
});

type Json = Record<string, any>;

/** A typed request, understood by the intent model as the bot does, and answered by the feature. */
async function types(actor: Actor, text: string, language: Language) {
  const understanding = await (await intentModel()).understand(text, language);
  const intent = understanding.ranking[0]!.intent;
  expect([text, intent]).toEqual([text, 'esimReplacement']);
  const { turn } = featureTurn(db, actor, { language });
  return esimReplacementFeature.intents!.esimReplacement!(turn, { intent: 'esimReplacement', score: 1, language, text, entities: understanding.entities });
}

/** A button pressed, its data parsed with the verb's schema as the runner does: its replies, and the cards shown in place. */
async function press(actor: Actor, verb: string, data: Json, language: Language = 'en') {
  const { turn, record } = featureTurn(db, actor, { language, pressedCardId: 'confirm-card' });
  const action = esimReplacementFeature.actions![verb]!;
  const replies = await action.run(turn, action.data!.parse(data) as never);
  return { replies, shown: record.cards };
}

/** The one sentence a confirmation became in place of the card, with nothing left to press. */
async function pressedInPlace(actor: Actor, verb: string, data: Json, language: Language = 'en'): Promise<string> {
  const { replies, shown } = await press(actor, verb, data, language);
  expect(replies).toEqual([]);
  expect(shown.map(({ replacing }) => replacing)).toEqual(['confirm-card']);
  const card = cardOf({ kind: 'card', card: shown[0]!.card });
  expect(titlesOf(card)).toEqual([]);
  return textsOf(card).join(' ');
}

let people = 0;
/** An employee of the demo organisation with no service yet, writing in `language`. */
async function employee(language: Language): Promise<Actor> {
  const n = ++people;
  return db.prisma.person.create({
    data: { organisationId: ann.organisationId, role: 'USER', email: `esim.${n}@demo.example`, displayName: `Eva Esim ${n}`, preferredLanguage: language },
    include: { organisation: true },
  });
}

const serviceNow = (id: string) => db.prisma.service.findUniqueOrThrow({ where: { id }, include: { simCard: true } });

describe('the employee asks for a new eSIM', () => {
  test.each([
    ['en', ['I got a new phone', 'my phone broke, I need my eSIM again', 'I deleted the eSIM'], 'A new eSIM for Dstny Mobile (Mobile) · ', 'New phone, broken phone or deleted eSIM? I\'ll send you a new eSIM to install. Your current eSIM stops working as soon as I send it.', ['Send me a new eSIM: the current one stops working', 'Keep my current eSIM']],
    ['nl', ['ik heb een nieuwe gsm', 'mijn gsm is kapot, ik heb mijn eSIM opnieuw nodig', 'ik heb de eSIM verwijderd'], 'Een nieuwe eSIM voor Dstny Mobile (Mobiel) · ', 'Nieuwe telefoon, kapotte telefoon of eSIM gewist? Ik stuur je een nieuwe eSIM om te installeren. Je huidige eSIM werkt niet meer zodra ik de nieuwe verstuur.', ['Stuur me een nieuwe eSIM: de huidige werkt dan niet meer', 'Mijn huidige eSIM houden']],
    ['fr', ["j'ai un nouveau téléphone", "mon téléphone est cassé, j'ai encore besoin de mon eSIM", "j'ai supprimé l'eSIM"], 'Une nouvelle eSIM pour Dstny Mobile (Mobile) · ', 'Nouveau téléphone, téléphone cassé ou eSIM supprimée ? Je vous envoie une nouvelle eSIM à installer. Votre eSIM actuelle cesse de fonctionner dès que je l\'envoie.', ['Envoyez-moi une nouvelle eSIM : l\'actuelle cessera de fonctionner', 'Garder mon eSIM actuelle']],
  ] as const)('in %s, in their words: a confirmation for their eSIM service, and nothing changes until they confirm', async (language, texts, title, text, buttons) => {
    const eva = await employee(language);
    const { service } = await startedEsimService(db.prisma, eva.email);
    for (const typed of texts) {
      const replies = await types(eva, typed, language);
      expect(replies).toHaveLength(1);
      const card = cardOf(replies[0]);
      expect(textsOf(card)[0]).toMatch(new RegExp(`^${title.replace(/[()·?]/g, '\\$&')}`));
      expect(textsOf(card)[1]).toBe(text);
      expect(titlesOf(card)).toEqual(buttons);
      expect(buttonOf(card, buttons[0]).data).toMatchObject({ serviceId: service.id });
    }
    expect((await serviceNow(service.id)).simCardId).toBe(service.simCardId);
  });

  test('confirmed: the current eSIM stops, a new one is on its way; a second press sends nothing more', async () => {
    const eva = await employee('nl');
    const { service, esim } = await startedEsimService(db.prisma, eva.email);
    await recordEsimInstalled(db.prisma, esim.iccid);
    await recordActivationResult(db.prisma, service.id, { outcome: 'ACTIVE' });
    const [confirm] = await types(eva, 'mijn gsm is kapot, ik heb mijn eSIM opnieuw nodig', 'nl');
    const send = buttonOf(cardOf(confirm), 'Stuur me een nieuwe eSIM: de huidige werkt dan niet meer');

    expect(await pressedInPlace(eva, send.verb, send.data, 'nl')).toBe('Er is een nieuwe eSIM onderweg: je krijgt hem zo meteen hier, en per e-mail. Je oude eSIM werkt niet meer.');
    const after = await serviceNow(service.id);
    expect(after).toMatchObject({ status: 'ACTIVE', simCard: { form: SimForm.ESIM, state: SimState.ASSIGNED } });
    expect(after.simCardId).not.toBe(service.simCardId);
    expect((await db.prisma.simCard.findUniqueOrThrow({ where: { iccid: esim.iccid } })).state).toBe(SimState.DEACTIVATED);

    expect(await pressedInPlace(eva, send.verb, send.data, 'nl')).toBe('Er is een nieuwe eSIM onderweg: je krijgt hem zo meteen hier, en per e-mail. Je oude eSIM werkt niet meer.');
    expect((await serviceNow(service.id)).simCardId).toBe(after.simCardId);
    expect(await db.prisma.serviceEvent.count({ where: { serviceId: service.id, kind: 'esim_replaced' } })).toBe(1);
  });

  test('kept: nothing changes', async () => {
    const eva = await employee('en');
    const { service } = await startedEsimService(db.prisma, eva.email);
    const [confirm] = await types(eva, 'I got a new phone', 'en');
    const keep = buttonOf(cardOf(confirm), 'Keep my current eSIM');
    expect(await pressedInPlace(eva, keep.verb, keep.data)).toBe('Nothing changed: your current eSIM keeps working.');
    expect((await serviceNow(service.id)).simCardId).toBe(service.simCardId);
  });

  test('with no eSIM left in stock: said so, the current eSIM kept, and the administrators told', async () => {
    const eva = await employee('fr');
    const { service } = await startedEsimService(db.prisma, eva.email);
    const [confirm] = await types(eva, "j'ai un nouveau téléphone", 'fr');
    const send = buttonOf(cardOf(confirm), 'Envoyez-moi une nouvelle eSIM : l\'actuelle cessera de fonctionner');
    const left = await db.prisma.simCard.findMany({ where: { organisationId: eva.organisationId, form: SimForm.ESIM, state: SimState.IN_STOCK }, select: { id: true } });
    await db.prisma.simCard.updateMany({ where: { id: { in: left.map((card) => card.id) } }, data: { state: SimState.DEACTIVATED } });
    try {
      expect(await pressedInPlace(eva, send.verb, send.data, 'fr')).toBe(
        "Je ne peux pas vous envoyer de nouvelle eSIM pour l'instant : votre organisation n'en a plus. J'ai prévenu votre gestionnaire de flotte, qui peut en commander et vous l'envoyer. D'ici là, votre eSIM actuelle reste inchangée.",
      );
      expect((await serviceNow(service.id)).simCardId).toBe(service.simCardId);
      const told = await db.prisma.notification.findMany({ where: { kind: 'esim.outOfStock', serviceId: service.id }, select: { recipient: { select: { role: true, organisationId: true } } } });
      expect(told.length).toBeGreaterThan(0);
      expect(told.every(({ recipient }) => recipient.role === 'ADMINISTRATOR' && recipient.organisationId === eva.organisationId)).toBe(true);

      // The administrator's "Needs you now" names it, with the button that sends it once more are in stock.
      const overview = cardOf(await overviewReply({ db: db.prisma, clockSpeed: 1 }, ann, 'en'));
      expect(textsOf(overview)).toContain('New eSIMs waiting for stock: 1');
      const ask = buttonsOf(overview).find((button) => button.title === 'Send a new eSIM' && button.data.serviceId === service.id);
      expect(ask).toMatchObject({ verb: Verbs.esimReplacement.ask });
      const { replies: [confirm] } = await press(ann, ask!.verb, ask!.data);
      expect(titlesOf(cardOf(confirm))).toEqual(['Send a new eSIM', 'Cancel']);
    } finally {
      await db.prisma.simCard.updateMany({ where: { id: { in: left.map((card) => card.id) } }, data: { state: SimState.IN_STOCK } });
    }
  });

  test('an eSIM not sent yet: it is coming', async () => {
    const eva = await employee('en');
    const waiting = await newWaitingService(db.prisma, eva.email);
    const profile = await db.prisma.simCard.findFirstOrThrow({ where: { organisationId: eva.organisationId, form: SimForm.ESIM, state: SimState.IN_STOCK } });
    await db.prisma.$transaction([
      db.prisma.simCard.update({ where: { id: profile.id }, data: { state: SimState.ASSIGNED } }),
      db.prisma.service.update({ where: { id: waiting.id }, data: { simCardId: profile.id } }),
    ]);
    expect((await types(eva, 'I deleted the eSIM', 'en')).map(textOf)).toEqual([
      "Your eSIM hasn't been sent yet: you'll get it here as soon as your fleet administrator starts your service.",
    ]);
  });

  test('a SIM card\'s holder gets the SIM swap help; someone without a SIM is told there is nothing to send', async () => {
    const swap = articleFor('en', 'simSwap');
    expect((await types(pieter, 'I got a new phone', 'en')).map(textOf)).toEqual([`**${swap.title}**\n\n${swap.body}`]);
    expect((await types(await employee('en'), 'my phone broke, I need my eSIM again', 'en')).map(textOf)).toEqual([
      'You have no service with an eSIM, so there is nothing to send. If your phone needs help, say "help".',
    ]);
  });
});

describe("the administrator's button", () => {
  test('on an eSIM service\'s card only, for administrators; confirmed, a new eSIM goes to the employee', async () => {
    const { service, esim } = await startedEsimService(db.prisma, demo.jan.email);
    const cards = (await lookUp(db.prisma, ann, 'en', { email: demo.jan.email }, () => crypto.randomUUID())).map(cardOf);
    const withButton = cards.filter((card) => titlesOf(card).includes('Send a new eSIM'));
    expect(withButton).toHaveLength(1);
    expect(cards.length).toBeGreaterThan(1);
    const ask = buttonOf(withButton[0]!, 'Send a new eSIM');
    expect(ask).toMatchObject({ verb: Verbs.esimReplacement.ask, data: { serviceId: service.id } });
    for (const card of (await lookUp(db.prisma, sam, 'en', { email: demo.jan.email }, () => crypto.randomUUID())).map(cardOf)) {
      expect(titlesOf(card)).not.toContain('Send a new eSIM');
    }

    const { replies: [confirm] } = await press(ann, ask.verb, ask.data);
    const card = cardOf(confirm);
    expect(textsOf(card)[1]).toBe('Send Jan Peeters a new eSIM? The current one stops working at once; Jan Peeters gets the new one in the chat and by email.');
    expect(titlesOf(card)).toEqual(['Send a new eSIM', 'Cancel']);
    const send = buttonOf(card, 'Send a new eSIM');
    expect(await pressedInPlace(ann, send.verb, send.data)).toBe('A new eSIM is on its way to Jan Peeters. The old one no longer works.');
    expect((await serviceNow(service.id)).simCardId).not.toBe(service.simCardId);
    expect((await db.prisma.simCard.findUniqueOrThrow({ where: { iccid: esim.iccid } })).state).toBe(SimState.DEACTIVATED);
    expect(await db.prisma.auditEvent.count({ where: { action: 'esim.replaced', subjectId: service.id, actorId: ann.id } })).toBe(1);

    // Support pressing a confirmation it was never given is refused by the domain, audited, and told so.
    await expect(press(sam, send.verb, { ...send.data, requestKey: 'esim-replace:forged' })).rejects.toBeInstanceOf(AccessDenied);
    expect(await db.prisma.auditEvent.count({ where: { action: 'esim.replace.denied', actorId: sam.id } })).toBe(1);
    expect(textOf(esimReplacementFeature.denied!('en', sam, send.verb))).toBe("You can't ask for a new eSIM for this service.");
  });
});
