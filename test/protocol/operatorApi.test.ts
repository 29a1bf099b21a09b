import { t } from '../../cards/strings';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TeamsAdapter } from '@microsoft/teams-ai';
import type { Bot } from '../../bot/app';
import { OPERATOR_API_LIMIT, OPERATOR_API_PREFIX } from '../../bot/http/operatorApi';
import { createLogger } from '../../bot/logger';
import { createServer } from '../../bot/server';
import { OTHER_TENANT_ID, demoStockIccids, other } from '../../prisma/demoData';
import { openDatabase } from '../../services/platform/db/database';
import { luhnCheckDigit } from '../../services/simCards/simNumber';
import { useBotUnderTest, useRunningBot } from '../support/botUnderTest';
import { whatTheySee } from '../support/connector';

/** The operator's back office over HTTP (/api/operator/) and on the command line (npm run operator). */

const KEY = 'operator-key-0123456789abcdef0123456789abcdef';
const TENANT = '2b7d9e41-6c3a-4f58-8e0d-a1b2c3d4e5f6';
const iccid = (n: number) => {
  const payload = `8932555${String(n).padStart(11, '0')}`;
  return payload + luhnCheckDigit(payload);
};
const organisation = {
  name: 'Brouwerij Hops NV',
  vatNumber: 'BE0123456749',
  productTypes: ['DSTNY_MOBILE'],
  administrators: [{ displayName: 'Hilde Hops', email: 'hilde@hops.example', preferredLanguage: 'nl' }],
};

type Json = Record<string, any>;

const { bot, says } = useBotUnderTest('operator-api', { OPERATOR_API_KEY: KEY });
// Another bot with the API off and no demo: the state of `npm start` with DEMO_DATA=false and no key.
const off = useRunningBot('operator-api-off', { DEMO_DATA: 'false' });

