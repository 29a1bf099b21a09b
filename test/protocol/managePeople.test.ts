import { DEMO_TENANT_ID, demo, demoStockIccids } from '../../prisma/demoData';
import { ServiceStatus } from '../../prisma/generated/enums';
import { saveService } from '../../services/addService/orderSaving';
import { reserveNumber } from '../../services/numbers/numberPool';
import { demoActor } from '../support/addServiceDriver';
import { t } from '../../cards/strings';
import { useBotUnderTest } from '../support/botUnderTest';
import { whatTheySee, type SentActivity, type TeamsPerson } from '../support/connector';

/**
 * Over HTTP as Teams sends it: Ann asks to add an employee, chooses Nora in the people picker and saves; Nora then
 * writes from her Teams account and is recognised, without anyone copying ids around.
 */

// A very fast clock: the simulated backend's "about an hour" is well under a second.
const { bot, says, presses, connector } = useBotUnderTest('manage-people', { SIM_CLOCK_SPEED: '100000000' });

type Json = Record<string, any>;
const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const NORA_AAD = 'f0000000-0000-4000-8000-00000000a0aa';
const nora: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: NORA_AAD, name: 'Nora New', locale: 'en-US' };
const texts = (sent: SentActivity[]) => sent.flatMap((activity) => whatTheySee(activity).texts);
const cardIn = (sent: SentActivity[]): Json => sent.flatMap((activity) => activity.activity.attachments ?? [])[0]?.content;

test('Ann adds Nora New in Teams with the people picker; Nora writes from Teams and is recognised', async () => {
  // Before: Nora's account is nobody's.
  expect(texts(await says(nora, 'hi'))).toEqual([t('en', 'welcome.unknownPerson', { organisation: 'Demo Company NV', administrators: 'Ann Admin' })]);

  const card = cardIn(await says(ann, 'add an employee'));
  const picker = card.body.find((element: Json) => element.id === 'directoryId');
  expect(picker).toMatchObject({ type: 'Input.ChoiceSet', 'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users' } });
  const save = card.actions.find((element: Json) => element.title === 'Save');

  // Teams sends the inputs with the button's data; the picker's value is the chosen account's AAD object id.
  const { answer } = await presses(ann, {
    verb: save.verb,
    data: { ...save.data, directoryId: NORA_AAD, displayName: 'Nora New', email: 'nora.new@demo.example', language: 'en' },
  });
  expect(JSON.stringify(answer)).toContain("Nora New is added with their Teams account: I'll recognise them when they write to me");
  const stored = await bot().db.prisma.person.findFirstOrThrow({ where: { email: 'nora.new@demo.example' } });
  expect(stored).toMatchObject({ aadObjectId: NORA_AAD, role: 'USER', displayName: 'Nora New' });

  expect(texts(await says(nora, 'hi'))).toEqual(expect.arrayContaining(['Hello Nora New', 'Demo Company NV']));
});

test('Nora, added in the chat, activates her SIM card in Teams and is told, unasked, when it is active', async () => {
  const db = bot().db.prisma;
  const noraRow = await db.person.findFirstOrThrow({ where: { email: 'nora.new@demo.example' } });
  const annActor = await demoActor(bot().db, DEMO_TENANT_ID, demo.ann.aadObjectId);
  const number = await reserveNumber(db, annActor, { kind: 'MOBILE' });
  if (!number.ok) throw new Error('no free number');
  const saved = await saveService(db, annActor, {
    userId: noraRow.id,
    productTypeCode: 'DSTNY_MOBILE',
    serviceTypeCode: 'MOBILE',
    bundleCode: 'MOB_M',
    optionCodes: [],
    numberOption: 'NEW',
    reservedNumberId: number.number.id,
    simOption: 'USER_ENTERS',
    activationMethod: 'EMAIL',
    activationTiming: 'NOW',
  }, 'manage-people:nora');
  if (!saved.ok) throw new Error(`not saved: ${saved.problem.message}`);
  expect((await db.service.findUniqueOrThrow({ where: { id: saved.service.id } })).status).toBe(ServiceStatus.WAITING_FOR_SIM);

  const iccid = demoStockIccids[57]!;
  const answer = texts(await says(nora, `my sim card number is ${iccid.replace(/(\d{4})(?=\d)/g, '$1 ')}`)).join(' ');
  expect(answer).not.toMatch(/not registered|something went wrong/i);
  expect([ServiceStatus.ACTIVATING, ServiceStatus.ACTIVE]).toContain((await db.service.findUniqueOrThrow({ where: { id: saved.service.id } })).status);

  const told = await connector().waitFor(
    (sent) => sent.conversationId.includes(NORA_AAD) && whatTheySee(sent).texts.includes(t('en', 'notifications.activation.completed.user')),
    30_000,
  );
  expect(told).toBeDefined();
  expect((await db.service.findUniqueOrThrow({ where: { id: saved.service.id } })).status).toBe(ServiceStatus.ACTIVE);
});
