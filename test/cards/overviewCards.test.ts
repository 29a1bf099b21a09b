import crypto from 'node:crypto';
import { withSubmitActions, type AdaptiveCard } from '../../cards/render';
import { languages, t } from '../../cards/strings';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { markHandledReply, overviewReply, serviceListReply } from '../../dialogs/overview';
import type { Reply } from '../../dialogs/reply';
import { LINK_ATTEMPT_LIMIT } from '../../services/people/activationLinks';
import type { Database } from '../../services/platform/db/database';
import { escalateToAdministrators } from '../../services/lifecycle/escalation';
import type { Actor } from '../../services/people/people';
import { cardProblems, expectValidCard } from '../support/adaptiveCards';
import { openTestDatabase } from '../support/database';

let db: Database;
let ann: Actor;
let sam: Actor;
let jan: Actor;

const actor = (email: string) => db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  const organisation = await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } });
  [ann, sam] = await Promise.all([actor(demo.ann.email), actor(demo.sam.email)]);
  // Every kind of "Needs you now" at once, four of one kind: a failure, an activation past two days, a locked link,
  // a request for help, beside the seed's refused porting and service not started.
  jan = await actor(demo.jan.email);
  const service = (fields: { status: 'FAILED' | 'ACTIVATING'; activationStartedAt?: Date }) => db.prisma.service.create({
    data: { organisationId: organisation.id, userId: jan.id, createdById: ann.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE', activationMethod: 'AUTOMATIC', activationTiming: 'NOW', ...fields },
  });
  for (let n = 0; n < 4; n++) await service({ status: 'FAILED' });
  await service({ status: 'ACTIVATING', activationStartedAt: new Date(Date.now() - 3 * 24 * 60 * 60 * 1000) });
  const janService = await db.prisma.service.findFirstOrThrow({ where: { userId: jan.id, status: 'WAITING_FOR_SIM' } });
  await db.prisma.accessLink.create({
    data: { tokenHash: crypto.randomBytes(32).toString('hex'), purpose: 'ACTIVATION', personId: jan.id, serviceId: janService.id, expiresAt: new Date(Date.now() + 86_400_000), failedAttempts: LINK_ATTEMPT_LIMIT },
  });
  await escalateToAdministrators(db.prisma, jan, { requestKey: 'cards-escalation-1', serviceId: janService.id, topic: 'calls', tried: [] });
  // Jan's new eSIM, asked for while none was in stock.
  const esimService = await db.prisma.service.create({
    data: { organisationId: organisation.id, userId: jan.id, createdById: ann.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE', activationMethod: 'AUTOMATIC', activationTiming: 'NOW', status: 'ACTIVE' },
  });
  await db.prisma.serviceEvent.create({ data: { serviceId: esimService.id, kind: 'esim_awaits_stock', actorId: jan.id } });
}, 60_000);

afterAll(async () => {
  await db?.close();
});

function cardOf(reply: Reply): AdaptiveCard {
  if (reply.kind !== 'card') throw new Error(`expected a card, got "${reply.text}"`);
  return reply.card;
}

const deps = () => ({ db: db.prisma, clockSpeed: 720 });

/** Every text of a card, in order. */
function textsOf(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => textsOf(item, found));
  else if (node && typeof node === 'object') {
    const element = node as Record<string, unknown>;
    if (element.type === 'TextBlock') found.push(String(element.text));
    Object.values(element).forEach((value) => textsOf(value, found));
  }
  return found;
}

describe.each(languages)('in %s', (language) => {
  test('the overview card, with every kind of what needs the administrator, is a clean Adaptive Card 1.5, in Teams and in the web chat', async () => {
    for (const who of [ann, sam]) {
      const card = cardOf(await overviewReply(deps(), who, language));
      expect(textsOf(card)).toEqual(expect.arrayContaining([
        // Support acts on nothing of it: the list is to keep an eye on, not "Needs you now".
        t(language, who === ann ? 'overview.attention.title' : 'overview.attention.watch'),
        t(language, 'overview.attention.portingIssue', { count: 1 }),
        t(language, 'overview.attention.failed', { count: 4 }),
        t(language, 'overview.attention.overdue', { count: 1 }),
        t(language, 'overview.attention.lockedLink', { count: 1 }),
        t(language, 'overview.attention.esimAwaitsStock', { count: 1 }),
        t(language, 'overview.attention.esimAwaitsStockHint'),
        t(language, 'overview.attention.escalation', { count: 1 }),
      ]));
      // Sending it is the administrators': support only looks it up.
      expect(JSON.stringify(card).includes(JSON.stringify(t(language, 'esimReplacement.admin.button')))).toBe(who === ann);
      expectValidCard(card);
      expectValidCard(withSubmitActions(card));
    }
  });

  test('with a notice of what a button did, and with nothing that needs the administrator, it stays clean; then "Needs you now" is not shown', async () => {
    const requestKey = `cards-escalation-${language}`;
    await escalateToAdministrators(db.prisma, jan, { requestKey, topic: 'general', tried: [] });
    const escalation = await db.prisma.escalation.findUniqueOrThrow({ where: { requestKey } });
    const card = cardOf(await markHandledReply(deps(), ann, language, { escalationId: escalation.id, organisationId: ann.organisationId }));
    expect(textsOf(card)).toContain(t(language, 'overview.done.handled'));
    expectValidCard(card);

    const quiet = await db.prisma.organisation.create({ data: { name: `Quiet ${language} BV`, tenantId: crypto.randomUUID() } });
    const admin = await db.prisma.person.create({
      data: { organisationId: quiet.id, role: 'ADMINISTRATOR', email: `admin@quiet-${language}.example`, displayName: 'Quiet Admin' },
      include: { organisation: true },
    });
    const empty = cardOf(await overviewReply(deps(), admin, language));
    expect(textsOf(empty)).toContain(t(language, 'overview.attention.none'));
    expect(textsOf(empty)).not.toContain(t(language, 'overview.attention.title'));
    expectValidCard(empty);
    expectValidCard(withSubmitActions(empty));
  });

  test('the list card, with and without filters, and with every filter wrong, is a clean Adaptive Card 1.5', async () => {
    const organisationId = ann.organisationId;
    for (const data of [
      { organisationId },
      { organisationId, state: 'active', product: 'DSTNY_MOBILE', name: 'jan' },
      { organisationId, state: 'nonsense', product: 'DSTNY_FMC', name: 'x'.repeat(101) },
    ]) {
      const card = cardOf(await serviceListReply(deps(), ann, language, data));
      expectValidCard(card);
      expectValidCard(withSubmitActions(card));
    }
  });
});

test('the checker fails a list card whose input lost its label', async () => {
  const card = cardOf(await serviceListReply(deps(), ann, 'en', { organisationId: ann.organisationId }));
  const broken = JSON.parse(JSON.stringify(card).replace('"label":"Name",', ''));
  expect(cardProblems(broken)).toEqual(['input "name" has no label']);
});
