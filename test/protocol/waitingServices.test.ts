import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { ServiceStatus } from '../../prisma/generated/enums';
import { ActivationJobs } from '../../services/lifecycle/jobs';
import { openTestDatabase } from '../support/database';
import { startLocalConnector, teamsActivity, whatTheySee, type LocalConnector, type TeamsPerson } from '../support/connector';
import { newWaitingService } from '../support/waitingService';
import { waitFor } from '../support/waitFor';

const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters' };

let bot: RunningBot;
let connector: LocalConnector;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-waiting-'));
  connector = await startLocalConnector();
  const config = configFromEnvironment({ PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  bot = await startBot(config, { database: await openTestDatabase({ seed: true }), logDestination: { write: () => undefined } });
});

afterAll(async () => {
  await bot.close();
  await bot.db.close();
  await connector.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Presses a button in Teams (Action.Execute) and returns the card that replaces it. */
async function executes(person: TeamsPerson, verb: string, data: Record<string, unknown> = {}) {
  const response = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(teamsActivity(connector.serviceUrl, person, {
      type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data } },
    })),
  });
  const body = await response.json();
  if (typeof body.value === 'string') return { texts: [body.value as string], buttons: [] as string[], card: undefined };
  return { ...everythingIn(body.value), card: body.value };
}

/** Every text and button title of a card, rows and their buttons included. */
function everythingIn(node: unknown, found = { texts: [] as string[], buttons: [] as string[] }) {
  if (Array.isArray(node)) node.forEach((item) => everythingIn(item, found));
  else if (node && typeof node === 'object') {
    const element = node as Record<string, unknown>;
    if (element.type === 'TextBlock' && typeof element.text === 'string') found.texts.push(element.text);
    if (typeof element.type === 'string' && element.type.startsWith('Action.') && typeof element.title === 'string') found.buttons.push(element.title);
    for (const [key, value] of Object.entries(element)) if (key !== 'fallback') everythingIn(value, found);
  }
  return found;
}

const statusOf = async (id: string) => (await bot.db.prisma.service.findUniqueOrThrow({ where: { id } })).status;

test('Ann opens the list: Marie waits to be started, Jan waits for his SIM card number', async () => {
  const { texts, buttons } = await executes(ann, 'welcome.waitingServices');
  expect(texts).toContain('Services waiting for activation');
  expect(texts).toContain('Marie Dubois · Dstny Mobile (Mobile) · 0468 10 00 02');
  expect(texts).toContain('Jan Peeters · Dstny Mobile (Mobile) · 0468 10 00 01');
  expect(buttons).toEqual(expect.arrayContaining(['Start', 'Resend email', 'Start selected', 'Start all', 'Schedule the selected']));
});

test('Ann types "which activations are pending?" and gets the same list', async () => {
  const before = connector.sent.length;
  await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(teamsActivity(connector.serviceUrl, ann, { type: 'message', text: 'which activations are pending?' })),
  });
  const { texts, buttons } = everythingIn(connector.sent.slice(before).map((reply) => reply.activity.attachments));
  expect(texts).toContain('Services waiting for activation');
  expect(texts).toContain('Jan Peeters · Dstny Mobile (Mobile) · 0468 10 00 01');
  expect(buttons).toContain('Start all');
});

test('Ann starts Marie\'s service on its own; pressing again starts nothing more', async () => {
  const marie = await bot.db.prisma.service.findFirstOrThrow({ where: { idempotencyKey: 'seed:demo:marie' } });
  const first = await executes(ann, 'waitingServices.start', { serviceId: marie.id, page: 0 });
  expect(first.texts[1]).toBe('Started: 1. Users who enter their own SIM card number receive their activation email now.');
  expect(await statusOf(marie.id)).toBe(ServiceStatus.WAITING_FOR_SIM);
  const again = await executes(ann, 'waitingServices.start', { serviceId: marie.id, page: 0 });
  expect(again.texts[1]).toMatch(/^Marie Dubois's service was already started by Ann Admin on .+ at \d{2}:\d{2}\.$/);
});

test('Ann schedules two services for Monday 08:00 Brussels time, as one job', async () => {
  const a = await newWaitingService(bot.db.prisma, 'els.maes@demo.example');
  const b = await newWaitingService(bot.db.prisma, 'koen.jacobs@demo.example');
  const { texts } = await executes(ann, 'waitingServices.schedule', { selected: `${a.id},${b.id}`, date: '2099-03-02', time: '08:00', page: 0 });
  expect(texts[1]).toBe('The start of 2 service(s) is planned for Monday, 2 March 2099 at 08:00 (Brussels time).');
  const jobs = await bot.db.prisma.job.findMany({ where: { kind: ActivationJobs.scheduledStart } });
  expect(jobs.map((job) => job.runAt.toISOString())).toEqual(['2099-03-02T07:00:00.000Z']);
  const past = await executes(ann, 'waitingServices.schedule', { selected: a.id, date: '2000-01-03', time: '08:00', page: 0 });
  expect(past.texts[1]).toBe('Please choose a date and a time in the future.');
});

test('Start all answers at once, starts every waiting service of the organisation in the background, and tells Ann in one message', async () => {
  const c = await newWaitingService(bot.db.prisma, 'sofie.mertens@demo.example');
  const waiting = () => bot.db.prisma.service.count({ where: { status: ServiceStatus.WAITING_FOR_ACTIVATION, organisation: { tenantId: DEMO_TENANT_ID } } });
  const count = await waiting();
  const { texts } = await executes(ann, 'waitingServices.startAll', { page: 0, requestKey: 'start-all-once' });
  expect(texts[1]).toBe(`Starting ${count} services. Their progress comes as one message, updated as it goes.`);
  // A double click (or Teams retrying the invoke) starts nothing more.
  await executes(ann, 'waitingServices.startAll', { page: 0, requestKey: 'start-all-once' });
  expect(await bot.db.prisma.job.count({ where: { kind: ActivationJobs.startAll } })).toBe(1);

  await waitFor('every waiting service started', async () => (await waiting()) === 0);
  expect(await statusOf(c.id)).toBe(ServiceStatus.WAITING_FOR_SIM);
  const digest = await connector.waitFor((sent) => whatTheySee(sent).texts.includes(`Activation started: ${count}`), 20_000);
  expect(whatTheySee(digest).texts[0]).toBe(`Activation of ${count} services`);
  // The users' activation emails are counted in the same message, not announced to Ann one by one.
  await connector.waitFor((sent) => whatTheySee(sent).texts.some((text) => /^Activation email sent: [1-9]/.test(text)), 20_000);
  expect(connector.sent.filter((sent) => whatTheySee(sent).texts.some((text) => text.startsWith('The activation email for Sofie Mertens')))).toEqual([]);
});

test('Jan, an employee, cannot open or use the list', async () => {
  expect((await executes(jan, 'welcome.waitingServices')).texts[0]).toMatch(/^Alleen de vlootbeheerders/);
  const marie = await bot.db.prisma.service.findFirstOrThrow({ where: { idempotencyKey: 'seed:demo:marie' } });
  expect((await executes(jan, 'waitingServices.resend', { serviceId: marie.id, page: 0 })).texts[0]).toMatch(/^Alleen de vlootbeheerders/);
});