/** A call as the operator's system makes it: the key unless told otherwise, JSON unless a content type is given. */
async function call(method: string, route: string, options: { body?: unknown; key?: string | null; contentType?: string; url?: string } = {}) {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? KEY : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const body = typeof options.body === 'string' || options.body === undefined ? options.body : JSON.stringify(options.body);
  const response = await fetch(`${options.url ?? bot().url}${OPERATOR_API_PREFIX}${route}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as Json };
}

/**
 * The validator's verdict on `document`: its command line, in a process of its own, because the package is an ES
 * module that this test runner cannot load in place.
 */
function validateOpenApi(document: unknown): { valid: boolean; errors?: unknown[] } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sim-openapi-')), 'openapi.json');
  fs.writeFileSync(file, JSON.stringify(document));
  try {
    const cli = path.join(path.dirname(require.resolve('@seriousme/openapi-schema-validator/package.json')), 'bin', 'validate-api-cli.js');
    const run = spawnSync(process.execPath, [cli, file], { encoding: 'utf8' });
    return JSON.parse(run.stdout) as { valid: boolean; errors?: unknown[] };
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

describe('the operator API', () => {
  test('401 without a key or with a wrong one, before anything is read', async () => {
    for (const key of [null, 'wrong', `${KEY}x`]) {
      const answer = await call('GET', '/organisations', { key });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="operator"');
      expect(answer.body).toEqual({ error: 'an Authorization: Bearer header with the operator API key is required' });
    }
    expect((await call('PUT', `/organisations/${TENANT}`, { key: 'wrong', body: organisation })).status).toBe(401);
    expect(await bot().db.prisma.organisation.count({ where: { tenantId: TENANT } })).toBe(0);
  });

  test('PUT creates (201), a repeat answers 200 with the same organisation, and GET shows it', async () => {
    const created = await call('PUT', `/organisations/${TENANT}`, { body: organisation });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenantId: TENANT, name: 'Brouwerij Hops NV', vatNumber: 'BE0123456749', productTypes: ['DSTNY_MOBILE'] });
    const again = await call('PUT', `/organisations/${TENANT}`, { body: organisation });
    expect(again).toMatchObject({ status: 200, body: created.body });
    const listed = await call('GET', '/organisations');
    expect(listed.body.organisations).toContainEqual(expect.objectContaining({ tenantId: TENANT, name: 'Brouwerij Hops NV' }));
    const shown = await call('GET', `/organisations/${TENANT}`);
    expect(shown.body).toMatchObject({ ...created.body, counts: { people: { ADMINISTRATOR: 1, SUPPORT: 0, USER: 0 } } });
    expect(await bot().db.prisma.auditEvent.count({ where: { action: 'operator.organisation.created', organisation: { tenantId: TENANT } } })).toBe(1);
  });

  test('400 names each field and what is expected; malformed JSON and a wrong content type too', async () => {
    const answer = await call('PUT', `/organisations/${TENANT}`, { body: { ...organisation, vatNumber: 'NL123', administrators: [{ displayName: 'X', email: 'x', preferredLanguage: 'nl' }] } });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: 'invalid organisation',
      issues: [
        { path: 'vatNumber', message: 'This is not a Belgian VAT number (it starts with NL): a Belgian one starts with BE.' },
        { path: 'administrators.0.email', message: 'expected an email address such as ann@company.example' },
      ],
    });
    expect((await call('PUT', '/organisations/not-a-tenant', { body: organisation })).body.issues).toEqual([
      { path: 'tenantId', message: expect.stringContaining('a GUID') },
    ]);
    expect(await call('PUT', `/organisations/${TENANT}`, { body: '{"name":', contentType: 'application/json' })).toMatchObject({ status: 400, body: { error: 'malformed JSON' } });
    expect(await call('POST', `/organisations/${TENANT}/numbers`, { body: 'mobile=1', contentType: 'text/plain' })).toMatchObject({
      status: 400,
      body: { issues: [{ path: 'body', message: 'expected Content-Type: application/json' }] },
    });
    expect(await call('GET', '/organisations/00000000-0000-4000-8000-000000000404')).toMatchObject({ status: 404, body: { error: expect.stringContaining('no organisation has tenant id') } });
  });

  test('SIM cards as JSON or CSV: added once, refused items with their reasons, repeats refused as already in stock', async () => {
    const json = await call('POST', `/organisations/${TENANT}/sim-cards`, { body: { iccids: [iccid(1), '8932 1234'] } });
    expect(json).toMatchObject({ status: 200, body: { added: 1, refused: [{ iccid: '8932 1234', reason: 'A SIM card number has 19 or 20 digits; this one has 8.' }] } });
    const csv = `label;ICCID\nfirst;${iccid(1)}\nsecond;${iccid(2)}\nthird;${iccid(3)}\ntheirs;${demoStockIccids[0]}\n`;
    const imported = await call('POST', `/organisations/${TENANT}/sim-cards`, { body: csv, contentType: 'text/csv; charset=utf-8' });
    expect(imported.status).toBe(200);
    expect(imported.body.added).toBe(2);
    expect(imported.body.refused).toEqual(
      expect.arrayContaining([
        { iccid: iccid(1), reason: 'already in your stock' },
        { iccid: demoStockIccids[0], reason: 'belongs to another organisation' },
      ]),
    );
    const perLine = await call('POST', `/organisations/${TENANT}/sim-cards`, { body: `${iccid(2)}\n${iccid(4)}\n`, contentType: 'text/csv' });
    expect(perLine.body).toEqual({ added: 1, refused: [{ iccid: iccid(2), reason: 'already in your stock' }] });
    expect((await call('GET', `/organisations/${TENANT}`)).body.counts.simCards.IN_STOCK).toBe(4);
  });

  test('eSIM profiles: each ICCID with its activation code; a bad code or a repeat is refused with its reason, and the body is checked', async () => {
    const profile = (n: number, activationCode = `LPA:1$smdp.acme-operator.example$ACME-${n}`) => ({ iccid: iccid(100 + n), activationCode });
    const first = await call('POST', `/organisations/${TENANT}/esim-profiles`, { body: { profiles: [profile(1), profile(2, 'LPA:1$not a host$X'), profile(3, 'https://example.com')] } });
    expect(first).toMatchObject({ status: 200, body: { added: 1 } });
    expect(first.body.refused).toEqual([
      { iccid: iccid(102), reason: "the activation code's SM-DP+ address is not a host name" },
      { iccid: iccid(103), reason: 'the activation code must read LPA:1$<SM-DP+ address>$<matching id>' },
    ]);
    const repeat = await call('POST', `/organisations/${TENANT}/esim-profiles`, { body: { profiles: [profile(1)] } });
    expect(repeat.body).toEqual({ added: 0, refused: [{ iccid: iccid(101), reason: 'already in your stock' }] });
    expect(await call('POST', `/organisations/${TENANT}/esim-profiles`, { body: { profiles: [{ iccid: iccid(104) }] } })).toMatchObject({ status: 400 });
  });

  test('numbers: mobile and fixed checked for their kind; a repeat adds nothing', async () => {
    const body = { mobile: ['+32 470 55 66 77', '+3226402000'], fixed: ['02 640 20 00'] };
    const first = await call('POST', `/organisations/${TENANT}/numbers`, { body });
    expect(first.body).toEqual({ added: 2, refused: [{ number: '+3226402000', reason: expect.stringContaining('not a Belgian mobile number') }] });
    const repeat = await call('POST', `/organisations/${TENANT}/numbers`, { body });
    expect(repeat.body.added).toBe(0);
    expect(repeat.body.refused).toEqual(expect.arrayContaining([{ number: '02 640 20 00', reason: 'already in your stock' }]));
  });

  test('deactivating an organisation: its people are told the bot is not theirs; its data stays; reactivated, they are served again', async () => {
    const olga = { tenantId: OTHER_TENANT_ID, aadObjectId: other.olga.aadObjectId, name: 'Olga Other', locale: 'en-US' };
    const answer = await call('POST', `/organisations/${OTHER_TENANT_ID}/deactivate`);
    expect(answer).toMatchObject({ status: 200, body: { tenantId: OTHER_TENANT_ID, deactivatedAt: expect.any(String) } });
    const [reply] = await says(olga, 'hello');
    expect(whatTheySee(reply!).texts).toEqual([t('en', 'welcome.deactivatedOrganisation')]);
    expect((await call('GET', `/organisations/${OTHER_TENANT_ID}`)).body.counts.people.ADMINISTRATOR).toBeGreaterThan(0);
    expect(await call('POST', `/organisations/${OTHER_TENANT_ID}/sim-cards`, { body: { iccids: [iccid(9)] } })).toMatchObject({ status: 409 });

    const reactivated = await call('POST', `/organisations/${OTHER_TENANT_ID}/reactivate`);
    expect(reactivated).toMatchObject({ status: 200, body: { tenantId: OTHER_TENANT_ID, deactivatedAt: null } });
    const [welcome] = await says(olga, 'hello');
    expect(whatTheySee(welcome!).texts).not.toContain(t('en', 'welcome.deactivatedOrganisation'));
    expect(await call('POST', `/organisations/${OTHER_TENANT_ID}/sim-cards`, { body: { iccids: [iccid(9)] } })).toMatchObject({ status: 200, body: { added: 1 } });
  });

  test('the OpenAPI document is valid OpenAPI 3.1 and names exactly the routes the server registers', async () => {
    const document = await call('GET', '/openapi.json');
    expect(document.status).toBe(200);
    expect(document.body.openapi).toBe('3.1.0');
    expect(validateOpenApi(document.body)).toEqual({ valid: true });

    const documented = Object.entries(document.body.paths as Json).flatMap(([route, item]) =>
      Object.keys(item).filter((key) => key !== 'parameters').map((method) => `${method.toUpperCase()} ${route}`));
    const server = createServer({ bot: {} as Bot, adapter: {} as TeamsAdapter, db: bot().db, config: { ...off.config, operatorApiKey: KEY }, logger: createLogger('silent') });
    const registered = Object.values(server.router.getRoutes() as unknown as Record<string, { method: string; path: string }>)
      .filter((route) => route.path.startsWith(OPERATOR_API_PREFIX))
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(registered.sort()).toEqual(documented.sort());
    expect(registered).toHaveLength(9);
  });

  test('429 with Retry-After once the key made more calls in a minute than the limit', async () => {
    let answer = await call('GET', '/organisations');
    // Twice the limit at most: a minute's window may turn once while the calls are made.
    for (let calls = 1; answer.status !== 429 && calls <= 2 * OPERATOR_API_LIMIT.limit + 1; calls++) answer = await call('GET', '/organisations');
    expect(answer.status).toBe(429);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answer.body.error).toMatch(/^more than 120 calls in a minute: retry in \d+ s$/);
  });
});

describe('with OPERATOR_API_KEY unset and DEMO_DATA=false', () => {
  test('every operator route answers 404, and the database holds no organisation', async () => {
    for (const [method, route] of [['GET', '/openapi.json'], ['GET', '/organisations'], ['PUT', `/organisations/${TENANT}`], ['POST', `/organisations/${TENANT}/deactivate`]] as const) {
      expect((await call(method, route, { url: off.bot.url, body: method === 'PUT' ? organisation : undefined })).status).toBe(404);
    }
    expect(await off.db.prisma.organisation.count()).toBe(0);
    expect(off.bot.adminLink).toBe('');
  });
});

describe('npm run operator', () => {
  const root = path.join(__dirname, '..', '..');
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-operator-cli-'));
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** scripts/operatorCli.ts as `npm run operator --` runs it, on the embedded database under `dataDir`. */
  function operator(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
    // The embedded database is what the lock is about, even when the suite runs on PostgreSQL.
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ['-r', path.join(root, 'test/support/typescriptHook.js'), path.join(root, 'scripts/operatorCli.ts'), ...args], {
      cwd: dataDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  }
  const file = (name: string, content: string) => {
    fs.writeFileSync(path.join(dataDir, name), content);
    return name;
  };

  test('refuses with one line while another process holds the embedded database', async () => {
    const held = await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pglite') });
    try {
      const run = await operator('list');
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(new RegExp(`^Cannot run while the bot \\(process ${process.pid} on .+\\) has the embedded database in .+ open: stop the bot first, or use the HTTP API under /api/operator/ while it runs\\.$`)),
      ]);
    } finally {
      await held.close();
    }
  }, 60_000);

  test('from an empty database to an organisation with its administrator, stock and numbers, then deactivated', async () => {
    const help = await operator('--help');
    for (const command of ['list', 'show <tenantId>', 'put <tenantId>', 'add-sim-cards <tenantId>', 'add-numbers <tenantId>', 'deactivate <tenantId>']) expect(help.stdout).toContain(command);
    expect(JSON.parse((await operator('list')).stdout)).toEqual([]);

    const put = await operator('put', TENANT, file('org.json', JSON.stringify(organisation)));
    expect(put.stderr).toBe('');
    expect(JSON.parse(put.stdout)).toMatchObject({ tenantId: TENANT, productTypes: ['DSTNY_MOBILE'], administrators: [{ email: 'hilde@hops.example' }] });
    const wrong = await operator('put', TENANT, file('wrong.json', JSON.stringify({ ...organisation, administrators: [] })));
    expect(wrong).toMatchObject({ code: 1, stderr: 'invalid organisation\n  administrators: expected at least one administrator\n' });

    const sims = await operator('add-sim-cards', TENANT, file('sims.csv', `iccid\n${iccid(11)}\n${iccid(12)}\n`));
    expect(JSON.parse(sims.stdout)).toEqual({ added: 2, refused: [] });
    const numbers = await operator('add-numbers', TENANT, file('numbers.json', JSON.stringify({ mobile: ['0470 11 22 33'], fixed: ['02 640 30 00'] })));
    expect(JSON.parse(numbers.stdout)).toEqual({ added: 2, refused: [] });
    const shown = JSON.parse((await operator('show', TENANT)).stdout);
    expect(shown.counts).toMatchObject({ people: { ADMINISTRATOR: 1 }, simCards: { IN_STOCK: 2 }, numbers: { MOBILE: { FREE: 1 }, FIXED: { FREE: 1 } } });

    expect(JSON.parse((await operator('deactivate', TENANT)).stdout).deactivatedAt).toEqual(expect.any(String));
    expect(await operator('show', 'nobody')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^invalid tenant id\n {2}tenantId: expected .*GUID/) });
  }, 120_000);
});
