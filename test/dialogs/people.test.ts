import { demo } from '../../prisma/demoData';
import { Verbs } from '../../cards/verbs';
import { peopleFeature } from '../../dialogs/people';
import type { Reply } from '../../dialogs/reply';
import { intentModel } from '../../dialogs/understanding/model';
import type { IntentName } from '../../dialogs/understanding/intents';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';
import { featureTurn } from '../support/featureTurn';
import { actorsOf, buttonOf, cardOf, textOf, textsOf, titlesOf } from './see';

/** Managing people, called directly: what Ann sees when she adds, changes and removes employees, typed or pressed. */

let db: Database;
let ann: Actor;
let jan: Actor;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ({ ann, jan } = await actorsOf(db, { ann: demo.ann.email, jan: demo.jan.email }));
}, 60_000);

afterAll(async () => {
  await db?.close();
});

type Json = Record<string, any>;
/** A form card: Teams' add card carries the people picker, checked by test/cards/peopleCards.test.ts at its own version. */
function formOf(reply: Reply | undefined) {
  if (reply?.kind !== 'card') throw new Error(`expected a card, got ${reply ? `"${reply.text}"` : 'nothing'}`);
  return reply.card;
}
const inputsOf = (reply: Reply | undefined): Json[] => (formOf(reply).body as Json[]).filter((element) => String(element.type).startsWith('Input.'));
const valuesOf = (reply: Reply | undefined) => Object.fromEntries(inputsOf(reply).map((input) => [input.id, input.value]));

/** A button pressed: its data parsed with the verb's schema, as the runner does. */
async function press(actor: Actor, verb: string, data: Json, options: { teams?: boolean } = {}) {
  const { turn, record } = featureTurn(db, actor, options);
  const action = peopleFeature.actions![verb]!;
  const replies = await action.run(turn, (action.data ? action.data.parse(data) : undefined) as never);
  // A form's answer replaces the card pressed.
  return [...replies, ...record.cards.map(({ card }): Reply => ({ kind: 'card', card }))];
}

/** A saved, removed or cancelled form: it became one line saying what was done, with nothing left to press. */
function doneOf(reply: Reply | undefined): string {
  const card = cardOf(reply);
  expect(titlesOf(card)).toEqual([]);
  expect(textsOf(card)).toHaveLength(1);
  return textsOf(card)[0]!;
}

/** A typed request, understood by the intent model and answered by the intent's handler. */
async function types(actor: Actor, text: string, language: 'en' | 'nl' | 'fr' = 'en') {
  const understanding = await (await intentModel()).understand(text, language);
  const intent = understanding.ranking[0]!.intent as IntentName;
  const { turn } = featureTurn(db, actor, { language });
  const answer = peopleFeature.intents?.[intent];
  if (!answer) throw new Error(`"${text}" was read as ${intent}`);
  return answer(turn, { intent, score: understanding.ranking[0]!.score, language, text, entities: understanding.entities });
}

describe('adding an employee', () => {
  test('in Teams the add card offers the directory; saving stores the chosen account with the new person', async () => {
    const [card] = await press(ann, Verbs.people.startAdd, {});
    expect(inputsOf(card).map((input) => input.id)).toEqual(['directoryId', 'displayName', 'email', 'language']);
    const { requestKey } = buttonOf(formOf(card), 'Save').data;
    const [said] = await press(ann, Verbs.people.add, { requestKey, directoryId: 'f0000000-0000-4000-8000-0000000000c1', displayName: 'Nina Picked', email: 'nina.picked@demo.example', language: 'nl' });
    expect(doneOf(said)).toBe("Nina Picked is added with their Teams account: I'll recognise them when they write to me, and you can add a service for them.");
    expect(await db.prisma.person.findFirstOrThrow({ where: { email: 'nina.picked@demo.example' } })).toMatchObject({ aadObjectId: 'f0000000-0000-4000-8000-0000000000c1', role: 'USER', preferredLanguage: 'nl' });
  });

  test('in the web chat plain fields only, and a Teams account sent anyway is not taken', async () => {
    const [card] = await press(ann, Verbs.people.startAdd, {}, { teams: false });
    expect(inputsOf(card).map((input) => input.id)).toEqual(['displayName', 'email', 'language']);
    const [said] = await press(ann, Verbs.people.add, { requestKey: 'web-add-1', directoryId: 'f0000000-0000-4000-8000-0000000000c2', displayName: 'Wim Web', email: 'wim.web@demo.example', language: 'en' }, { teams: false });
    expect(doneOf(said)).toBe("Wim Web is added. When they write to me from Teams with wim.web@demo.example, I'll recognise them; you can add a service for them now.");
    expect((await db.prisma.person.findFirstOrThrow({ where: { email: 'wim.web@demo.example' } })).aadObjectId).toBeNull();
  });

  test('wrong fields: the card comes back with everything typed and what is wrong next to each field', async () => {
    const typed = { requestKey: 'bad-add-1', directoryId: 'none', displayName: 'Jan Twee', email: 'JAN.PEETERS@demo.example', language: 'nl' };
    const [card] = await press(ann, Verbs.people.add, typed);
    expect(valuesOf(card)).toEqual({ directoryId: 'none', displayName: 'Jan Twee', email: 'JAN.PEETERS@demo.example', language: 'nl' });
    expect(textsOf(formOf(card))).toContain('Work email address: Jan Peeters already has this address in your organisation; each person needs their own.');
    const [french] = await (async () => {
      const { turn, record } = featureTurn(db, ann, { language: 'fr' });
      await peopleFeature.actions![Verbs.people.add]!.run(turn, { ...typed, displayName: '', email: 'pas une adresse' } as never);
      return record.cards;
    })();
    expect(textsOf(french!.card)).toEqual(expect.arrayContaining([
      'Nom complet : tapez le prénom et le nom de la personne.',
      "Adresse e-mail professionnelle : ce n'est pas une adresse e-mail ; elle ressemble à nom@entreprise.be.",
    ]));
  });

  test('"add Marie Dubois as a user", typed: the add card with the name as typed', async () => {
    const [card] = await types(ann, 'add Marie Dubois as a user');
    expect(valuesOf(card)).toMatchObject({ displayName: 'Marie Dubois', email: '' });
  });
});

