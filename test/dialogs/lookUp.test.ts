import crypto from 'node:crypto';
import { demo, other } from '../../prisma/demoData';
import { askWhom, deniedReply, escalate, lookUp, resendEmail, serviceCard, showPerson } from '../../dialogs/lookUp';
import type { Database } from '../../services/platform/db/database';
import { AccessDenied, type Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';
import { actorOf, actorsOf, buttonOf, buttonsOf, cardOf, factsOf, textOf, textsOf, titlesOf } from './see';

/**
 * Looking up a user, called directly: support's and the administrator's view of a person's services and timeline,
 * an employee's own, and what each may not see.
 */

let db: Database;
let ann: Actor;
let sam: Actor;
let jan: Actor;
let olga: Actor;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ({ ann, sam, jan, olga } = await actorsOf(db, { ann: demo.ann.email, sam: demo.sam.email, jan: demo.jan.email, olga: other.olga.email }));
});

afterAll(async () => {
  await db?.close();
});

const newKey = () => crypto.randomUUID();
const serviceOf = (email: string) => db.prisma.service.findFirstOrThrow({ where: { user: { email } } });
const audits = (action: string) => db.prisma.auditEvent.count({ where: { action } });

test.each([
  ['en', 'Whom should I look up? Type a name, an email address, a phone number or a SIM card number.'],
  ['nl', 'Wie moet ik opzoeken? Typ een naam, een e-mailadres, een telefoonnummer of een simkaartnummer.'],
  ['fr', 'Qui dois-je rechercher ? Tapez un nom, une adresse e-mail, un numéro de téléphone ou un numéro de carte SIM.'],
] as const)('"Look up a user" asks whom, in %s', (language, question) => {
  expect(textOf(askWhom(language))).toBe(question);
});

