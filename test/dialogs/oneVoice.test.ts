import crypto from 'node:crypto';
import { demo } from '../../prisma/demoData';
import type { AdaptiveCard } from '../../cards/render';
import { languages, type Language } from '../../cards/strings';
import { emailComposer } from '../../dialogs/emails';
import { eventLine, lookUp, serviceCard } from '../../dialogs/lookUp';
import { overviewReply, serviceListReply } from '../../dialogs/overview';
import { openPortingFix, portingIssuesReply } from '../../dialogs/portingIssues';
import type { Reply } from '../../dialogs/reply';
import { beginTroubleshooting } from '../../dialogs/troubleshoot';
import { waitingServicesCard } from '../../dialogs/waitingServices';
import { welcomeFor } from '../../dialogs/welcome';
import { ActivationMethod, ActivationTiming, ServiceStatus } from '../../prisma/generated/enums';
import { serviceEventKinds } from '../../services/fleet/serviceEvents';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';
import { actorsOf, cardOf } from './see';

/**
 * What people read, rendered with the demo data in every language: no string key, no code of the domain, no
 * "undefined", no number as stored (E.164); every timeline entry in words; and two services of one person that
 * read differently wherever services are listed.
 */

type Json = Record<string, unknown>;

let db: Database;
let ann: Actor;
let sam: Actor;
let jan: Actor;
let pieter: Actor;
let marie: Actor;
let luc: Actor;
/** Services of Luc's holding every kind of timeline entry between them (a card shows the latest 15). */
const timelineServices: string[] = [];

const TIMELINE_ENTRIES = 15;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  const names = ['ann', 'sam', 'jan', 'pieter', 'marie', 'luc'] as const;
  ({ ann, sam, jan, pieter, marie, luc } = await actorsOf(db, Object.fromEntries(names.map((name) => [name, demo[name].email])) as Record<(typeof names)[number], string>));
  const service = (userId: string) => ({
    organisationId: ann.organisationId,
    userId,
    createdById: ann.id,
    productTypeCode: 'DSTNY_MOBILE',
    serviceTypeCode: 'MOBILE',
    optionCodes: [],
    status: ServiceStatus.WAITING_FOR_ACTIVATION,
    activationMethod: ActivationMethod.EMAIL,
    activationTiming: ActivationTiming.LATER,
  });
  // A second Dstny Mobile service for Jan, of the same service type as his first, still without a number.
  await db.prisma.service.create({ data: service(jan.id) });
  const kinds = [...serviceEventKinds, 'a_kind_no_longer_written'];
  for (let from = 0; from < kinds.length; from += TIMELINE_ENTRIES) {
    const { id } = await db.prisma.service.create({ data: { ...service(luc.id), status: ServiceStatus.ACTIVE } });
    await db.prisma.serviceEvent.createMany({
      data: kinds.slice(from, from + TIMELINE_ENTRIES).map((kind, i) => ({ serviceId: id, kind, createdAt: new Date(Date.UTC(2026, 0, 1, 8, i)) })),
    });
    timelineServices.push(id);
  }
});

afterAll(async () => {
  await db?.close();
});

/** Every word a card shows: its texts, facts, labels, placeholders, choices and button titles. */
function visible(node: unknown, key = ''): string[] {
  if (Array.isArray(node)) {
    if (key === 'choices') return node.map((choice) => String((choice as Json).title));
    if (key === 'facts') return node.flatMap((fact) => [String((fact as Json).title), String((fact as Json).value)]);
    return node.flatMap((item) => visible(item, key));
  }
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node as Json).flatMap(([name, value]) => {
    if (['fallback', 'data', 'verb', 'id', '$schema'].includes(name)) return [];
    if (typeof value === 'string') return ['text', 'title', 'label', 'placeholder', 'errorMessage'].includes(name) ? [value] : [];
    return visible(value, name);
  });
}

const wordsOf = (reply: Reply): string[] => (reply.kind === 'text' ? [reply.text] : visible(reply.card as AdaptiveCard));

/** What must not reach a person, each with what it looks like; addresses and links are theirs to read. */
function unreadable(text: string): string[] {
  const plain = text.replace(/\S+@\S+/g, '').replace(/https?:\/\/\S+/g, '');
  return [
    ...[...plain.matchAll(/\b[a-z]+[A-Za-z]*(?:\.[a-zA-Z]+)+\b/g)].map((match) => `key ${match[0]}`),
    ...[...plain.matchAll(/\b[a-z]+(?:_[a-z]+)+\b/g)].map((match) => `code ${match[0]}`),
    ...[...plain.matchAll(/\b(?:undefined|null|NaN)\b|\{\w+\}/g)].map((match) => `hole ${match[0]}`),
    ...[...plain.matchAll(/\+32\d{8,9}/g)].map((match) => `stored number ${match[0]}`),
  ];
}

