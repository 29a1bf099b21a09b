import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signProvisioningEvent } from '../../bot/http/provisioningWebhook';
import { cardPress, nastyText } from '../support/activityArbitraries';
import { startLocalConnector, type LocalConnector } from '../support/connector';
import { openTestDatabase } from '../support/database';
import { rowCounts } from '../support/rowCounts';

/**
 * Generated input at the entry points fuzz.test.ts leaves out: the activation page's forms, the provisioning webhook
 * (signed and not), the web chat's file uploads, and every card verb pressed with generated data. Whatever comes in:
 * no 5xx, nothing internal in the answer (stack, file path, Prisma or SQL text), and a refused input changes nothing.
 * Seeded: a failure prints its seed, and FUZZ_SEED=<seed> replays it.
 */
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const runs = (n: number) => ({ seed, numRuns: n, endOnFailure: true });
const INTERNAL = [
  /\bat .+\.(ts|js):\d+|Error: .*\n\s+at /,
  /\/work\/|node_modules|\.ts:\d+/,
  /Prisma\w*Error|Invalid `\w+|prisma\.\w+\.\w+\(/,
  /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[^<]{0,200}\b(FROM|VALUES|SET|WHERE)\b|\brelation "\w+"/,
];
// About 1,300 generated inputs: some 40 s alone on two cores.
jest.setTimeout(300_000);

const SECRET = 'fuzz-webhook-secret';
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
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-fuzz-entry-'));
  connector = await startLocalConnector();
  const logDestination = new Writable({
    write(chunk, _encoding, done) {
      log.push(String(chunk));
      done();
    },
  });
  const config = configFromEnvironment({
    PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'info', SIM_CLOCK_SPEED: '0.000001', PROVISIONING_WEBHOOK_SECRET: SECRET,
  });
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

async function send(url: string, init: RequestInit): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  return { status: response.status, text: await response.text() };
}

/** Not a server error, and nothing internal in the body. */
function answeredCleanly(where: string, answer: { status: number; text: string }): void {
  expect([where, answer.status < 500]).toEqual([where, true]);
  for (const pattern of INTERNAL) expect(answer.text).not.toMatch(pattern);
}

function noTurnFailed(): void {
  expect(log.filter((line) => line.includes('"turn failed"') || line.includes('"request failed"'))).toEqual([]);
}

const contentType = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/json',
  'multipart/form-data; boundary=x',
  'text/plain',
  'application/x-www-form-urlencoded; charset=utf-16',
  '',
  '\u00ff/\u00ff',
);

/** Activation link tokens as forged, guessed or mangled: none of them opens anything. */
const linkToken = fc.oneof(
  fc.base64String({ minLength: 40, maxLength: 44 }).map((text) => text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '')),
  fc.string({ maxLength: 120 }).map(encodeURIComponent),
  fc.constantFrom('', '..%2F..%2Fetc%2Fpasswd', '%00', '%E0%A4%A', 'a'.repeat(5000), '%2e%2e/', "'%20OR%201=1--", '%F0%9F%91%8D'),
);

describe('the activation page', () => {
  test('GET /activate/<generated token>: a page, never a failure, and nothing stored', async () => {
    const before = await rowCounts(bot.db);

    await fc.assert(
      fc.asyncProperty(linkToken, fc.option(fc.constantFrom('nl-BE,nl;q=0.9', 'fr', '*', ';;;q=x', 'x'.repeat(300))), async (token, language) => {
        count('GET /activate');
        const answer = await send(`${bot.url}/activate/${token}`, { headers: language ? { 'accept-language': language } : {} });
        answeredCleanly(`GET ${token}`, answer);
      }),
      runs(200),
    );

    expect(await rowCounts(bot.db)).toEqual(before);
  });

  test('POST /activate/<generated token> with generated forms and content types: never a failure', async () => {
    const form = fc.oneof(
      fc.record({ iccid: nastyText }).map((fields) => new URLSearchParams(fields).toString()),
      fc.constant('action=start'),
      fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 50 }), { maxKeys: 4 }).map((fields) => new URLSearchParams(fields).toString()),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.constantFrom('iccid=%', 'iccid[]=1&iccid[]=2', 'iccid[a]=1', `iccid=${'8'.repeat(5000)}`, 'action=start&iccid=89'),
    );

    await fc.assert(
      fc.asyncProperty(linkToken, form, contentType, async (token, body, type) => {
        count('POST /activate');
        const answer = await send(`${bot.url}/activate/${token}`, { method: 'POST', headers: { 'content-type': type }, body });
        answeredCleanly(`POST ${token} ${type} ${JSON.stringify(body).slice(0, 200)}`, answer);
      }),
      runs(200),
    );

    noTurnFailed();
  });
});

describe('the provisioning webhook', () => {
  const url = () => `${bot.url}/api/provisioning/events`;
  const event = fc.oneof(
    fc.record({
      eventId: fc.oneof(nastyText, fc.uuid()),
      type: fc.constantFrom('porting', 'activation', 'other'),
      requestId: fc.oneof(fc.uuid(), nastyText),
      serviceId: fc.oneof(fc.uuid(), nastyText, fc.integer()),
      event: fc.jsonValue({ maxDepth: 2 }),
      result: fc.oneof(fc.record({ outcome: fc.constantFrom('ACTIVE', 'FAILED', 'x'), reason: fc.option(nastyText) }), fc.jsonValue({ maxDepth: 2 })),
    }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );

  test('unsigned, wrongly signed or stale events: 401, and nothing stored', async () => {
    const before = await rowCounts(bot.db);
    const headers = fc.record({
      [TIMESTAMP_HEADER]: fc.oneof(fc.constant(String(Math.floor(Date.now() / 1000))), fc.string({ maxLength: 14 }), fc.constant('0')),
      [SIGNATURE_HEADER]: fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }).map((hex) => `sha256=${hex}`)),
    }, { requiredKeys: [] });

    await fc.assert(
      fc.asyncProperty(event, headers, contentType, async (body, signed, type) => {
        count('webhook unsigned');
        const answer = await send(url(), { method: 'POST', headers: { 'content-type': type, ...signed }, body });
        answeredCleanly('webhook unsigned', answer);
        expect([400, 401, 413]).toContain(answer.status);
      }),
      runs(150),
    );

    expect(await rowCounts(bot.db)).toEqual(before);
  });

  test('signed generated events: answered without failing, and a refused one leaves nothing', async () => {
    await fc.assert(
      fc.asyncProperty(event, async (body) => {
        count('webhook signed');
        const before = await rowCounts(bot.db);
        const timestamp = String(Math.floor(Date.now() / 1000));
        const answer = await send(url(), {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signProvisioningEvent(SECRET, timestamp, body) },
          body,
        });
        answeredCleanly(`webhook signed ${body.slice(0, 200)}`, answer);
        if (answer.status >= 400) expect(await rowCounts(bot.db)).toEqual(before);
      }),
      runs(150),
    );

    noTurnFailed();
  });
});

test('web chat uploads: generated parts, names and types; a refused upload stores nothing', async () => {
  const base = `${bot.url}/v3/directline`;
  const { conversationId, token } = JSON.parse((await send(`${base}/tokens/generate`, { method: 'POST' })).text) as { conversationId: string; token: string };
  await send(`${base}/conversations`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
  const stored = () => bot.db.prisma.webChatActivity.count({ where: { conversationId } });
  const part = fc.record({
    name: fc.oneof(fc.constantFrom('activity', 'file', 'file', 'other'), fc.string({ maxLength: 20 })),
    filename: fc.option(fc.oneof(nastyText, fc.constantFrom('../../etc/passwd', 'a.csv', 'x'.repeat(400)))),
    type: fc.option(fc.constantFrom('application/json', 'text/csv', 'application/octet-stream', 'x/y; a=b', '')),
    content: fc.oneof(
      fc.record({ type: fc.constantFrom('message', 'event', 'x'), text: fc.option(nastyText) }).map((value) => JSON.stringify(value)),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
    ),
  });
  const multipart = (parts: Array<{ name: string; filename: string | null; type: string | null; content: string }>, boundary: string) =>
    parts
      .map(({ name, filename, type, content }) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename === null ? '' : `; filename="${filename}"`}\r\n` +
        `${type === null ? '' : `Content-Type: ${type}\r\n`}\r\n${content}\r\n`)
      .join('') + `--${boundary}--\r\n`;
  const upload = fc.oneof(
    fc.tuple(fc.array(part, { maxLength: 7 }), fc.constantFrom('b0undary', 'x', '--')).map(([parts, boundary]) => ({ type: `multipart/form-data; boundary=${boundary}`, body: multipart(parts, boundary) })),
    fc.record({ type: contentType, body: fc.string({ unit: 'binary', maxLength: 300 }) }),
  );

  await fc.assert(
    fc.asyncProperty(upload, async ({ type, body }) => {
      count('web chat upload');
      const before = await stored();
      const answer = await send(`${base}/conversations/${conversationId}/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body });
      answeredCleanly(`upload ${type} ${JSON.stringify(body).slice(0, 300)}`, answer);
      if (answer.status >= 400) expect(await stored()).toBe(before);
    }),
    runs(150),
  );

  noTurnFailed();
});

test('every card verb pressed with generated data: 200 or 400, never a failure; a refused press changes nothing but the audit', async () => {
  // What any turn may write: the conversation's state, the person's conversation reference, the audit trail.
  const turnWrites = ['AuditEvent', 'BotState', 'ConversationReference'];

  await fc.assert(
    fc.asyncProperty(cardPress(connector.serviceUrl), async ({ verb, activity }) => {
      count('card verbs');
      const started = new Date();
      const before = await rowCounts(bot.db, turnWrites);
      const answer = await send(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
      answeredCleanly(verb, answer);
      expect([verb, [200, 400].includes(answer.status)]).toEqual([verb, true]);
      if (answer.status !== 400) return;
      const after = await rowCounts(bot.db, turnWrites);
      // A start an earlier accepted press scheduled may run meanwhile: only a change no job made is the press's.
      const jobRan = (await bot.db.prisma.job.count({ where: { updatedAt: { gte: started } } })) > 0;
      if (!jobRan) expect([verb, after]).toEqual([verb, before]);
    }),
    runs(350),
  );

  noTurnFailed();
});
