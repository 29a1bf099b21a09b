import { t } from '../../cards/strings';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { execute, press, readCard } from '../support/addServiceDriver';
import { whatTheySee } from '../support/connector';
import { useBotUnderTest } from '../support/botUnderTest';

/** Inputs the fuzz test (fuzz.test.ts) once found breaking a turn, kept as plain cases so they stay fixed. */
const { bot, connector, says, submits } = useBotUnderTest('bad-input');

const jan = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters' };
const sam = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.sam.aadObjectId, name: 'Sam Support' };
const generic = t('en', 'error.generic');

test.each([
  ['Arabic', 'مرحبا، أريد تفعيل بطاقة SIM'],
  ['Hebrew with emoji and digits', 'שלום 👋🏽 8932 0000 0000 0000 000'],
  ['a right-to-left override', '\u202Eredun\u202C Jan'],
  ['control characters', '\u0001\u0007\u001b[31m\r\n\t'],
  ['20,000 characters', 'x'.repeat(20_000)],
])('%s in a message is answered politely, not with "something went wrong"', async (_case, text) => {
  const replies = await says(jan, text);

  expect(replies.length).toBeGreaterThan(0);
  for (const reply of replies) expect(whatTheySee(reply).texts.join('\n')).not.toContain(generic);
});

test('one letter after "Look up a user" asks for a real name instead of failing the turn', async () => {
  await submits(sam, { verb: 'welcome.lookUpUser' });

  const [reply] = await says(sam, 'a');

  expect(whatTheySee(reply!).texts).toEqual([t('en', 'support.query.invalid')]);
});

test('a web chat message carrying a NUL character is refused with 400 and not stored', async () => {
  const base = `${bot().url}/v3/directline`;
  const { token, conversationId } = (await (await fetch(`${base}/tokens/generate`, { method: 'POST' })).json()) as { token: string; conversationId: string };
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  await fetch(`${base}/conversations`, { method: 'POST', headers, body: '{}' });

  const response = await fetch(`${base}/conversations/${conversationId}/activities`, { method: 'POST', headers, body: JSON.stringify({ type: 'message', text: 'hi\u0000' }) });

  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({ error: { message: expect.stringContaining('NUL characters are not allowed') } });
  const stored = await bot().db.prisma.webChatActivity.findMany({ where: { conversationId } });
  expect(stored.filter((row) => (row.activity as { from?: { role?: string } }).from?.role === 'user')).toHaveLength(0);
});

test('a web chat message with an unpaired surrogate is refused with 400 too', async () => {
  const base = `${bot().url}/v3/directline`;
  const { token, conversationId } = (await (await fetch(`${base}/tokens/generate`, { method: 'POST' })).json()) as { token: string; conversationId: string };
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  await fetch(`${base}/conversations`, { method: 'POST', headers, body: '{}' });
  const response = await fetch(`${base}/conversations/${conversationId}/activities`, { method: 'POST', headers, body: JSON.stringify({ type: 'message', text: 'hi \ud800' }) });
  expect(response.status).toBe(400);
});

describe('NUL and unpaired surrogates from Teams lose only those characters', () => {
  const ann = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann\u0000 Admin\ud800' };

  test('in the name and the locale: the turn is answered, not failed at the database write', async () => {
    const replies = await says({ ...ann, locale: 'nl\u0000-BE' }, 'hallo\u0000');
    expect(replies.length).toBeGreaterThan(0);
    for (const reply of replies) expect(whatTheySee(reply).texts.join('\n')).not.toContain(generic);
    const reference = await bot().db.prisma.conversationReference.findFirstOrThrow({ where: { conversationId: `a:personal-${DEMO_TENANT_ID}-${demo.ann.aadObjectId}` } });
    expect(JSON.stringify(reference.reference)).not.toMatch(/\\u0000|\\ud800/);
  });

  test('in a card field: the add-service search finds the person as if typed without it', async () => {
    const harness = { bot: bot(), connector: connector(), close: async () => undefined };
    const found = await press(harness, ann, await execute(harness, ann, 'welcome.addService'), 'Search', { query: 'Mar\u0000ie\udc00' });
    expect(readCard(found).texts).toEqual(expect.arrayContaining(['For Marie Dubois']));
    await press(harness, ann, found, 'Cancel');
  });
});

describe('names with emoji, right-to-left text, quotes and template syntax', () => {
  const names = ['Zoë 👩🏽‍💻 O\'Brien "Ace"', 'محمد الحسن', '\u202Eevil\u202C Adams', '${title} {name} <b>Bold</b>'];
  const ann = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };

  beforeAll(async () => {
    const organisation = await bot().db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } });
    await bot().db.prisma.person.createMany({
      data: names.map((displayName, n) => ({ organisationId: organisation.id, role: 'USER' as const, email: `odd.name.${n}@demo.example`, displayName })),
    });
  });

  test.each(names.map((name, n) => [name, n] as const))('%s is shown as written on the add-service search and on support\'s look-up', async (name, n) => {
    const harness = { bot: bot(), connector: connector(), close: async () => undefined };
    const chosen = await press(harness, ann, await execute(harness, ann, 'welcome.addService'), 'Search', { query: `odd.name.${n}@demo.example` });
    expect(readCard(chosen).texts.join('\n')).toContain(name);
    await press(harness, ann, chosen, 'Cancel');
    const [found] = await says(sam, `status of odd.name.${n}@demo.example`);
    expect(whatTheySee(found!).texts).toEqual([t('en', 'support.noServices', { name })]);
  });
});
