import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import { activityFor, nastyText, notAnActivity } from '../support/activityArbitraries';
import { startLocalConnector, whatTheySee, type LocalConnector } from '../support/connector';
import { openTestDatabase } from '../support/database';
import { rowCounts } from '../support/rowCounts';

/**
 * Thousands of generated activities and card payloads at /api/messages and the Direct Line endpoint. Seeded: a failure
 * prints its seed, and FUZZ_SEED=<seed> replays it.
 */
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const STACK_TRACE = /\bat .+\.(ts|js):\d+|Error: .*\n\s+at /;
const runs = (n: number) => ({ seed, numRuns: n, endOnFailure: true });
// 3,400 generated inputs: about 40 s alone; a loaded machine running the whole suite in parallel needs more room.
jest.setTimeout(300_000);

/** How many inputs each entry point got, printed at the end. */
const counts: Record<string, number> = {};
const count = (entry: string) => {
  counts[entry] = (counts[entry] ?? 0) + 1;
};

let connector: LocalConnector;
let bot: RunningBot;
let dataDir: string;
const log: string[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-fuzz-'));
  connector = await startLocalConnector();
  const logDestination = new Writable({
    write(chunk, _encoding, done) {
      log.push(String(chunk));
      done();
    },
  });
  const config = configFromEnvironment({ PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'info', SIM_CLOCK_SPEED: '1' });
  bot = await startBot(config, { database: await openTestDatabase(), logDestination });
  process.stdout.write(`fuzz seed ${seed} (FUZZ_SEED=${seed} replays it)\n`);
});

afterAll(async () => {
  process.stdout.write(`fuzz inputs per entry point: ${JSON.stringify(counts)}\n`);
  await bot?.close();
  await bot?.db.close();
  await connector?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, text: await response.text() };
}

async function stillUp(): Promise<void> {
  expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
}

/** Nothing the bot sent to a person may show a stack trace, and no turn may have failed. */
function nobodySawACrash(): void {
  for (const sent of connector.sent) {
    const seen = whatTheySee(sent);
    expect(JSON.stringify([...seen.texts, ...seen.buttons])).not.toMatch(STACK_TRACE);
  }
  expect(log.filter((line) => line.includes('"turn failed"'))).toEqual([]);
}

test('bodies that are not activities get 400 with a short reason and change nothing in any table', async () => {
  const before = await rowCounts(bot.db);

  await fc.assert(
    fc.asyncProperty(notAnActivity(connector.serviceUrl), async (body) => {
      count('/api/messages, not activities');
      const answer = await post(`${bot.url}/api/messages`, body);
      expect(answer.status).toBe(400);
      expect(answer.text.length).toBeLessThan(300);
      expect(answer.text).not.toMatch(STACK_TRACE);
    }),
    runs(1_000),
  );

  expect(await rowCounts(bot.db)).toEqual(before);
  expect(connector.requests).toHaveLength(0);
  await stillUp();
});

test('generated activities and tampered card payloads at /api/messages: always 2xx or 4xx, never a crash or a stack trace', async () => {
  await fc.assert(
    fc.asyncProperty(activityFor(connector.serviceUrl), async (activity) => {
      count('/api/messages, activities');
      const answer = await post(`${bot.url}/api/messages`, JSON.stringify(activity));
      // An invoke the bot does not serve is a bad request (400 with a sentence), not "not implemented" (501).
      expect([activity.type, answer.status, answer.status >= 200 && answer.status < 500]).toEqual([activity.type, answer.status, true]);
      expect(answer.text).not.toMatch(STACK_TRACE);
    }),
    runs(1_500),
  );

  nobodySawACrash();
  await stillUp();
});

describe('Direct Line', () => {
  const base = () => `${bot.url}/v3/directline`;

  async function conversation(): Promise<{ id: string; token: string }> {
    const generated = await post(`${base()}/tokens/generate`, '');
    const { conversationId, token } = JSON.parse(generated.text) as { conversationId: string; token: string };
    expect((await post(`${base()}/conversations`, '{}', { authorization: `Bearer ${token}` })).status).toBeLessThan(300);
    return { id: conversationId, token };
  }

  test('generated activities from the web chat: always 2xx or 4xx, and refused ones are not stored', async () => {
    const chat = await conversation();
    const stored = () => bot.db.prisma.webChatActivity.count({ where: { conversationId: chat.id } });
    const webChatActivity = fc.oneof(
      fc.record({ type: fc.constant('message'), text: nastyText }),
      activityFor(connector.serviceUrl),
      fc.jsonValue({ maxDepth: 3 }),
    );

    await fc.assert(
      fc.asyncProperty(webChatActivity, async (activity) => {
        count('Direct Line activities');
        const before = await stored();
        const answer = await post(`${base()}/conversations/${chat.id}/activities`, JSON.stringify(activity), { authorization: `Bearer ${chat.token}` });
        expect(answer.status >= 200 && answer.status < 500).toBe(true);
        expect(answer.text).not.toMatch(STACK_TRACE);
        if (answer.status >= 400) expect(await stored()).toBe(before);
      }),
      runs(600),
    );

    nobodySawACrash();
    await stillUp();
  });

  test('forged tokens and conversation ids get 4xx and change nothing', async () => {
    const chat = await conversation();
    const before = await rowCounts(bot.db);
    const forged = fc.record({
      conversationId: fc.oneof(fc.constant(chat.id), fc.uuid(), fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent)),
      authorization: fc.oneof(fc.constant(''), fc.string({ maxLength: 80 }).map((text) => `Bearer ${text}`), fc.constant(`Bearer ${chat.token}x`), fc.constant(`Basic ${chat.token}`)),
    });

    await fc.assert(
      fc.asyncProperty(forged, async ({ conversationId, authorization }) => {
        count('Direct Line forged tokens');
        const answer = await post(`${base()}/conversations/${conversationId}/activities`, '{"type":"message","text":"hi"}', authorization ? { authorization } : {});
        expect(answer.status >= 400 && answer.status < 500).toBe(true);
      }),
      runs(300),
    );

    expect(await rowCounts(bot.db)).toEqual(before);
  });
});