describe("support's look-up", () => {
  test("Sam looks up Jan by address: his service's card, its timeline, and what support can do", async () => {
    const [reply, ...more] = await lookUp(db.prisma, sam, 'en', { email: demo.jan.email }, newKey);
    expect(more).toEqual([]);
    const card = cardOf(reply);
    expect(textsOf(card).slice(0, 2)).toEqual(['Jan Peeters: Dstny Mobile (Mobile) · 0468 10 00 01', 'Demo Company NV']);
    expect(factsOf(card)).toMatchObject({ Status: 'Waiting for the SIM card number' });
    expect(textsOf(card)).toEqual(expect.arrayContaining(['Timeline', expect.stringMatching(/: Service created$/), expect.stringMatching(/: Activation email sent$/)]));
    expect(titlesOf(card)).toEqual(['Resend the activation email', 'Escalate to the administrator']);
    const service = await serviceOf(demo.jan.email);
    expect(buttonOf(card, 'Escalate to the administrator')).toMatchObject({ verb: 'support.escalate', data: { serviceId: service.id, requestKey: expect.any(String) } });
  });

  test.each([
    ['nl', 'Wacht op het simkaartnummer', ['Activatiemail opnieuw sturen', 'Naar de beheerder escaleren']],
    ['fr', 'En attente du numéro de carte SIM', ["Renvoyer l'e-mail", 'Prévenir le gestionnaire']],
  ] as const)('in %s, the same card in its own words', async (language, status, buttons) => {
    const card = cardOf((await lookUp(db.prisma, sam, language, { email: demo.jan.email }, newKey))[0]);
    expect(Object.values(factsOf(card))).toContain(status);
    expect(titlesOf(card)).toEqual(buttons);
  });

  test("Pieter by name: his refused transfer and why; support may not fix it, so only escalation is offered", async () => {
    const card = cardOf((await lookUp(db.prisma, sam, 'en', { name: 'Pieter' }, newKey))[0]);
    expect(textsOf(card)[0]).toMatch(/^Pieter Janssens: /);
    expect(factsOf(card)).toMatchObject({
      Porting: 'Refused',
      'Refused because': 'Proximus refused the transfer: the customer number given does not match the one Proximus has for this number. It is on a recent Proximus invoice.',
      // What the operator sent besides its code, quoted as its own words for support to read back.
      "The operator's own words": expect.stringMatching(/^“Proximus refused the transfer: .+”$/),
    });
    expect(titlesOf(card)).toEqual(['Escalate to the administrator']);
  });

  test('a name that fits several people asks which one, each a button that shows that person', async () => {
    await db.prisma.person.create({
      data: { organisationId: sam.organisationId, role: 'USER', email: 'jan.willems@demo.example', displayName: 'Jan Willems' },
    });
    const card = cardOf((await lookUp(db.prisma, sam, 'en', { name: 'Jan' }, newKey))[0]);
    expect(textsOf(card)).toEqual(['Several people match "Jan". Whom do you mean?']);
    expect(titlesOf(card).sort()).toEqual(['Jan Peeters (Demo Company NV)', 'Jan Willems (Demo Company NV)']);
    const peeters = buttonOf(card, 'Jan Peeters (Demo Company NV)');
    expect(peeters).toEqual({ title: 'Jan Peeters (Demo Company NV)', verb: 'support.showPerson', data: { personId: jan.id } });

    expect(textsOf(cardOf((await showPerson(db.prisma, sam, 'en', jan.id, newKey))[0]))[0]).toBe('Jan Peeters: Dstny Mobile (Mobile) · 0468 10 00 01');
    expect(textOf((await showPerson(db.prisma, sam, 'fr', buttonOf(card, 'Jan Willems (Demo Company NV)').data.personId, newKey))[0])).toBe(
      "Jan Willems n'a pas encore de service.",
    );
  });

  test("a person button carrying someone of another organisation is refused and audited, showing nothing of them", async () => {
    const oscar = await actorOf(db, other.oscar.email);
    const before = await audits('service.lookup.denied');
    expect((await showPerson(db.prisma, sam, 'en', oscar.id, newKey)).map(textOf)).toEqual([
      "You can't see that service: it belongs to someone you may not look up. The attempt was recorded.",
    ]);
    expect(await audits('service.lookup.denied')).toBe(before + 1);
  });

  test('one letter is answered with what to type, not looked up', async () => {
    expect((await lookUp(db.prisma, sam, 'nl', { name: 'J' }, newKey)).map(textOf)).toEqual([
      'Dat is te kort of te lang om op te zoeken. Typ minstens twee letters van een naam, een e-mailadres, een telefoonnummer of een simkaartnummer.',
    ]);
  });
});

describe("the administrator's look-up", () => {
  test("Ann looking up Pieter gets the Fix of his refused transfer, and no offer to escalate to herself", async () => {
    const card = cardOf((await lookUp(db.prisma, ann, 'en', { name: 'Pieter Janssens' }, newKey))[0]);
    expect(titlesOf(card)).toEqual(['Fix the porting request']);
    const request = await db.prisma.portingRequest.findFirstOrThrow({ where: { service: { user: { email: demo.pieter.email } } } });
    expect(buttonOf(card, 'Fix the porting request')).toMatchObject({ verb: 'portingIssues.fix', data: { requestId: request.id } });
  });

  test("Ann looking up Marie, whose service waits for its start, can start it from the card, in Dutch", async () => {
    const card = cardOf((await lookUp(db.prisma, ann, 'nl', { email: demo.marie.email }, newKey))[0]);
    expect(titlesOf(card)).toEqual(['Starten']);
    expect(buttonOf(card, 'Starten')).toMatchObject({ verb: 'waitingServices.start', data: { serviceId: (await serviceOf(demo.marie.email)).id } });
  });
});

