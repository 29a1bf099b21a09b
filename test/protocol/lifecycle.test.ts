import { DEMO_TENANT_ID, demo, demoStockIccids, donorExamples, generatedDemoEmployees, pieterPorting } from '../../prisma/demoData';
import { HolderKind, LineType, PortingState, ServiceStatus } from '../../prisma/generated/enums';
import type { Actor } from '../../services/people/people';
import { saveService } from '../../services/addService/orderSaving';
import { inputsOf } from '../support/addServiceDriver';
import { whatTheySee, type SentActivity, type TeamsPerson } from '../support/connector';
import { useBotUnderTest } from '../support/botUnderTest';
import { waitFor } from '../support/waitFor';

/**
 * The combinations of the help page that used to go wrong, as the people involved live them through Teams: a ported
 * number only moves onto a line that works, "active" is said only when it is true, and a colleague whose number moves
 * to a new service hears of it before and when it happens. The simulated backend and donors run thousands of times
 * faster than real time, so that days pass in a second.
 */

const bot = useBotUnderTest('lifecycle', { SIM_CLOCK_SPEED: '500000' });

const teams = (person: { aadObjectId: string; displayName: string }): TeamsPerson => ({ tenantId: DEMO_TENANT_ID, aadObjectId: person.aadObjectId, name: person.displayName });
const ann = teams(demo.ann);
const pieter = teams(demo.pieter);
const jan = teams(demo.jan);
const luc = teams(demo.luc);
const newcomer = generatedDemoEmployees[12]!;

const conversationOf = (person: TeamsPerson) => `a:personal-${person.tenantId}-${person.aadObjectId}`;
/** Everything the person has read in their chat with the bot, in order. */
const chatOf = (person: TeamsPerson): string[] =>
  bot.connector().sent.filter((sent: SentActivity) => sent.conversationId === conversationOf(person)).flatMap((sent) => whatTheySee(sent).texts);

const actorOf = (email: string): Promise<Actor> => bot.bot().db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });
const serviceOf = (email: string) => bot.bot().db.prisma.service.findFirstOrThrow({ where: { user: { email } }, orderBy: { createdAt: 'desc' } });
const timeline = async (serviceId: string) =>
  (await bot.bot().db.prisma.serviceEvent.findMany({ where: { serviceId }, orderBy: { createdAt: 'asc' } })).map((event) => event.kind);

beforeAll(async () => {
  // Everyone has talked to the bot once: it can reach them in Teams.
  for (const person of [ann, pieter, jan, luc, teams(newcomer)]) await bot.says(person, 'hi');
});

test('Pieter\'s refused porting, fixed by Ann: the number moves onto his working line and only then is he told it is active', async () => {
  const before = chatOf(pieter).length;
  const issues = await bot.presses(ann, { verb: 'portingIssues.list', data: {} });
  const card = issues.answer.value ?? issues.answer;
  const requestId = JSON.stringify(card).match(/"requestId":"([0-9a-f-]{36})"/)![1]!;
  const fix = (await bot.presses(ann, { verb: 'portingIssues.fix', data: { requestId } })).answer.value;
  await bot.presses(ann, { verb: 'portingIssues.resubmit', data: { ...inputsOf(fix), requestId, customerNumber: pieterPorting.customerNumber } });

  const service = await serviceOf(demo.pieter.email);
  await waitFor('Pieter\'s service to be active', async () => (await serviceOf(demo.pieter.email)).status === ServiceStatus.ACTIVE, 30_000);
  const kinds = await timeline(service.id);
  expect(kinds.indexOf('activated')).toBeGreaterThan(kinds.lastIndexOf('porting_completed'));

  // What Pieter reads, in Dutch: his number is with Dstny and he puts the new card in, then that he can call and surf.
  const read = await waitFor('Pieter to be told', async () => {
    const texts = chatOf(pieter).slice(before);
    return texts.some((text) => /kunt bellen|bellen en surfen/i.test(text)) && texts;
  });
  const switched = read.findIndex((text) => text.includes('0475 38 19 46') && /Dstny/.test(text));
  const active = read.findIndex((text) => /bellen en surfen|kunt bellen/i.test(text));
  expect(switched).toBeGreaterThanOrEqual(0);
  expect(active).toBeGreaterThanOrEqual(0);
}, 60_000);

