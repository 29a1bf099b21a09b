import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import type { NotifierOptions } from '../../bot/notifier';
import { BOT_ACCOUNT } from '../../bot/http/webChat/webChatAdapter';
import { activitiesAfter, openConversation } from '../../bot/http/webChat/conversations';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { saveConversationReference } from '../../services/people/conversations';
import type { Database } from '../../services/platform/db/database';
import { notifyAll } from '../../services/lifecycle/engine';
import { queueNotification } from '../../services/notifications/notificationOutbox';
import { applyPortingEvent } from '../../services/numbers/portingEvents';
import { recordSummaryCard } from '../../services/addService/summaryCard';
import { expectValidCard } from '../support/adaptiveCards';
import { startLocalConnector, teamsActivity, whatTheySee, type LocalConnector, type SentActivity, type TeamsPerson } from '../support/connector';
import { openTestDatabase } from '../support/database';
import { waitFor } from '../support/waitFor';

const teams = (person: { aadObjectId: string; displayName: string }): TeamsPerson => ({
  tenantId: DEMO_TENANT_ID,
  aadObjectId: person.aadObjectId,
  name: person.displayName,
});
const ann = teams(demo.ann);
const jan = teams(demo.jan);
const conversationOf = (person: TeamsPerson) => `a:personal-${person.tenantId}-${person.aadObjectId}`;

// Quick retries, so that "tried several times, then given up" happens within a test.
const notifierOptions: NotifierOptions = { pollIntervalMs: 50, maxAttempts: 2, backoff: { baseMs: 20, capMs: 100 } };

let db: Database;
let bot: RunningBot;
let connector: LocalConnector;
let dataDir: string;

async function start(): Promise<RunningBot> {
  return startBot(configFromEnvironment({ PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'silent' }), {
    database: db,
    notifier: notifierOptions,
  });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-notify-'));
  connector = await startLocalConnector();
  db = await openTestDatabase({ seed: true });
  bot = await start();
  // Ann and Jan have written to the bot in Teams: their conversation references are stored.
  for (const person of [ann, jan]) {
    await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(teamsActivity(connector.serviceUrl, person, { type: 'message', text: 'hi' })),
    });
  }
});