async function everythingShownIn(language: Language): Promise<Array<[string, string[]]>> {
  const deps = { db: db.prisma, clockSpeed: 720 };
  const request = await db.prisma.portingRequest.findFirstOrThrow({ where: { service: { userId: pieter.id } } });
  const newKey = () => crypto.randomUUID();
  const shown: Array<[string, Reply[]]> = [
    ...[ann, sam, jan].map((actor): [string, Reply[]] => [`welcome of ${actor.displayName}`, [welcomeFor({ status: 'known', actor }, language)]]),
    ['overview', [await overviewReply(deps, ann, language)]],
    ['all services', [await serviceListReply(deps, ann, language, { organisationId: ann.organisationId })]],
    ['waiting services', [await waitingServicesCard(db.prisma, ann, language, 0)]],
    ['porting issues to the administrator', [await portingIssuesReply(db.prisma, ann, language)]],
    ['porting issues to support', [await portingIssuesReply(db.prisma, sam, language)]],
    ['porting fix', [await openPortingFix(db.prisma, ann, request.id, language)]],
    ...(await Promise.all([jan, pieter, marie, luc].map(async (person): Promise<[string, Reply[]]> => [
      `look-up of ${person.displayName}`,
      await lookUp(db.prisma, sam, language, { email: person.email }, newKey),
    ]))),
    ...(await Promise.all([jan, pieter, marie, luc].map(async (person): Promise<[string, Reply[]]> => [
      `guided help of ${person.displayName}`,
      (await beginTroubleshooting(db.prisma, person, language, newKey(), 'calls')).replies,
    ]))),
    ...(await Promise.all(timelineServices.map(async (id, i): Promise<[string, Reply[]]> => [`timeline ${i + 1}`, [await serviceCard(db.prisma, ann, language, id, newKey())]]))),
  ];
  const emails = (['enterSimNumber', 'startWithSim', 'startWithoutSim'] as const).map((task): [string, string[]] => {
    const email = emailComposer.activation({
      language, task, name: 'Jan Peeters', administrator: 'Ann Admin', organisation: 'Demo Company NV', product: 'Dstny Mobile',
      link: 'https://bot.example/activate/abc', expiresAt: new Date('2026-03-20T10:00:00Z'),
    });
    return [`activation email (${task})`, [email.subject, email.text, email.html.replace(/<[^>]*>/g, ' ')]];
  });
  return [...shown.map(([where, replies]): [string, string[]] => [where, replies.flatMap(wordsOf)]), ...emails];
}

describe.each(languages)('in %s', (language) => {
  test('no card, message or email shows a key, a code, a hole or a number as stored', async () => {
    const shown = await everythingShownIn(language);
    expect(shown.length).toBeGreaterThan(20);
    const problems = shown.flatMap(([where, texts]) => texts.flatMap(unreadable).map((problem) => `${where}: ${problem}`));
    expect(problems).toEqual([]);
  });

  test('every kind of timeline entry reads as a sentence of its own', () => {
    const lines = serviceEventKinds.map((kind) => eventLine(language, kind));
    expect(lines.flatMap(unreadable)).toEqual([]);
    expect(new Set(lines).size).toBe(serviceEventKinds.length);
    expect(lines).not.toContain(eventLine(language, 'a_kind_no_longer_written'));
  });

  test('every timeline entry reaches the card in words', async () => {
    const cards = await Promise.all(timelineServices.map(async (id) => cardOf(await serviceCard(db.prisma, ann, language, id, 'key-of-this-test'))));
    const shown = cards.flatMap((card) => visible(card));
    for (const kind of serviceEventKinds) expect(shown).toContain(eventLine(language, kind));
  });
});

describe("two services of one person, of the same product and type, read differently", () => {
  const jansRows = (texts: string[]) => texts.filter((text) => text.startsWith('Jan Peeters · '));

  test.each(languages)('in the waiting list, the overview and the look-up, in %s', async (language) => {
    const waiting = jansRows(visible(cardOf(await waitingServicesCard(db.prisma, ann, language, 0))));
    const listed = jansRows(visible(cardOf(await serviceListReply({ db: db.prisma, clockSpeed: 720 }, ann, language, { organisationId: ann.organisationId, name: 'Jan Peeters' }))));
    const looked = (await lookUp(db.prisma, sam, language, { email: jan.email }, crypto.randomUUID)).map((reply) => visible(cardOf(reply))[0]!);
    // The waiting list names each service twice: its row, and its choice among those to start.
    for (const rows of [waiting, listed, looked]) expect(new Set(rows).size).toBe(2);
    expect(listed).toHaveLength(2);
    expect(looked).toHaveLength(2);
    expect(waiting.join(' ')).toContain('0468 10 00 01');
    expect(looked.join(' ')).toMatch(/Jan Peeters ?: Dstny Mobile \((Mobile|Mobiel)\) · (no number yet|nog geen nummer|pas encore de numéro)/);
  });
});
