import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { openTestDatabase } from '../support/database';
import { startLocalConnector, teamsActivity, type LocalConnector } from '../support/connector';

const ann = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };

let connector: LocalConnector;
let dataDir: string;
const running: RunningBot[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-http-'));
  connector = await startLocalConnector();
});

afterAll(async () => {
  for (const bot of running) {
    await bot.close();
    await bot.db.close().catch(() => undefined);
  }
  await connector.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function start(environment: Record<string, string> = {}): Promise<RunningBot> {
  const bot = await startBot(configFromEnvironment({ PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...environment }), {
    database: await openTestDatabase(),
  });
  running.push(bot);
  return bot;
}

function postRaw(bot: RunningBot, body: string, headers: Record<string, string> = {}) {
  return fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('local mode (no app id)', () => {
  let bot: RunningBot;
  beforeAll(async () => {
    bot = await start();
  });

  test('malformed JSON is refused with 400 and a short JSON reason', async () => {
    const response = await postRaw(bot, '{"type": "message", "text": ');

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'malformed JSON' });
  });

  test('JSON that is not an activity is refused with 400, naming what is missing', async () => {
    const response = await postRaw(bot, JSON.stringify({ type: 'message', text: 'hi' }));

    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string };
    expect(body.error).toMatch(/^not a Bot Framework activity: /);
    expect(JSON.stringify(body)).not.toMatch(/ at |\.ts:/);
  });

  test('a body over the size limit is refused', async () => {
    const huge = JSON.stringify(teamsActivity(connector.serviceUrl, ann, { type: 'message', text: 'x'.repeat(300 * 1024) }));

    const response = await postRaw(bot, huge);

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: expect.any(String) });
  });

  test('/healthz reports the database as reachable', async () => {
    const response = await fetch(`${bot.url}/healthz`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', database: { kind: bot.db.kind, reachable: true } });
  });
});

test('/healthz answers 503 when the database is gone', async () => {
  const bot = await start();
  await bot.db.close();

  const response = await fetch(`${bot.url}/healthz`);

  expect(response.status).toBe(503);
  expect(await response.json()).toMatchObject({ status: 'unavailable', database: { reachable: false } });
});

test('with a Microsoft app id, requests without a valid Bot Framework token get 401 and nothing is processed', async () => {
  const bot = await start({ MicrosoftAppId: '00000000-0000-4000-8000-0000000000aa', MicrosoftAppPassword: 'not-a-real-secret' });
  const sentBefore = connector.sent.length;

  const response = await postRaw(bot, JSON.stringify(teamsActivity(connector.serviceUrl, ann, { type: 'message', text: 'hi' })));

  expect(response.status).toBe(401);
  const forged = await postRaw(bot, JSON.stringify(teamsActivity(connector.serviceUrl, ann, { type: 'message', text: 'hi' })), {
    authorization: 'Bearer not-a-token',
  });
  expect(forged.status).toBe(401);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(connector.sent.length).toBe(sentBefore);
  expect(await bot.db.prisma.conversationReference.count()).toBe(0);
  expect(await bot.db.prisma.botState.count()).toBe(0);
});
