import { parse } from 'csv-parse/sync';
import { demo, other } from '../../prisma/demoData';
import {
  deniedReply,
  exportFile,
  listDataSchema,
  markHandledReply,
  openServiceReply,
  overviewReply,
  retryReply,
  serviceListReply,
} from '../../dialogs/overview';
import { escalateToAdministrators } from '../../services/lifecycle/escalation';
import type { Database } from '../../services/platform/db/database';
import { AccessDenied, type Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';
import { actorsOf, buttonOf, buttonsOf, cardOf, inputOf, textOf, textsOf, titlesOf, underInput } from './see';

/**
 * The fleet overview, called directly: the counts and what needs the administrator now with the buttons that
 * unblock it, the lists behind the counts, a service's card, the CSV export, and who is refused.
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

const deps = () => ({ db: db.prisma, clockSpeed: 720 });
const serviceOf = (email: string) => db.prisma.service.findFirstOrThrow({ where: { user: { email } } });
const denials = () => db.prisma.auditEvent.count({ where: { action: 'overview.denied' } });

describe('the counts card', () => {
  test("Ann sees what needs her now, each with the button that unblocks it, then the counts by state", async () => {
    const card = cardOf(await overviewReply(deps(), ann, 'en'));
    const texts = textsOf(card);
    expect(texts.slice(0, 3)).toEqual(['Fleet overview', expect.stringMatching(/^Demo Company NV · \d+ services$/), 'Needs you now']);
    expect(texts).toEqual(expect.arrayContaining([
      'Porting requests refused or cancelled: 1',
      expect.stringMatching(/^Pieter Janssens · /),
      'Services you have not started yet: 1',
      expect.stringMatching(/^Marie Dubois · /),
      'By state',
    ]));

    const pieterRequest = await db.prisma.portingRequest.findFirstOrThrow({ where: { service: { user: { email: demo.pieter.email } } } });
    expect(buttonOf(card, 'Fix the porting request')).toEqual({ title: 'Fix the porting request', verb: 'portingIssues.fix', data: { requestId: pieterRequest.id } });
    expect(buttonOf(card, 'Start')).toEqual({ title: 'Start', verb: 'waitingServices.start', data: { serviceId: (await serviceOf(demo.marie.email)).id } });
    expect(titlesOf(card)).toEqual(expect.arrayContaining(['Waiting for activation: 1', 'Porting refused or cancelled: 1', 'All services', 'Export (CSV)']));
    expect(buttonOf(card, 'Waiting for activation: 1')).toEqual({
      title: 'Waiting for activation: 1',
      verb: 'overview.list',
      data: { organisationId: ann.organisationId, state: 'waitingForActivation' },
    });
  });

  test.each([
    ['nl', 'Vlootoverzicht', 'Vraagt nu je aandacht', 'Diensten die je nog niet gestart hebt: 1', ['Nummeroverdracht verbeteren', 'Starten', 'Wacht op activatie: 1', 'Alle diensten', 'Exporteren (CSV)']],
    ['fr', 'Aperçu de la flotte', 'Demande votre attention', "Services que vous n'avez pas encore démarrés : 1", ['Corriger la demande de transfert', 'Démarrer', "En attente d'activation : 1", 'Tous les services', 'Exporter (CSV)']],
  ] as const)('in %s, the same card in its own words', async (language, title, attention, notStarted, buttons) => {
    const card = cardOf(await overviewReply(deps(), ann, language));
    expect(textsOf(card)).toEqual(expect.arrayContaining([title, attention, notStarted]));
    expect(titlesOf(card)).toEqual(expect.arrayContaining([...buttons]));
  });

  test("Sam, support, sees the same counts, but what needs the administrator only as services to look up", async () => {
    const card = cardOf(await overviewReply(deps(), sam, 'en'));
    expect(textsOf(card)).toEqual(expect.arrayContaining(['Porting requests refused or cancelled: 1', 'Services you have not started yet: 1']));
    expect(titlesOf(card)).not.toContain('Fix the porting request');
    expect(titlesOf(card)).not.toContain('Start');
    const lookUps = buttonsOf(card).filter((button) => button.title === 'Look up');
    expect(lookUps.length).toBeGreaterThanOrEqual(2);
    for (const button of lookUps) expect(button).toMatchObject({ verb: 'overview.openService', data: { serviceId: expect.any(String) } });
  });

  test('Olga, administrator of Other Org BV, sees her own organisation only', async () => {
    const card = cardOf(await overviewReply(deps(), olga, 'en'));
    expect(textsOf(card)[1]).toMatch(/^Other Org BV · \d+ services$/);
    expect(JSON.stringify(card)).not.toContain('Demo Company NV');
  });
});

describe('who is refused', () => {
  test("Jan, an employee, and Olga with Demo Company NV's id are refused, and each attempt is audited", async () => {
    const before = await denials();
    await expect(overviewReply(deps(), jan, 'nl')).rejects.toBeInstanceOf(AccessDenied);
    await expect(overviewReply(deps(), olga, 'en', ann.organisationId)).rejects.toBeInstanceOf(AccessDenied);
    await expect(serviceListReply(deps(), olga, 'en', { organisationId: ann.organisationId })).rejects.toBeInstanceOf(AccessDenied);
    await expect(exportFile(deps(), olga, 'en', ann.organisationId)).rejects.toBeInstanceOf(AccessDenied);
    expect(await denials()).toBe(before + 4);
  });

  test("Olga cannot open a Demo Company NV service from a row's button", async () => {
    await expect(openServiceReply(deps(), olga, 'en', (await serviceOf(demo.jan.email)).id)).rejects.toBeInstanceOf(AccessDenied);
  });

  test('list data that is not what the card sent is refused with a sentence', async () => {
    expect(textOf(await serviceListReply(deps(), ann, 'fr', { organisationId: 'x'.repeat(500) }))).toBe(
      "L'aperçu de la flotte est réservé aux gestionnaires de flotte et au support, et seulement pour les organisations dont ils s'occupent.",
    );
  });

  test.each([
    ['en', 'The fleet overview is for fleet administrators and support, and only for the organisations they look after.'],
    ['nl', 'Het vlootoverzicht is voor vlootbeheerders en support, en alleen voor de organisaties waarvoor zij zorgen.'],
  ] as const)('the refusal says, in %s', (language, sentence) => {
    expect(textOf(deniedReply(language))).toBe(sentence);
  });
});

describe('the lists', () => {
  test("a count's button lists its services, each opening the service's own card", async () => {
    const list = cardOf(await serviceListReply(deps(), ann, 'en', listDataSchema.parse({ organisationId: ann.organisationId, state: 'waitingForActivation' })));
    expect(textsOf(list)).toEqual(expect.arrayContaining(['Services: Waiting for activation', 'Demo Company NV', expect.stringMatching(/^Marie Dubois · /), '1–1 of 1']));
    expect(inputOf(list, 'state').value).toBe('waitingForActivation');
    const open = buttonOf(list, 'Open');
    expect(open).toEqual({ title: 'Open', verb: 'overview.openService', data: { serviceId: (await serviceOf(demo.marie.email)).id } });
    expect(titlesOf(list)).toEqual(['Filter', 'Open', 'Back to the overview']);

    const service = cardOf(await openServiceReply(deps(), ann, 'en', open.data.serviceId));
    expect(textsOf(service)[0]).toMatch(/^Marie Dubois: /);
  });

  test('a state that is not one of the list is named next to its field, in Dutch, and the other filters still apply', async () => {
    const list = cardOf(await serviceListReply(deps(), ann, 'nl', { organisationId: ann.organisationId, state: 'nonsense', name: 'Marie' }));
    expect(underInput(list, 'state')).toBe('Kies een waarde uit de lijst.');
    expect(inputOf(list, 'name').value).toBe('Marie');
    expect(textsOf(list)).toEqual(expect.arrayContaining([expect.stringMatching(/^Marie Dubois · /)]));
  });
});

describe("what the buttons of 'Needs you now' do", () => {
  test('"Try again" on a service that is not failed sends nothing and says so on the overview it shows again', async () => {
    const luc = await serviceOf(demo.luc.email);
    const card = cardOf(await retryReply(deps(), ann, 'fr', { serviceId: luc.id, organisationId: ann.organisationId }));
    expect(textsOf(card)).toContain("Cette activation n'est plus en échec : rien n'a été renvoyé.");
  });

  test('"Mark handled" takes a request for help off the list, once; Olga cannot mark it', async () => {
    await escalateToAdministrators(db.prisma, jan, { requestKey: 'overview-dialog-escalation', topic: 'calls', tried: [] });
    const escalation = await db.prisma.escalation.findUniqueOrThrow({ where: { requestKey: 'overview-dialog-escalation' } });
    expect(textsOf(cardOf(await overviewReply(deps(), ann, 'en')))).toContain('Requests for help not handled yet: 1');

    await expect(markHandledReply(deps(), olga, 'en', { escalationId: escalation.id, organisationId: olga.organisationId })).rejects.toBeInstanceOf(AccessDenied);

    const handled = textsOf(cardOf(await markHandledReply(deps(), ann, 'en', { escalationId: escalation.id, organisationId: ann.organisationId })));
    expect(handled).toContain('Marked as handled.');
    expect(handled).not.toContain('Requests for help not handled yet: 1');
    const again = textsOf(cardOf(await markHandledReply(deps(), ann, 'nl', { escalationId: escalation.id, organisationId: ann.organisationId })));
    expect(again).toContain('Die hulpvraag was al als afgehandeld gemarkeerd.');
  });
});

describe('the export', () => {
  test.each([
    ['en', ['Name', 'Email', 'Product', 'Service type', 'State', 'Mobile number', 'Added', 'Scheduled start', 'Activation started', 'Activated', 'Ended']],
    ['fr', ['Nom']],
    ['nl', ['Naam']],
  ] as const)('in %s: a CSV headed in the reader\'s words, one row per service, named after the organisation and the day', async (language, header) => {
    const file = await exportFile(deps(), ann, language, ann.organisationId, new Date('2026-03-10T10:00:00Z'));
    expect(file.name).toBe('overview-demo-company-nv-2026-03-10.csv');
    expect(file.organisation).toBe('Demo Company NV');
    const [head, ...rows] = parse(file.csv.replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][];
    expect(head!.slice(0, header.length)).toEqual(header);
    expect(rows).toHaveLength(file.count);
    expect(rows.map((row) => row[0])).toEqual(expect.arrayContaining(['Jan Peeters', 'Marie Dubois', 'Pieter Janssens', 'Luc Lemaire']));
  });
});
