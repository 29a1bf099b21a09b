import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import type { NotifierOptions } from '../../bot/notifier';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { saveConversationReference } from '../../services/people/conversations';
import type { Database } from '../../services/platform/db/database';
import { queueNotifications } from '../../services/notifications/notificationOutbox';
import { startLocalConnector, teamsActivity, type LocalConnector } from '../support/connector';
import { openTestDatabase } from '../support/database';
import { waitFor } from '../support/waitFor';

// Long enough for everyone else's updates to arrive while one request hangs; short enough for a quick test.
const CONNECTOR_TIMEOUT_MS = '4000';
// Far shorter than a hang: without renewal, another notifier would take a hanging delivery over several times.
const SHORT_LEASE: NotifierOptions = { pollIntervalMs: 20, leaseMs: 600, backoff: { baseMs: 20, capMs: 50 } };

let db: Database;
let connector: LocalConnector;
let dataDir: string;
const bots: RunningBot[] = [];
const logLines: string[] = [];

async function startOne(notifier: NotifierOptions): Promise<RunningBot> {
  const config = configFromEnvironment({
    PORT: '0',
    DATA_DIR: path.join(dataDir, String(bots.length)),
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    BOT_CONNECTOR_TIMEOUT_MS: CONNECTOR_TIMEOUT_MS,
  });
  const bot = await startBot(config, { database: db, notifier, logDestination: { write: (line: string) => void logLines.push(line) } });
  bots.push(bot);
  return bot;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-hang-'));
  connector = await startLocalConnector();
  db = await openTestDatabase({ seed: true });
});

afterAll(async () => {
  connector.hangWhen = undefined;
  for (const bot of bots) await bot.close();
  await connector.close();
  await db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

afterEach(async () => {
  connector.hangWhen = undefined;
  while (bots.length > 0) await bots.pop()!.close();
});

/** People of the demo company, each with a Teams chat the bot has written to before: their conversation ids. */
async function peopleInTeams(prefix: string, count: number): Promise<Array<{ personId: string; conversationId: string }>> {
  const organisation = await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } });
  const people = [];
  for (let i = 0; i < count; i++) {
    const person = await db.prisma.person.create({
      data: { organisationId: organisation.id, role: 'USER', email: `${prefix}${i}@demo.example`, displayName: `${prefix} ${i}`, preferredLanguage: 'en' },
    });
    const conversationId = `a:${prefix}-${i}`;
    await saveConversationReference(db.prisma, {
      channelId: 'msteams',
      conversationId,
      personId: person.id,
      reference: {
        channelId: 'msteams',
        serviceUrl: connector.serviceUrl,
        conversation: { id: conversationId, tenantId: DEMO_TENANT_ID },
        bot: { id: '28:sim-activation-assistant' },
        user: { id: `29:${prefix}-${i}` },
      },
    });
    people.push({ personId: person.id, conversationId });
  }
  return people;
}

/** Writes the updates in one statement: they are due together, and claimed together. */
async function notify(...updates: Array<{ key: string; personId: string }>): Promise<void> {
  const service = await db.prisma.service.findFirstOrThrow({ where: { user: { email: demo.jan.email } } });
  await queueNotifications(
    db.prisma,
    updates.map(({ key, personId }) => ({ idempotencyKey: key, recipientId: personId, serviceId: service.id, kind: 'activation.started', audience: 'user', payload: {} })),
  );
}

const row = (key: string) => db.prisma.notification.findUniqueOrThrow({ where: { idempotencyKey: key } });
const accepted = (conversationId: string) => connector.sent.filter((sent) => sent.conversationId === conversationId);
const held = (conversationId: string) => connector.hanging.filter((request) => request.conversationId === conversationId);
/** The connector holds the first request to the conversation unanswered; the ones after it go through. */
function hangFirstRequestTo(conversationId: string): void {
  connector.hangWhen = (request) => request.conversationId === conversationId && held(conversationId).length === 0;
}