describe('what each may not see', () => {
  test("Sam finds nobody of Other Org BV, even by address", async () => {
    expect((await lookUp(db.prisma, sam, 'en', { email: other.oscar.email }, newKey)).map(textOf)).toEqual([
      `I found no one matching "${other.oscar.email}" among the people you may look up.`,
    ]);
  });

  test("Olga, administrator of Other Org BV, cannot open a Demo Company NV service by its id; the attempt is audited", async () => {
    const before = await audits('service.timeline.denied');
    await expect(serviceCard(db.prisma, olga, 'en', (await serviceOf(demo.jan.email)).id, newKey())).rejects.toBeInstanceOf(AccessDenied);
    expect(await audits('service.timeline.denied')).toBe(before + 1);
  });

  test("support's buttons with another organisation's service id are refused, audited, and do nothing", async () => {
    const oscarService = await serviceOf(other.oscar.email);
    const before = await audits('service.timeline.denied');
    await expect(escalate(db.prisma, sam, 'en', oscarService.id, newKey())).rejects.toBeInstanceOf(AccessDenied);
    await expect(resendEmail(db.prisma, sam, 'en', oscarService.id, { requestKey: newKey(), linkDays: 14 })).rejects.toBeInstanceOf(AccessDenied);
    expect(await audits('service.timeline.denied')).toBe(before + 2);
    expect(await db.prisma.notification.count({ where: { serviceId: oscarService.id, kind: 'help.escalated' } })).toBe(0);
  });

  test.each([
    ['en', "You can't see that service: it belongs to someone you may not look up. The attempt was recorded."],
    ['nl', 'Je kan die dienst niet zien: hij hoort bij iemand die je niet mag opzoeken. De poging werd geregistreerd.'],
    ['fr', "Vous ne pouvez pas voir ce service : il appartient à quelqu'un que vous ne pouvez pas rechercher. La tentative a été enregistrée."],
  ] as const)('such a refusal says, in %s', (language, sentence) => {
    expect(textOf(deniedReply(language))).toBe(sentence);
  });
});

describe("an employee's own service", () => {
  test('Jan sees his own service in Dutch, without the buttons of support and administrators', async () => {
    const card = cardOf((await lookUp(db.prisma, jan, 'nl', {}, newKey))[0]);
    expect(textsOf(card)[0]).toBe('Jan Peeters: Dstny Mobile (Mobiel) · 0468 10 00 01');
    expect(factsOf(card)).toMatchObject({ Status: 'Wacht op het simkaartnummer' });
    expect(buttonsOf(card)).toEqual([]);
  });

  test("Jan asking for Marie's service is refused in Dutch, and the attempt audited", async () => {
    const before = await audits('service.lookup.denied');
    expect((await lookUp(db.prisma, jan, 'nl', { email: demo.marie.email }, newKey)).map(textOf)).toEqual([
      'Je kan alleen je eigen diensten zien. Zeg "status van mijn dienst" om de jouwe te zien.',
    ]);
    expect(await audits('service.lookup.denied')).toBe(before + 1);
  });

  test('an administrator with no service of her own is told who adds one', async () => {
    expect((await lookUp(db.prisma, ann, 'fr', {}, newKey)).map(textOf)).toEqual([
      'Vous n\'avez pas encore de service : votre gestionnaire de flotte en ajoute un pour vous.',
    ]);
  });
});

describe("the card's buttons", () => {
  test("support resends Jan's activation email once per card, in French", async () => {
    const { id } = await serviceOf(demo.jan.email);
    const requestKey = newKey();
    expect(textOf(await resendEmail(db.prisma, sam, 'fr', id, { requestKey, linkDays: 14 }))).toBe(
      'Un nouvel e-mail d\'activation est en route vers Jan Peeters ; les liens envoyés avant ne marchent plus.',
    );
    expect(textOf(await resendEmail(db.prisma, sam, 'fr', id, { requestKey, linkDays: 14 }))).toBe('Cet e-mail d\'activation a déjà été renvoyé depuis cette carte.');
  });

  test("support escalates Jan's service to Ann once, however often it is pressed", async () => {
    const { id } = await serviceOf(demo.jan.email);
    const requestKey = newKey();
    expect(textOf(await escalate(db.prisma, sam, 'en', id, requestKey))).toBe(
      "I've told Ann Admin, fleet administrator of Demo Company NV, about Jan Peeters's service.",
    );
    expect(textOf(await escalate(db.prisma, sam, 'nl', id, requestKey))).toBe('Ann Admin had dit al over de dienst van Jan Peeters.');
    expect(await db.prisma.escalation.count({ where: { requestKey } })).toBe(1);
  });
});
