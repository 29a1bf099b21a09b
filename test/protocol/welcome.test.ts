import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, other } from '../../prisma/demoData';
import { conversationsOf } from '../../services/people/conversations';
import { openTestDatabase } from '../support/database';
import { startLocalConnector, teamsActivity, whatTheySee, type LocalConnector, type SentActivity, type TeamsPerson } from '../support/connector';

const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const sam: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.sam.aadObjectId, name: 'Sam Support' };
const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters' };
const oscar: TeamsPerson = { tenantId: OTHER_TENANT_ID, aadObjectId: other.oscar.aadObjectId, name: 'Oscar Olsen' };
const stranger: TeamsPerson = { tenantId: 'f0000000-0000-4000-8000-0000000000ff', aadObjectId: 'f0000000-0000-4000-8000-000000000001' };
const newcomer: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: 'f0000000-0000-4000-8000-000000000002' };

let bot: RunningBot;
let connector: LocalConnector;
let dataDir: string;
const logLines: string[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-protocol-'));
  connector = await startLocalConnector();
  bot = await startBot(configFromEnvironment({ PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test' }), {
    database: await openTestDatabase(),
    logDestination: { write: (line: string) => void logLines.push(line) },
  });
});

afterAll(async () => {
  await bot.close();
  await bot.db.close();
  await connector.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Posts an activity as Teams would and returns the HTTP response and what the bot sent back during that turn. */
async function post(activity: Record<string, unknown>): Promise<{ status: number; body: any; replies: SentActivity[] }> {
  const before = connector.sent.length;
  const response = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, replies: connector.sent.slice(before) };
}

function says(person: TeamsPerson, text: string, extra: Record<string, unknown> = {}) {
  return post(teamsActivity(connector.serviceUrl, person, { type: 'message', text, ...extra }));
}

test('Ann, the fleet administrator, is greeted by name with her organisation and the administrator buttons', async () => {
  const { status, replies } = await says(ann, 'hi');

  expect(status).toBe(200);
  expect(replies).toHaveLength(1);
  const seen = whatTheySee(replies[0]!);
  expect(seen.texts).toEqual(expect.arrayContaining(['Hello Ann Admin', 'Demo Company NV']));
  expect(seen.buttons).toEqual(['Add a service', 'Services waiting for activation', 'Mobile porting issues', 'Overview', 'Manage people']);
  // Teams gets Universal Actions, each with a plain submit for clients that lack them.
  expect(seen.actions[0]).toMatchObject({
    type: 'Action.Execute',
    verb: 'welcome.addService',
    fallback: { type: 'Action.Submit', data: { verb: 'welcome.addService' } },
  });
  expect(replies[0]!.conversationId).toBe(`a:personal-${DEMO_TENANT_ID}-${demo.ann.aadObjectId}`);
});

test('Sam, from support, is offered to look up a user', async () => {
  const { replies } = await says(sam, 'hello');

  const seen = whatTheySee(replies[0]!);
  expect(seen.texts).toContain('Hello Sam Support');
  expect(seen.buttons).toEqual(['Look up a user']);
});

test('Jan, an employee who prefers Dutch, gets his welcome in Dutch even from an English Teams client', async () => {
  const { replies } = await says(jan, 'help');

  const seen = whatTheySee(replies[0]!);
  expect(seen.texts).toContain('Hallo Jan Peeters');
  expect(seen.buttons).toEqual(['Mijn simkaart activeren', 'Hulp krijgen']);
});

test('an employee without a preferred language gets the Teams client language, else English', async () => {
  const english = await says(oscar, 'what can you do?');
  expect(whatTheySee(english.replies[0]!).buttons).toEqual(['Activate my SIM card', 'Get help']);

  const french = await says(oscar, 'bonjour', { locale: 'fr-BE' });
  expect(whatTheySee(french.replies[0]!).buttons).toEqual(['Activer ma carte SIM', "Obtenir de l'aide"]);
});

test('someone from an organisation that is not registered is told so politely, with whom to contact', async () => {
  const { status, replies } = await says(stranger, 'hi');

  expect(status).toBe(200);
  expect(replies).toHaveLength(1);
  expect(replies[0]!.activity.text).toBe(
    'Sorry, your organisation is not registered for the SIM activation assistant. ' +
      'Please ask your fleet administrator, or call Dstny support on 02 401 97 00 (option 1).',
  );
});

test('an unregistered person of a known organisation is told to ask its administrator, by name', async () => {
  const { replies } = await says(newcomer, 'hi');

  expect(replies[0]!.activity.text).toBe(
    'Sorry, your account is not registered in Demo Company NV yet. Please ask your fleet administrator (Ann Admin) to add you.',
  );
});

test('an Emulator visitor without a Teams identity gets general help', async () => {
  const { replies } = await post({
    type: 'message',
    id: 'emulator-1',
    channelId: 'emulator',
    serviceUrl: connector.serviceUrl,
    from: { id: 'visitor-1', name: 'User' },
    recipient: { id: 'bot', name: 'Bot' },
    conversation: { id: 'emulator-conversation-1' },
    text: 'hello',
    locale: 'en-US',
  });

  const seen = whatTheySee(replies[0]!);
  expect(seen.texts[0]).toBe('SIM activation assistant');
  expect(seen.texts.join(' ')).toMatch(/personal activation link/);
  expect(seen.texts.join(' ')).toMatch(/sign-in link/);
  expect(seen.buttons).toEqual([]);
});

test('installing the app welcomes once; the conversation update that follows sends nothing more', async () => {
  const person: TeamsPerson = { ...ann, aadObjectId: demo.ann.aadObjectId };
  const conversation = { id: 'a:install-once', tenantId: DEMO_TENANT_ID, conversationType: 'personal' };

  const installed = await post(teamsActivity(connector.serviceUrl, person, { type: 'installationUpdate', action: 'add', conversation }));
  expect(installed.replies).toHaveLength(1);
  expect(whatTheySee(installed.replies[0]!).texts).toContain('Hello Ann Admin');

  const joined = await post(
    teamsActivity(connector.serviceUrl, person, {
      type: 'conversationUpdate',
      membersAdded: [{ id: '28:sim-activation-assistant' }],
      conversation,
    }),
  );
  expect(joined.status).toBe(200);
  expect(joined.replies).toHaveLength(0);

  const installedAgain = await post(teamsActivity(connector.serviceUrl, person, { type: 'installationUpdate', action: 'add', conversation }));
  expect(installedAgain.replies).toHaveLength(0);
});

test('the bot joining a conversation welcomes once; another member joining does not', async () => {
  const conversation = { id: 'a:join-once', tenantId: DEMO_TENANT_ID, conversationType: 'personal' };
  const botJoins = teamsActivity(connector.serviceUrl, sam, {
    type: 'conversationUpdate',
    membersAdded: [{ id: `29:${demo.sam.aadObjectId}` }, { id: '28:sim-activation-assistant' }],
    conversation,
  });

  const first = await post(botJoins);
  expect(whatTheySee(first.replies[0]!).buttons).toEqual(['Look up a user']);
  expect((await post(botJoins)).replies).toHaveLength(0);

  const fresh = { id: 'a:someone-else-joins', tenantId: DEMO_TENANT_ID, conversationType: 'personal' };
  const otherJoins = teamsActivity(connector.serviceUrl, sam, {
    type: 'conversationUpdate',
    membersAdded: [{ id: '29:someone-else' }],
    conversation: fresh,
  });
  expect((await post(otherJoins)).replies).toHaveLength(0);
});

test('a welcome button in Teams (Action.Execute) is answered with the card that replaces the welcome', async () => {
  const { status, body, replies } = await post(
    teamsActivity(connector.serviceUrl, ann, {
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb: 'welcome.addService', data: {} }, trigger: 'manual' },
    }),
  );

  expect(status).toBe(200);
  expect(body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
  expect(body.value.body[0]).toMatchObject({ type: 'TextBlock', text: 'Who is the service for?' });
  expect(replies).toHaveLength(0);
});

