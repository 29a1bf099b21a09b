import type { AdaptiveCard } from '../../cards/render';
import type { Language } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import { demo } from '../../prisma/demoData';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';
import { pressInWizard, type Shown } from '../support/wizardTurn';
import { actorsOf, buttonOf, formOf, inputOf, textsOf, titlesOf, underInput } from './see';

/** "Add a service" for someone the search does not find: Ann adds them from the flow's card and goes on. */

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

const press = (actor: Actor, verb: string, data: Json, state: unknown, language: Language = 'en') => pressInWizard(db, actor, verb, data, state, language);

/** "Add a service", then the search box with `query`. */
async function searchFor(query: string, language: Language = 'en'): Promise<Shown> {
  const started = await press(ann, Verbs.addService.start, {}, undefined, language);
  const search = buttonOf(started.card, language === 'en' ? 'Search' : 'Zoeken');
  return press(ann, search.verb, { ...formOf(started.card, { query }), ...search.data }, started.state, language);
}

/** The button pressed as the client sends it: the card's inputs, changed where Ann typed, with the button's data. */
function sent(shown: Shown, title: string, typed: Record<string, string> = {}): [string, Json] {
  const button = buttonOf(shown.card, title);
  return [button.verb, { ...formOf(shown.card, typed), ...button.data }];
}

const titleOf = (card: AdaptiveCard) => textsOf(card).find((text) => !text.startsWith('Step '));
const people = (email: string) => db.prisma.person.findMany({ where: { email } });

describe('nobody matches the search', () => {
  test('the card offers to add who was typed, and adding them goes on to the product as when a person is picked', async () => {
    const none = await searchFor('Nora New');
    expect(textsOf(none.card)).toContain('Nobody in your organisation matches "Nora New". Check the spelling, or try part of the name or the email address.');
    expect(textsOf(none.card)).toContain('Add as a new user');
    expect([inputOf(none.card, 'displayName').value, inputOf(none.card, 'email').value, inputOf(none.card, 'language').value]).toEqual(['Nora New', '', 'en']);
    expect(titlesOf(none.card)).toContain('Add Nora New as a new user');

    const [verb, data] = sent(none, 'Add Nora New as a new user', { email: 'nora.new@demo.example' });
    const product = await press(ann, verb, data, none.state);
    expect(textsOf(product.card).slice(0, 3)).toEqual(['Step 1 of 8', 'Choose the product type', 'For Nora New']);
    const [nora] = await people('nora.new@demo.example');
    expect(nora).toMatchObject({ displayName: 'Nora New', role: 'USER', preferredLanguage: 'en', organisationId: ann.organisationId });
    expect((product.state as Json).draft.userId).toBe(nora!.id);
  });

  test('an email address typed in the search goes in the address field; the language is the administrator\'s', async () => {
    const none = await searchFor('wout.nieuw@demo.example', 'nl');
    expect(textsOf(none.card)).toContain('Toevoegen als nieuwe gebruiker');
    expect([inputOf(none.card, 'displayName').value, inputOf(none.card, 'email').value, inputOf(none.card, 'language').value]).toEqual(['', 'wout.nieuw@demo.example', 'nl']);
    // A long address is shortened on the button, so that it fits a phone.
    expect(titlesOf(none.card)).toContain('wout.nieuw@demo.examp… toevoegen als gebruiker');
  });

  test('problems come back next to their fields, with everything typed kept and nobody added', async () => {
    const none = await searchFor('Nora Twin');
    const typed = { displayName: 'Nora Twin', email: demo.jan.email.toUpperCase(), language: 'nl' };
    const back = await press(ann, ...sent(none, 'Add Nora Twin as a new user', typed), none.state);
    expect(titleOf(back.card)).toBe('Who is the service for?');
    expect(underInput(back.card, 'email')).toBe('Work email address: Jan Peeters already has this address in your organisation; each person needs their own.');
    expect(formOf(back.card)).toEqual({ query: 'Nora Twin', ...typed });
    expect(textsOf(back.card)).toContain('Nobody in your organisation matches "Nora Twin". Check the spelling, or try part of the name or the email address.');

    const again = await press(ann, ...sent(back, 'Add Nora Twin as a new user', { displayName: ' ', email: 'nora.twin@demo.example' }), back.state);
    expect(underInput(again.card, 'displayName')).toBe("Full name: type the person's first and last name.");
    expect(underInput(again.card, 'email')).toBeUndefined();
    expect(await people('nora.twin@demo.example')).toEqual([]);
  });

  test('a double press adds one person: the second press, arriving before the first was kept, finds the same person', async () => {
    const none = await searchFor('Nora Double');
    const pressed = sent(none, 'Add Nora Double as a new user', { email: 'nora.double@demo.example' });
    const first = await press(ann, ...pressed, none.state);
    const second = await press(ann, ...pressed, none.state);
    const late = await press(ann, ...pressed, first.state);
    for (const shown of [first, second, late]) expect(textsOf(shown.card).slice(0, 3)).toEqual(['Step 1 of 8', 'Choose the product type', 'For Nora Double']);
    const added = await people('nora.double@demo.example');
    expect(added).toHaveLength(1);
    expect((second.state as Json).draft.userId).toBe(added[0]!.id);
  });

  test('someone who is not an administrator adds nobody, even with an administrator\'s card', async () => {
    const none = await searchFor('Nora Sneaky');
    const refused = await press(jan, ...sent(none, 'Add Nora Sneaky as a new user', { email: 'nora.sneaky@demo.example' }), none.state);
    expect(textsOf(refused.card)).toContain("Only your organisation's fleet administrators can add services. If you need a SIM card or a new service, please ask them.");
    expect(await people('nora.sneaky@demo.example')).toEqual([]);
  });
});