test("one conversation whose connector hangs holds nobody else's updates; it is tried again later and gets its update once", async () => {
  await startOne({ pollIntervalMs: 20, backoff: { baseMs: 20, capMs: 50 } });
  const [stuck, ...others] = await peopleInTeams('hang', 6);
  hangFirstRequestTo(stuck!.conversationId);

  await notify({ key: 'hang:stuck', personId: stuck!.personId });
  await waitFor('the update to the stuck conversation to hang', async () => held(stuck!.conversationId).length > 0);
  await notify(...others.map((other, i) => ({ key: `hang:other-${i}`, personId: other.personId })));

  await waitFor('everyone else to get and have recorded their update', async () => {
    const rows = await db.prisma.notification.findMany({ where: { idempotencyKey: { startsWith: 'hang:other-' } } });
    return rows.length === others.length && rows.every((notification) => notification.state === 'DELIVERED');
  });
  // All of that while the one request still hangs.
  expect(held(stuck!.conversationId).map((request) => request.open)).toEqual([true]);
  expect(others.map((other) => accepted(other.conversationId).length)).toEqual(others.map(() => 1));
  expect(await row('hang:stuck')).toMatchObject({ state: 'PENDING' });

  // The bot gives up on the hanging request and tries again.
  await waitFor('the stuck update to be delivered', async () => (await row('hang:stuck')).state === 'DELIVERED', 30_000);
  expect(held(stuck!.conversationId)).toHaveLength(1);
  expect(accepted(stuck!.conversationId)).toHaveLength(1);
  expect(await row('hang:stuck')).toMatchObject({ state: 'DELIVERED', attempts: 2, lastError: null });
}, 60_000);

test('two notifiers on one database, with a lease far shorter than the hang: every update is sent once', async () => {
  await startOne(SHORT_LEASE);
  await startOne(SHORT_LEASE);
  const [stuck, ...others] = await peopleInTeams('lease', 8);
  hangFirstRequestTo(stuck!.conversationId);

  // Written together: the hanging one is claimed with the others, in one batch.
  await notify({ key: 'lease:stuck', personId: stuck!.personId }, ...others.map((other, i) => ({ key: `lease:other-${i}`, personId: other.personId })));

  await waitFor(
    'every update to be delivered',
    async () => (await db.prisma.notification.count({ where: { idempotencyKey: { startsWith: 'lease:' }, state: { not: 'DELIVERED' } } })) === 0,
    30_000,
  );

  // While it hung, neither notifier sent it again, nor anyone else's (each lease renewed until its delivery ended).
  expect(held(stuck!.conversationId)).toHaveLength(1);
  expect(accepted(stuck!.conversationId)).toHaveLength(1);
  expect(others.map((other) => accepted(other.conversationId).length)).toEqual(others.map(() => 1));
  expect(await db.prisma.notification.count({ where: { idempotencyKey: { startsWith: 'lease:other-' }, attempts: 1 } })).toBe(others.length);
}, 60_000);

test('a reply in a turn against a connector that hangs: the turn ends after the timeout, logged, with no second try', async () => {
  const bot = await startOne({});
  const ann = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: demo.ann.displayName };
  const activity = teamsActivity(connector.serviceUrl, ann, { type: 'message', text: 'help' });
  const conversationId = (activity.conversation as { id: string }).id;
  hangFirstRequestTo(conversationId);
  logLines.length = 0;

  const response = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });

  expect(response.status).toBe(200);
  expect(await response.text()).not.toMatch(/Error|at .*\.ts/);
  // The reply was held and given up on; no apology was sent after it into the same silence.
  await waitFor('the bot to hang up on the held reply', async () => held(conversationId).every((request) => !request.open));
  expect(held(conversationId)).toHaveLength(1);
  expect(accepted(conversationId)).toEqual([]);
  expect(logLines.join('\n')).toContain(`the Bot Connector did not answer within ${CONNECTOR_TIMEOUT_MS} ms`);
  expect(logLines.join('\n')).not.toContain(demo.ann.email);

  // The connector recovers: the next message is answered as usual.
  const next = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(teamsActivity(connector.serviceUrl, ann, { type: 'message', text: 'help' })),
  });
  expect(next.status).toBe(200);
  expect(accepted(conversationId).length).toBeGreaterThan(0);
}, 60_000);
