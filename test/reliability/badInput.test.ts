import { t } from '../../cards/strings';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { whatTheySee } from '../support/connector';
import { useBotUnderTest } from '../support/botUnderTest';

/** Inputs the fuzz test (fuzz.test.ts) once found breaking a turn, kept as plain cases so they stay fixed. */
const { bot, says, submits } = useBotUnderTest('bad-input');

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
  for (const reply of replies) expect(whatTheySee(reply).texts).not.toContain(generic);
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