afterAll(async () => {
  await bot.close();
  await db.close();
  await connector.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

afterEach(() => {
  connector.failWith = undefined;
});

const serviceOf = (email: string) => db.prisma.service.findFirstOrThrow({ where: { user: { email } }, orderBy: { createdAt: 'asc' } });
const personId = async (email: string) => (await db.prisma.person.findFirstOrThrow({ where: { email } })).id;

/** The first message whose text (or card text) contains `text`, waited for in the person's Teams chat. */
function received(person: TeamsPerson, text: string): Promise<SentActivity> {
  return connector.waitFor(
    (sent) => sent.conversationId === conversationOf(person) && whatTheySee(sent).texts.some((seen) => seen.includes(text)),
    20_000,
  );
}

function countReceived(person: TeamsPerson, text: string): number {
  return connector.sent.filter((sent) => sent.conversationId === conversationOf(person) && whatTheySee(sent).texts.some((seen) => seen.includes(text))).length;
}

async function outbox(): Promise<ParsedMail[]> {
  const dir = path.join(dataDir, 'outbox');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  return Promise.all(files.map((file) => simpleParser(fs.readFileSync(path.join(dir, file)))));
}

const delivered = (key: string) =>
  waitFor(`notification ${key} to be settled`, async () => {
    const row = await db.prisma.notification.findUnique({ where: { idempotencyKey: key } });
    return row && row.state !== 'PENDING' ? row : undefined;
  });

test('activation started and completed: Ann hears it in English, Jan in Dutch, each in their own Teams chat', async () => {
  const service = await serviceOf(demo.jan.email);
  await notifyAll(db.prisma, service, 'activation.started', {});

  await received(ann, "Activation of Jan Peeters's Mobile service has started. It normally takes an hour, and at most two days.");
  await received(jan, 'De activatie van je simkaart is gestart.');

  await notifyAll(db.prisma, service, 'activation.completed', {});
  await received(ann, "Jan Peeters's Mobile service is active.");
  await received(jan, 'Je Dstny-simkaart is actief: je kunt bellen en surfen.');
  expect(countReceived(ann, "Jan Peeters's Mobile service is active.")).toBe(1);
});

test('activation failed: Ann gets the reason and whom to call, Jan is told to keep his old SIM card', async () => {
  const service = await db.prisma.service.update({ where: { id: (await serviceOf(demo.jan.email)).id }, data: { failureReason: 'The network did not accept the SIM card.' } });
  await notifyAll(db.prisma, service, 'activation.failed', { reason: service.failureReason! });

  const failed = await received(ann, "Activation of Jan Peeters's Mobile service did not succeed.");
  expect(whatTheySee(failed).texts.join('\n')).toContain('Reason given: The network did not accept the SIM card.');
  await received(jan, 'De activatie van je simkaart is niet gelukt. Je vlootbeheerder is op de hoogte');
});

test('the SIM number entered by Jan: Ann hears which card (last digits only)', async () => {
  const service = await serviceOf(demo.jan.email);
  await notifyAll(db.prisma, service, 'activation.simEntered', { lastDigits: '1234' }, { recipients: [service.createdById] });
  await received(ann, 'Jan Peeters entered the SIM card number (ending in 1234) for the Mobile service.');
});

test('porting: Ann follows every step, Jan hears the date, the hold while his line does not work and the end; a refusal brings Ann a card to fix it', async () => {
  const service = await serviceOf(demo.jan.email);
  const request = await db.prisma.portingRequest.create({
    data: {
      serviceId: service.id, attempt: 10, e164: '+32470123456', donorOperator: 'PROXIMUS', holderKind: 'PERSON',
      holderName: 'Jan Peeters', lineType: 'SUBSCRIPTION', customerNumber: '1234-5678', state: 'SUBMITTED',
    },
  });
  await applyPortingEvent(db.prisma, request.id, { to: 'ACCEPTED' });
  await received(ann, 'Proximus accepted the transfer of 0470 12 34 56 for Jan Peeters. The date follows soon.');

  const scheduledAt = new Date('2026-03-10T05:00:00.000Z');
  await applyPortingEvent(db.prisma, request.id, { to: 'SCHEDULED', scheduledAt, windowEndsAt: new Date('2026-03-10T07:00:00.000Z') });
  await received(ann, 'The transfer of 0470 12 34 56 for Jan Peeters is planned on Tuesday, 10 March, between 06:00 and 08:00.');
  await received(jan, 'Je nummer 0470 12 34 56 gaat op dinsdag 10 maart over naar Dstny, tussen 06:00 en 08:00.');

  // The window comes while Jan's line does not work yet: the switch is held back, and both hear it.
  await applyPortingEvent(db.prisma, request.id, { to: 'COMPLETED' });
  await received(ann, 'The transfer of 0470 12 34 56 for Jan Peeters is on hold: at the planned time Jan Peeters\'s new line did not work yet');
  await received(jan, 'Je nummer 0470 12 34 56 blijft voorlopig bij Proximus: je Dstny-simkaart werkte nog niet op het geplande moment.');

  // Once the line works, the donor gives a new window, and the number switches at it.
  await db.prisma.service.update({ where: { id: service.id }, data: { status: 'WAITING_FOR_PORTING' } });
  await applyPortingEvent(db.prisma, request.id, { to: 'ACCEPTED' });
  await applyPortingEvent(db.prisma, request.id, { to: 'SCHEDULED', scheduledAt, windowEndsAt: new Date('2026-03-10T07:00:00.000Z') });
  await applyPortingEvent(db.prisma, request.id, { to: 'COMPLETED' });
  await received(jan, 'Je nummer 0470 12 34 56 is nu bij Dstny.');
  await received(ann, '0470 12 34 56 has been transferred to Dstny for Jan Peeters.');
  // Jan was not told about the acceptance: only the date and the end concern him.
  expect(connector.sent.filter((sent) => sent.conversationId === conversationOf(jan) && /aanvaard/.test(JSON.stringify(sent.activity)))).toEqual([]);

  const refused = await db.prisma.portingRequest.create({
    data: {
      serviceId: service.id, attempt: 11, e164: '+32470123457', donorOperator: 'ORANGE', holderKind: 'PERSON',
      holderName: 'Jan Peeters', lineType: 'SUBSCRIPTION', customerNumber: '9999', state: 'SUBMITTED',
    },
  });
  await applyPortingEvent(db.prisma, refused.id, { to: 'REFUSED', code: 'WRONG_CUSTOMER_NUMBER' });
  const card = await received(ann, 'The transfer of 0470 12 34 57 for Jan Peeters was refused');
  const seen = whatTheySee(card);
  expect(seen.texts).toEqual([
    'The transfer of 0470 12 34 57 for Jan Peeters was refused',
    'Orange Belgium refused the transfer: the customer number given does not match the one Orange Belgium has for this number. It is on a recent Orange Belgium invoice.',
    'Correct the details in "Mobile porting issues" and send the request again.',
  ]);
  expect(seen.buttons).toEqual(['Mobile porting issues']);
  expectValidCard(card.activity.attachments[0].content);
});

test('a person whose chat is an open web chat gets the update there, in French', async () => {
  const marieId = await personId(demo.marie.email);
  const { conversation } = await openConversation(db.prisma, { personId: marieId });
  await saveConversationReference(db.prisma, {
    channelId: 'webchat',
    conversationId: conversation.id,
    personId: marieId,
    reference: { channelId: 'webchat', serviceUrl: bot.url, conversation: { id: conversation.id }, bot: BOT_ACCOUNT, user: { id: `person:${marieId}` } },
  });
  await notifyAll(db.prisma, await serviceOf(demo.marie.email), 'activation.started', {}, { recipients: [marieId] });

  const texts = await waitFor('the web chat message', async () => {
    const { activities } = await activitiesAfter(db.prisma, conversation.id, 0);
    return activities.length > 0 ? activities.map((activity) => activity.text) : undefined;
  });
  expect(texts).toEqual([expect.stringContaining("L'activation de votre carte SIM a commencé.")]);
});

test('a person with no conversation gets an email in their language', async () => {
  const lucId = await personId(demo.luc.email);
  const before = (await outbox()).length;
  await notifyAll(db.prisma, await serviceOf(demo.luc.email), 'activation.completed', {}, { recipients: [lucId] });

  const mails = await waitFor('the email', async () => {
    const all = await outbox();
    return all.length > before ? all.slice(before) : undefined;
  });
  expect(mails).toHaveLength(1);
  expect(mails[0]!.to).toMatchObject({ text: demo.luc.email });
  expect(mails[0]!.subject).toBe("Activation SIM Dstny : des nouvelles d'un service Mobile");
  expect(mails[0]!.text).toContain('Votre carte SIM Dstny est active : vous pouvez appeler et surfer.');
  const row = await db.prisma.notification.findFirstOrThrow({ where: { recipientId: lucId, kind: 'activation.completed' } });
  expect(row).toMatchObject({ state: 'DELIVERED', deliveredVia: 'email' });
});

test('the previous user of a fixed number is told it went to a colleague, with the number from the notification', async () => {
  const service = await serviceOf(demo.jan.email);
  await queueNotification(db.prisma, {
    idempotencyKey: 'fixed-taken-test',
    recipientId: service.userId,
    serviceId: service.id,
    kind: 'fixedNumber.taken',
    audience: 'previousUser',
    payload: { number: '+3225883000', newUser: 'Els Maes' },
  });
  await received(jan, 'Je vaste nummer 02 588 30 00 is door je vlootbeheerder aan Els Maes gegeven.');
});

test('a colleague taking over Jan\'s mobile number: Jan hears it is planned, then done, and Ann that his service ended', async () => {
  const service = await serviceOf(demo.jan.email);
  const takeover = { number: '+32470998877', newUser: 'Els Maes' };
  const notice = (kind: 'number.movePlanned' | 'number.moved', recipientId: string, audience: 'previousUser' | 'administrator') =>
    queueNotification(db.prisma, { idempotencyKey: `${kind}-test:${recipientId}`, recipientId, serviceId: service.id, kind, audience, payload: takeover });

  await notice('number.movePlanned', service.userId, 'previousUser');
  await received(jan, 'Je nummer 0470 99 88 77 gaat naar de nieuwe dienst van Els Maes zodra die dienst geactiveerd is.');
  await notice('number.moved', service.userId, 'previousUser');
  await notice('number.moved', service.createdById!, 'administrator');
  await received(jan, 'Je nummer 0470 99 88 77 hoort nu bij de dienst van Els Maes, en je dienst is gestopt');
  await received(ann, "0470 99 88 77 moved from Jan Peeters's service to Els Maes's new service; Jan Peeters's Mobile service has ended.");
});

test('Teams answers 429 with Retry-After, then 200: delivered once, no sooner than asked', async () => {
  const text = 'Activation of Marie Dubois';
  connector.failWith = (request) =>
    request.conversationId === conversationOf(ann) && connector.requests.filter((r) => r.status === 429).length === 0
      ? { status: 429, retryAfter: '1' }
      : undefined;
  const service = await serviceOf(demo.marie.email);
  await notifyAll(db.prisma, service, 'activation.started', {}, { recipients: [service.createdById] });

  await received(ann, text);
  const attempts = connector.requests.filter((r) => r.conversationId === conversationOf(ann) && JSON.stringify(r.activity).includes(text));
  expect(attempts.map((r) => r.status)).toEqual([429, 200]);
  expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1_000);
  expect(countReceived(ann, text)).toBe(1);
});

test('Teams answers 500 every time: retried, then given up, and Ann is told Jan could not be reached', async () => {
  connector.failWith = (request) => (request.conversationId === conversationOf(jan) ? { status: 500 } : undefined);
  const service = await serviceOf(demo.jan.email);
  await queueNotification(db.prisma, {
    idempotencyKey: 'always-500',
    recipientId: service.userId,
    serviceId: service.id,
    kind: 'activation.completed',
    audience: 'user',
    payload: {},
  });

  const row = await delivered('always-500');
  expect(row).toMatchObject({ state: 'DEAD', attempts: 2, lastError: expect.stringContaining('500') });
  expect(connector.requests.filter((r) => r.conversationId === conversationOf(jan) && r.status === 500).length).toBeGreaterThanOrEqual(2);
  await received(ann, 'An update about this service could not be delivered to Jan Peeters.');
  const timeline = await db.prisma.serviceEvent.findMany({ where: { serviceId: service.id, kind: 'notification_undeliverable' } });
  expect(timeline.map((event) => event.detail)).toEqual([expect.objectContaining({ notificationId: row.id, kind: 'activation.completed' })]);
}, 60_000);

test('a notification for an audience its kind does not have, or without the facts its words need, is dead: never sent', async () => {
  const service = await serviceOf(demo.jan.email);
  const before = connector.sent.length;
  // Porting submissions are for administrators only; a moved number needs the number.
  await queueNotification(db.prisma, { idempotencyKey: 'no-words', recipientId: service.userId, serviceId: service.id, kind: 'porting.submitted', audience: 'user', payload: {} });
  await queueNotification(db.prisma, { idempotencyKey: 'no-facts', recipientId: service.userId, serviceId: service.id, kind: 'number.moved', audience: 'previousUser', payload: { newUser: 'Els Maes' } });

  expect(await delivered('no-words')).toMatchObject({ state: 'DEAD', attempts: 1, deliveredVia: null, lastError: expect.stringContaining('a porting.submitted notification does not go to the audience its payload states') });
  expect(await delivered('no-facts')).toMatchObject({ state: 'DEAD', attempts: 1, deliveredVia: null, lastError: expect.stringContaining('no words for a number.moved notification') });
  expect(connector.sent.slice(before).filter((sent) => sent.conversationId === conversationOf(jan))).toEqual([]);
});

test('an activation still running after two days: Ann learns what to do, Jan is reassured, support is told', async () => {
  const service = await db.prisma.service.update({
    where: { id: (await serviceOf(demo.jan.email)).id },
    // Two days at the demo's clock speed (720) are four minutes.
    data: { status: 'ACTIVATING', activationStartedAt: new Date(Date.now() - 5 * 60_000) },
  });
  await received(ann, "Activation of Jan Peeters's Mobile service is still not complete after two days. What to do:");
  await received(jan, 'De activatie van je simkaart duurt langer dan gewoonlijk. Je hoeft niets te doen');
  const sam = await db.prisma.person.findFirstOrThrow({ where: { email: demo.sam.email } });
  const toSam = await delivered(`activation.overdue:${service.id}:${service.activationStartedAt!.getTime()}:${sam.id}`);
  expect(toSam).toMatchObject({ state: 'DELIVERED', deliveredVia: 'email' });
  expect(await db.prisma.serviceEvent.count({ where: { serviceId: service.id, kind: 'activation_overdue' } })).toBe(1);
});

test('a bulk start sends Ann one digest, updated in place as the services progress', async () => {
  const services = await db.prisma.service.findMany({ where: { organisationId: (await serviceOf(demo.jan.email)).organisationId }, take: 3, orderBy: { createdAt: 'asc' } });
  const digest = { digestKey: 'bulk-test', digestTotal: 3 };
  await db.prisma.$transaction(async (tx) => {
    for (const service of services) await notifyAll(tx, service, 'activation.started', digest, { recipients: [service.createdById] });
  });
  const posted = await received(ann, 'Activation of 3 services');
  expect(whatTheySee(posted).texts).toEqual(['Activation of 3 services', 'Activation started: 3']);

  await db.prisma.$transaction(async (tx) => {
    for (const service of services) await notifyAll(tx, service, 'activation.completed', digest, { recipients: [service.createdById] });
  });
  const updated = await connector.waitFor((sent) => sent.method === 'PUT' && whatTheySee(sent).texts.includes('Active: 3'), 20_000);
  expect(updated.conversationId).toBe(conversationOf(ann));
  // The local connector numbers the activities it accepts: the update replaces the digest's own.
  expect(updated.activityId).toBe(`sent-${connector.sent.indexOf(posted) + 1}`);
  expect(whatTheySee(updated).texts).toEqual(['Activation of 3 services', 'Activation started: 3', 'Active: 3']);
  expect(connector.sent.filter((sent) => sent.method === 'POST' && whatTheySee(sent).texts.includes('Activation of 3 services'))).toHaveLength(1);
});

test("the service's summary card is updated in place with the new state and with whom an update did not reach", async () => {
  const annActor = await db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email }, include: { organisation: true } });
  const service = await serviceOf(demo.marie.email);
  await recordSummaryCard(db.prisma, annActor, service.id, { channelId: 'msteams', conversationId: conversationOf(ann), activityId: 'summary-card-marie' });
  await db.prisma.notification.create({
    data: { idempotencyKey: 'dead-for-marie', recipientId: service.userId, serviceId: service.id, kind: 'activation.started', state: 'DEAD', attempts: 8 },
  });
  await db.prisma.service.update({ where: { id: service.id }, data: { status: 'ACTIVE' } });
  await notifyAll(db.prisma, service, 'activation.completed', {}, { recipients: [service.createdById] });

  await received(ann, "Marie Dubois's Mobile service is active.");
  const card = await connector.waitFor(
    (sent) => sent.method === 'PUT' && sent.activityId === 'summary-card-marie' && JSON.stringify(sent.activity).includes('could not be delivered'),
    20_000,
  );
  expect(card.conversationId).toBe(conversationOf(ann));
  const shown = JSON.stringify(card.activity.attachments[0].content);
  expect(shown).toContain('Status: active');
  expect(shown).toContain('An update about this service could not be delivered to Marie Dubois.');
  expectValidCard(card.activity.attachments[0].content);
});

test('stopped between the state change and the delivery: the next start delivers, once', async () => {
  await bot.close();
  const service = await serviceOf(demo.jan.email);
  // Written while no bot runs, and one claimed by a process that died before sending (its lease runs out).
  await notifyAll(db.prisma, service, 'activation.emailSent', {}, { recipients: [service.createdById] });
  await queueNotification(db.prisma, { idempotencyKey: 'claimed-by-the-dead', recipientId: service.userId, serviceId: service.id, kind: 'activation.started', audience: 'user', payload: {} });
  await db.prisma.notification.update({ where: { idempotencyKey: 'claimed-by-the-dead' }, data: { attempts: 1, nextAttemptAt: new Date(Date.now() + 500) } });
  const before = connector.sent.length;

  bot = await start();
  await received(ann, "The activation email for Jan Peeters's Mobile service has been sent.");
  expect(await delivered('claimed-by-the-dead')).toMatchObject({ state: 'DELIVERED', attempts: 2 });
  const toJan = connector.sent.slice(before).filter((sent) => sent.conversationId === conversationOf(jan));
  expect(toJan.map((sent) => whatTheySee(sent).texts[0])).toEqual([expect.stringContaining('De activatie van je simkaart is gestart.')]);
});