test('Jan\'s ported SmartMobile line: working first, announced active only once the number has switched', async () => {
  const annActor = await actorOf(demo.ann.email);
  const janActor = await actorOf(demo.jan.email);
  const before = chatOf(jan).length;
  const line = donorExamples.personPrepaid;
  const saved = await saveService(bot.bot().db.prisma, annActor, {
    userId: janActor.id,
    productTypeCode: 'DSTNY_SMARTMOBILE',
    serviceTypeCode: 'SM_CONVERGED',
    bundleCode: 'SM_CONV_10',
    optionCodes: [],
    numberOption: 'PORT',
    porting: { number: line.e164, donorOperator: line.operatorCode, holderKind: HolderKind.PERSON, holderName: line.holderName, lineType: LineType.PREPAID, currentSimNumber: line.simNumber! },
    simOption: 'ADMIN_ENTERS',
    iccid: demoStockIccids[20]!,
    fixedOption: 'FREE',
    fixedNumberId: (await bot.bot().db.prisma.phoneNumber.findFirstOrThrow({ where: { kind: 'FIXED', state: 'FREE' }, orderBy: { e164: 'asc' } })).id,
    activationMethod: 'AUTOMATIC',
    activationTiming: 'NOW',
  }, 'lifecycle-protocol:jan-ported');
  if (!saved.ok) throw new Error(saved.problem.message);

  await waitFor('Jan\'s service to be active', async () => (await bot.bot().db.prisma.service.findUniqueOrThrow({ where: { id: saved.service.id } })).status === ServiceStatus.ACTIVE, 30_000);
  const kinds = await timeline(saved.service.id);
  expect(kinds.indexOf('provisioned')).toBeLessThan(kinds.indexOf('porting_completed'));
  expect(kinds.indexOf('activated')).toBeGreaterThan(kinds.indexOf('porting_completed'));
  const completedNotices = await bot.bot().db.prisma.notification.findMany({ where: { serviceId: saved.service.id, kind: 'activation.completed' } });
  const ported = await bot.bot().db.prisma.portingRequest.findFirstOrThrow({ where: { serviceId: saved.service.id } });
  expect(ported.state).toBe(PortingState.COMPLETED);
  for (const notice of completedNotices) expect(notice.createdAt.getTime()).toBeGreaterThanOrEqual(ported.updatedAt.getTime());

  // In his chat, the line working comes before the number switching, and "you can call and surf" only after it.
  const read = await waitFor('Jan to be told it is active', async () => {
    const texts = chatOf(jan).slice(before);
    return texts.some((text) => /bellen en surfen|kunt bellen/i.test(text)) && texts;
  });
  const working = read.findIndex((text) => text.startsWith('Je Dstny-simkaart werkt.'));
  const active = read.findIndex((text) => /bellen en surfen|kunt bellen/i.test(text));
  expect(working).toBeGreaterThanOrEqual(0);
  expect(working).toBeLessThan(active);
}, 60_000);

test('Luc\'s number moves to a colleague\'s new service activated by email: Luc is told before and when, and his service ends', async () => {
  const annActor = await actorOf(demo.ann.email);
  const user = await actorOf(newcomer.email);
  const lucService = await serviceOf(demo.luc.email);
  const lucBefore = chatOf(luc).length;
  const saved = await saveService(bot.bot().db.prisma, annActor, {
    userId: user.id,
    productTypeCode: 'DSTNY_MOBILE',
    serviceTypeCode: 'MOBILE',
    bundleCode: 'MOB_M',
    optionCodes: [],
    numberOption: 'MOVE',
    moveFromServiceId: lucService.id,
    simOption: 'USER_ENTERS',
    activationMethod: 'EMAIL',
    activationTiming: 'NOW',
  }, 'lifecycle-protocol:luc-move');
  if (!saved.ok) throw new Error(saved.problem.message);

  // Told before: his number will go to the newcomer when their service is activated; he keeps it until then.
  await waitFor('Luc to be told of the planned move', async () => chatOf(luc).slice(lucBefore).some((text) => text.includes(newcomer.displayName)));
  expect((await bot.bot().db.prisma.service.findUniqueOrThrow({ where: { id: lucService.id } })).status).toBe(ServiceStatus.ACTIVE);

  // The newcomer enters the SIM card number in the chat, as the activation email asks.
  const sim = demoStockIccids[21]!;
  await bot.says(teams(newcomer), sim);
  await waitFor('the new service to be active', async () => (await bot.bot().db.prisma.service.findUniqueOrThrow({ where: { id: saved.service.id } })).status === ServiceStatus.ACTIVE, 30_000);

  const ended = await bot.bot().db.prisma.service.findUniqueOrThrow({ where: { id: lucService.id } });
  expect(ended).toMatchObject({ status: ServiceStatus.ENDED, mobileNumberId: null });
  expect((await bot.bot().db.prisma.service.findUniqueOrThrow({ where: { id: saved.service.id } })).mobileNumberId).toBe(lucService.mobileNumberId);
  // And told when it happened: a second message naming the colleague.
  await waitFor('Luc to be told the number moved', async () => chatOf(luc).slice(lucBefore).filter((text) => text.includes(newcomer.displayName)).length >= 2);
}, 60_000);