describe('changing and removing', () => {
  test('"change Jan\'s email": Jan\'s card, filled; saving says what is kept', async () => {
    const [card] = await types(ann, "change Jan's email");
    expect(textsOf(cardOf(card))[0]).toBe('Change Jan Peeters');
    expect(valuesOf(card)).toEqual({ displayName: 'Jan Peeters', email: demo.jan.email, language: 'nl' });
    const { personId } = buttonOf(cardOf(card), 'Save').data;
    const [said] = await press(ann, Verbs.people.change, { personId, displayName: 'Jan Peeters', email: 'jan.p@demo.example', language: 'nl' });
    expect(doneOf(said)).toBe('Saved: Jan Peeters, jan.p@demo.example, Nederlands.');
    await press(ann, Verbs.people.change, { personId, displayName: 'Jan Peeters', email: demo.jan.email, language: 'nl' });
  });

  test('every form and question carries one key on all its buttons, so that the web chat can answer in its place', async () => {
    const [form] = await press(ann, Verbs.people.startAdd, {}, { teams: false });
    const keys = new Set(titlesOf(cardOf(form)).map((title) => buttonOf(cardOf(form), title).data.cardKey));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
    const [cancelled] = await press(ann, Verbs.people.cancel, {}, { teams: false });
    expect(doneOf(cancelled)).toBe('Nothing was changed.');
  });

  test('"verwijder Jan Peeters": his services by state, why he cannot be removed yet, and no button that removes', async () => {
    const [card] = await types(ann, 'verwijder Jan Peeters', 'nl');
    expect(textsOf(cardOf(card))).toEqual([
      'Jan Peeters verwijderen?',
      'De diensten van Jan Peeters, per status:',
      '• Wacht op het simkaartnummer: 1',
      expect.stringMatching(/^Ik kan Jan Peeters nog niet verwijderen: /),
    ]);
    expect(titlesOf(cardOf(card))).toEqual(['Annuleren']);
  });

  test('someone without services: asked, confirmed, removed, and then gone from the search', async () => {
    await db.prisma.person.create({ data: { organisationId: ann.organisationId, role: 'USER', email: 'otto.old@demo.example', displayName: 'Otto Old' } });
    const [question] = await types(ann, 'remove Otto Old');
    expect(textsOf(cardOf(question)).slice(0, 2)).toEqual(['Remove Otto Old?', 'Otto Old has no services.']);
    const [said] = await press(ann, Verbs.people.remove, buttonOf(cardOf(question), 'Yes, remove').data);
    expect(doneOf(said)).toBe('Otto Old is removed. Their services and history stay; they can no longer use the assistant.');
    const [list] = await press(ann, Verbs.people.find, { query: 'Otto' });
    expect(textsOf(cardOf(list))).toContain('No employee matches "Otto". Check the spelling, or add them.');
  });
});

test('an employee who asks is told who manages people', async () => {
  expect(peopleFeature.mayUse!(jan)).toBe(false);
  expect(textOf(peopleFeature.refusal('en', { status: 'known', actor: jan }))).toBe(
    "Only your organisation's fleet administrators manage people, and only their own organisation's employees. Administrators and support people are added by Dstny.",
  );
});
