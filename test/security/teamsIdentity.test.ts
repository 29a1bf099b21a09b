import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { newSigningKey, startLocalOpenIdServer, type LocalOpenIdServer } from '../support/botFrameworkTokens';
import { startLocalConnector, teamsActivity, type LocalConnector } from '../support/connector';
import { openTestDatabase } from '../support/database';
import { rowCounts } from '../support/rowCounts';

const APP_ID = '00000000-0000-4000-8000-0000000000aa';
const ann = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };

let openId: LocalOpenIdServer;
let connector: LocalConnector;
let bot: RunningBot;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-identity-'));
  openId = await startLocalOpenIdServer();
  connector = await startLocalConnector();
  const config = configFromEnvironment({
    PORT: '0',
    DATA_DIR: dataDir,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    MicrosoftAppId: APP_ID,
    MicrosoftAppPassword: 'not-a-real-secret',
    BotOpenIdMetadata: openId.metadataUrl,
  });
  bot = await startBot(config, { database: await openTestDatabase() });
});

afterAll(async () => {
  await bot?.close();
  await bot?.db.close();
  await connector?.close();
  await openId?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function postAs(authorization: string | undefined) {
  const activity = teamsActivity(connector.serviceUrl, ann, { type: 'message', text: 'hi' });
  return fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(activity),
  });
}

describe('with an app id, a request the Bot Connector did not vouch for gets 401 and changes nothing', () => {
  const forged: Array<[string, () => string | undefined]> = [
    ['no token at all', () => undefined],
    ['a token for another app id', () => `Bearer ${openId.publishedKey.sign({ audience: '00000000-0000-4000-8000-0000000000bb', serviceUrl: connector.serviceUrl })}`],
    ['an expired token', () => `Bearer ${openId.publishedKey.sign({ audience: APP_ID, serviceUrl: connector.serviceUrl, expiresIn: -3600 })}`],
    ['a token signed by a key the Bot Connector never published', () => `Bearer ${newSigningKey().sign({ audience: APP_ID, serviceUrl: connector.serviceUrl })}`],
    ['a token from another issuer', () => `Bearer ${openId.publishedKey.sign({ audience: APP_ID, serviceUrl: connector.serviceUrl, issuer: 'https://attacker.example' })}`],
    ['a token for another serviceUrl', () => `Bearer ${openId.publishedKey.sign({ audience: APP_ID, serviceUrl: 'https://smba.attacker.example/' })}`],
    ['a token that is not a JWT', () => 'Bearer not-a-token'],
  ];

  test.each(forged)('%s', async (_case, authorization) => {
    const before = await rowCounts(bot.db);
    const sentBefore = connector.requests.length;

    const response = await postAs(authorization());

    expect(response.status).toBe(401);
    expect(JSON.stringify(await response.text())).not.toMatch(/ at |\.ts:|\.js:/);
    expect(await rowCounts(bot.db)).toEqual(before);
    expect(connector.requests.length).toBe(sentBefore);
  });
});

test('a valid token signed by the published key gets through, so the refusals above are the check and not a broken setup', async () => {
  const references = await bot.db.prisma.conversationReference.count();

  const response = await postAs(`Bearer ${openId.publishedKey.sign({ audience: APP_ID, serviceUrl: connector.serviceUrl })}`);

  expect(response.status).not.toBe(401);
  // The turn ran: Ann's conversation reference was recorded for her.
  expect(await bot.db.prisma.conversationReference.count()).toBe(references + 1);
});

test('without an app id the console says loudly that requests are not authenticated', async () => {
  const printed: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  let local: RunningBot | undefined;
  try {
    local = await startBot(configFromEnvironment({ PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'silent' }), {
      database: await openTestDatabase(),
    });
  } finally {
    write.mockRestore();
    await local?.close();
    await local?.db.close();
  }

  expect(printed.join('')).toMatch(/WARNING: no MicrosoftAppId is set, so \/api\/messages accepts UNAUTHENTICATED requests/);
});
