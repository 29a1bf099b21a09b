import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, other } from '../../prisma/demoData';
import { Role } from '../../prisma/generated/enums';
import { t } from '../../cards/strings';
import { useBotUnderTest } from '../support/botUnderTest';
import { whatTheySee, type SentActivity, type TeamsPerson } from '../support/connector';

/**
 * A person the organisation added by email writes from Teams for the first time: Teams tells the bot who the account
 * is (the connector's member call), and the person with that address gets the account, once. Nobody else's.
 */

const { bot, connector, says } = useBotUnderTest('teams-linking');
const prisma = () => bot().db.prisma;

let next = 0;
/** A Teams account nobody linked yet, with the addresses Teams knows it by. */
function newAccount(tenantId: string, addresses: { email?: string; userPrincipalName?: string }): TeamsPerson {
  next += 1;
  const aadObjectId = `e${String(next).padStart(7, '0')}-0000-4000-8000-000000000001`;
  connector().members.set(`29:${aadObjectId}`, { id: `29:${aadObjectId}`, aadObjectId, name: 'Someone', tenantId, ...addresses });
  return { tenantId, aadObjectId, name: 'Someone', locale: 'en-US' };
}

async function addedByEmail(email: string, displayName: string, organisation = DEMO_TENANT_ID) {
  const { id: organisationId } = await prisma().organisation.findUniqueOrThrow({ where: { tenantId: organisation } });
  return prisma().person.create({ data: { organisationId, email, displayName, role: Role.USER } });
}

const texts = (sent: SentActivity[]) => sent.flatMap((activity) => whatTheySee(activity).texts);
const notRegistered = (organisation: string) => t('en', 'welcome.unknownPerson', { organisation, administrators: 'Ann Admin' });

test('the person added with the account email gets the account, is told so, and is recognised from then on', async () => {
  const nora = await addedByEmail('nora.new@demo.example', 'Nora New');
  const account = newAccount(DEMO_TENANT_ID, { email: 'Nora.New@demo.example', userPrincipalName: 'nora@demo.onmicrosoft.com' });

  const first = texts(await says(account, 'hi'));
  expect(first[0]).toBe(t('en', 'welcome.linkedByEmail', { address: 'nora.new@demo.example', name: 'Nora New', organisation: 'Demo Company NV' }));
  expect(first).toContain(t('en', 'welcome.greeting', { name: 'Nora New' }));
  expect((await prisma().person.findUniqueOrThrow({ where: { id: nora.id } })).aadObjectId).toBe(account.aadObjectId);
  const audit = await prisma().auditEvent.findMany({ where: { action: 'person.teamsLinked', subjectId: nora.id } });
  expect(audit).toHaveLength(1);

  // Linked once: the next message neither asks Teams again nor says it again.
  connector().members.delete(`29:${account.aadObjectId}`);
  const second = texts(await says(account, 'hi'));
  expect(second).not.toContain(first[0]);
  // The welcome is in the chat already: a second hello is answered briefly.
  expect(second).toEqual([t('en', 'welcome.again', { name: 'Nora New' })]);
});

test('the user principal name links too, when the account has no mail address', async () => {
  const paul = await addedByEmail('paul.upn@demo.example', 'Paul Upn');
  const account = newAccount(DEMO_TENANT_ID, { userPrincipalName: 'PAUL.UPN@demo.example' });
  expect(texts(await says(account, 'hi'))).toContain(t('en', 'welcome.greeting', { name: 'Paul Upn' }));
  expect((await prisma().person.findUniqueOrThrow({ where: { id: paul.id } })).aadObjectId).toBe(account.aadObjectId);
});

test('an address nobody was added with: the polite "not registered", nothing linked', async () => {
  const account = newAccount(DEMO_TENANT_ID, { email: 'stranger@demo.example' });
  expect(texts(await says(account, 'hi'))).toEqual([notRegistered('Demo Company NV')]);
  expect(await prisma().person.count({ where: { aadObjectId: account.aadObjectId } })).toBe(0);
});

test("another organisation's person is never linked from this tenant, even with their address", async () => {
  const account = newAccount(DEMO_TENANT_ID, { email: 'olivia.other@other.example' });
  const olivia = await addedByEmail('olivia.other@other.example', 'Olivia Other', OTHER_TENANT_ID);
  expect(texts(await says(account, 'hi'))).toEqual([notRegistered('Demo Company NV')]);
  expect((await prisma().person.findUniqueOrThrow({ where: { id: olivia.id } })).aadObjectId).toBeNull();
});

test('an identity already linked is never moved to another account', async () => {
  const account = newAccount(DEMO_TENANT_ID, { email: demo.jan.email });
  expect(texts(await says(account, 'hi'))).toEqual([notRegistered('Demo Company NV')]);
  const jan = await prisma().person.findFirstOrThrow({ where: { email: demo.jan.email } });
  expect(jan.aadObjectId).toBe(demo.jan.aadObjectId);
  expect(await prisma().person.count({ where: { aadObjectId: account.aadObjectId } })).toBe(0);
});

test('Teams not knowing the member (404) leaves the person unrecognised, politely', async () => {
  await addedByEmail('gone.member@demo.example', 'Gone Member');
  const account = newAccount(DEMO_TENANT_ID, { email: 'gone.member@demo.example' });
  connector().members.delete(`29:${account.aadObjectId}`);
  expect(texts(await says(account, 'hi'))).toEqual([notRegistered('Demo Company NV')]);
});

test("the member call describing another account than the writer's links nothing", async () => {
  await addedByEmail('mallory.mismatch@demo.example', 'Mallory Mismatch');
  const account = newAccount(DEMO_TENANT_ID, { email: 'mallory.mismatch@demo.example' });
  const member = connector().members.get(`29:${account.aadObjectId}`)!;
  connector().members.set(`29:${account.aadObjectId}`, { ...member, aadObjectId: other.olga.aadObjectId });
  expect(texts(await says(account, 'hi'))).toEqual([notRegistered('Demo Company NV')]);
});