test('the same button as a plain submit (web chat, older clients) answers in the person\'s language', async () => {
  const { replies } = await post(
    teamsActivity(connector.serviceUrl, jan, { type: 'message', value: { verb: 'welcome.activateSim' } }),
  );

  expect(replies.map((reply) => reply.activity.text)).toEqual([
    'Typ het nummer van je simkaart: de 19 of 20 cijfers op de kaart, beginnend met 89.',
  ]);
});

test('a button from a stale card is explained, not an error', async () => {
  const { replies } = await post(teamsActivity(connector.serviceUrl, ann, { type: 'message', value: { verb: 'retired.verb' } }));

  expect(replies[0]!.activity.text).toMatch(/older message/);
});

test('each turn is logged in one line without what the person wrote', async () => {
  await says(ann, 'my SIM is 8932000000000000001 and my phone +32 470 12 34 56, mail ann.admin@demo.example');

  const turns = logLines.map((line) => JSON.parse(line)).filter((record) => record.msg === 'turn');
  expect(turns.length).toBeGreaterThan(0);
  expect(turns.at(-1)).toMatchObject({ activityType: 'message', channelId: 'msteams', outcome: 'ok', latencyMs: expect.any(Number) });
  const everything = logLines.join('\n');
  expect(everything).not.toMatch(/8932000000000000001|470 12 34 56|ann\.admin@|my SIM is/);
});

test('a known person\'s conversation is remembered for proactive messages', async () => {
  await says(jan, 'hi');

  const person = await bot.db.prisma.person.findFirstOrThrow({ where: { aadObjectId: demo.jan.aadObjectId } });
  const stored = await conversationsOf(bot.db.prisma, person.id);
  expect(stored).toHaveLength(1);
  expect(stored[0]).toMatchObject({ channelId: 'msteams', conversationId: `a:personal-${DEMO_TENANT_ID}-${demo.jan.aadObjectId}` });
  expect(stored[0]!.reference).toMatchObject({ serviceUrl: connector.serviceUrl, conversation: { tenantId: DEMO_TENANT_ID } });
});
