import { DEMO_COMPANY, demo } from '../../prisma/demoData';
import { welcomeFor } from '../../dialogs/welcome';
import type { Organisation } from '../../prisma/generated/client';
import type { Actor, Recognition } from '../../services/people/people';
import { buttonsOf, cardOf, textOf, textsOf, titlesOf } from './see';

/**
 * The first thing a person sees, called directly: what each role can do here, or why they can't and whom to ask.
 * welcomeFor reads only who was recognised, so the people are the demo data's, without a database.
 */

const organisation = { id: 'de300000-0000-4000-8000-0000000000aa', name: DEMO_COMPANY.name, tenantId: DEMO_COMPANY.tenantId } as Organisation;
const known = (person: { displayName: string; role: Actor['role'] }): Recognition => ({
  status: 'known',
  actor: { ...person, id: 'a0000000-0000-4000-8000-0000000000ff', organisationId: organisation.id, organisation } as Actor,
});

describe('someone the bot knows gets a card with what their role can do', () => {
  test.each([
    [
      'en',
      'Hello Ann Admin',
      'As fleet administrator you can add a service for an employee',
      ['Add a service', 'Services waiting for activation', 'Mobile porting issues', 'Overview', 'Manage people'],
    ],
    [
      'nl',
      'Hallo Ann Admin',
      'Als vlootbeheerder kun je een dienst toevoegen voor een medewerker',
      ['Een dienst toevoegen', 'Diensten die wachten op activatie', 'Problemen met nummeroverdracht', 'Overzicht', 'Mensen beheren'],
    ],
    [
      'fr',
      'Bonjour Ann Admin',
      'En tant que gestionnaire de flotte, vous pouvez ajouter un service pour un employé',
      ['Ajouter un service', "Services en attente d'activation", 'Problèmes de transfert de numéro', 'Aperçu', 'Gérer les personnes'],
    ],
  ] as const)('the administrator, in %s', (language, greeting, intro, buttons) => {
    const card = cardOf(welcomeFor(known(demo.ann), language));
    const [shownGreeting, shownOrganisation, shownIntro] = textsOf(card);
    expect(shownGreeting).toBe(greeting);
    expect(shownOrganisation).toBe('Demo Company NV');
    expect(shownIntro).toContain(intro);
    expect(shownIntro).toContain('Demo Company NV');
    expect(titlesOf(card)).toEqual(buttons);
    expect(buttonsOf(card).map((button) => button.verb)).toEqual(['welcome.addService', 'welcome.waitingServices', 'welcome.portingIssues', 'welcome.overview', 'welcome.managePeople']);
  });

  test.each([
    ['en', ['Activate my SIM card', 'Get help']],
    ['nl', ['Mijn simkaart activeren', 'Hulp krijgen']],
    ['fr', ['Activer ma carte SIM', "Obtenir de l'aide"]],
  ] as const)("an employee, in %s, sees only an employee's buttons", (language, buttons) => {
    const card = cardOf(welcomeFor(known(demo.jan), language));
    expect(titlesOf(card)).toEqual(buttons);
    expect(buttonsOf(card).map((button) => button.verb)).toEqual(['welcome.activateSim', 'welcome.getHelp']);
  });

  test('support, in English, sees the look-up only', () => {
    const card = cardOf(welcomeFor(known(demo.sam), 'en'));
    expect(textsOf(card)[2]).toBe("You're on the support team for Demo Company NV. Look up a user to see their service and how its activation is going.");
    expect(buttonsOf(card)).toEqual([{ title: 'Look up a user', verb: 'welcome.lookUpUser', data: {} }]);
  });
});

describe("someone the bot does not know is told why, and whom to ask", () => {
  test.each([
    ['en', 'Sorry, your organisation is not registered for the SIM activation assistant. Please ask your fleet administrator, or call Dstny support on 02 401 97 00 (option 1).'],
    ['nl', 'Sorry, je organisatie is niet geregistreerd voor de simactivatie-assistent. Vraag het aan je vlootbeheerder, of bel Dstny support op 02 401 97 00 (optie 1).'],
    ['fr', "Désolé, votre organisation n'est pas enregistrée pour l'assistant d'activation SIM. Adressez-vous à votre gestionnaire de flotte ou appelez le support Dstny au 02 401 97 00 (option 1)."],
  ] as const)('an organisation that is not a customer, in %s', (language, sentence) => {
    expect(textOf(welcomeFor({ status: 'unknown-organisation' }, language))).toBe(sentence);
  });

  const administrators = [
    { displayName: 'Ann Admin', email: 'ann.admin@demo.example' },
    { displayName: 'Bert Beheer', email: 'bert.beheer@demo.example' },
  ];

  test.each([
    ['en', 'Sorry, your account is not registered in Demo Company NV yet. Please ask your fleet administrator (Ann Admin and Bert Beheer) to add you.'],
    ['nl', 'Sorry, je account is nog niet geregistreerd bij Demo Company NV. Vraag je vlootbeheerder (Ann Admin en Bert Beheer) om je toe te voegen.'],
    ['fr', 'Désolé, votre compte n\'est pas encore enregistré chez Demo Company NV. Demandez à votre gestionnaire de flotte (Ann Admin et Bert Beheer) de vous ajouter.'],
  ] as const)("a person a customer's tenant has not added, in %s, is named the administrators to ask", (language, sentence) => {
    expect(textOf(welcomeFor({ status: 'unknown-person', organisation, administrators }, language))).toBe(sentence);
  });

  test('an organisation with no administrator in the assistant points to Dstny support', () => {
    expect(textOf(welcomeFor({ status: 'unknown-person', organisation, administrators: [] }, 'en'))).toBe(
      'Sorry, your account is not registered in Demo Company NV yet. Please ask your fleet administrator to add you, or call Dstny support on 02 401 97 00 (option 1).',
    );
  });

  test.each([
    ['en', 'SIM activation assistant', 'Employees: open the personal activation link'],
    ['nl', 'Simactivatie-assistent', 'Medewerkers: open de persoonlijke activatielink'],
    ['fr', "Assistant d'activation SIM", "Employés : ouvrez le lien d'activation personnel"],
  ] as const)('an anonymous visitor of the web chat, in %s, gets general help and no button', (language, title, employees) => {
    const card = cardOf(welcomeFor({ status: 'anonymous' }, language));
    const texts = textsOf(card);
    expect(texts[0]).toBe(title);
    expect(texts).toHaveLength(5);
    expect(texts[2]).toMatch(new RegExp(`^${employees}`));
    expect(texts[4]).toContain('02 401 97 00');
    expect(buttonsOf(card)).toEqual([]);
  });
});
