import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import { HolderKind, PortingState } from '../../prisma/generated/enums';
import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, other, pieterPorting } from '../../prisma/demoData';
import { DONOR_STEP_JOB, advancePorting } from '../../services/simulators/donor';
import { earliestPortingDate } from '../../services/numbers/portingDetails';
import { addWorkingDays, brusselsDate } from '../../services/platform/workingDays';
import { expectValidCard } from '../support/adaptiveCards';
import { openTestDatabase } from '../support/database';
import { startLocalConnector, teamsActivity, type LocalConnector, type SentActivity, type TeamsPerson } from '../support/connector';

const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters' };
const olga: TeamsPerson = { tenantId: OTHER_TENANT_ID, aadObjectId: other.olga.aadObjectId, name: 'Olga Other' };

/** The donors' clock barely moves: the test lets the simulator answer when it chooses. */
const CLOCK_SPEED = 0.000001;

let bot: RunningBot;
let connector: LocalConnector;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-porting-issues-'));
  connector = await startLocalConnector();
  const config = configFromEnvironment({ PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test', SIM_CLOCK_SPEED: String(CLOCK_SPEED), LOG_LEVEL: 'silent' });
  bot = await startBot(config, { database: await openTestDatabase() });
});

afterAll(async () => {
  await bot.close();
  await bot.db.close();
  await connector.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

type Json = Record<string, any>;

/** A card button pressed in Teams (Action.Execute): the invoke's answer replaces the card; more may follow as messages. */
async function press(person: TeamsPerson, verb: string, data: Json = {}): Promise<{ answer: Json; followUps: SentActivity[] }> {
  const before = connector.sent.length;
  const response = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(teamsActivity(connector.serviceUrl, person, {
      type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
    })),
  });
  const answer = await response.json();
  // Data no card carries is refused with 400, its sentence in the body as for any other answer.
  expect(response.status).toBe(answer.statusCode);
  return { answer, followUps: connector.sent.slice(before) };
}

function cardOf(answer: Json): Json {
  expect(answer).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
  expectValidCard(answer.value);
  return answer.value;
}

function textOf(answer: Json): string {
  expect(answer).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
  return answer.value;
}

/** Every element of a card, depth first, in reading order. */
function elements(node: unknown): Json[] {
  if (Array.isArray(node)) return node.flatMap(elements);
  if (node === null || typeof node !== 'object') return [];
  const element = node as Json;
  return [element, ...elements(element.body), ...elements(element.items), ...elements(element.actions)];
}

const texts = (card: Json) => elements(card).filter((e) => e.type === 'TextBlock').map((e) => e.text as string);
const input = (card: Json, id: string) => elements(card).find((e) => e.id === id)!;
/** What a person reads right under an input: the message next to the field. */
const underInput = (card: Json, id: string) => {
  const all = elements(card);
  return all[all.findIndex((e) => e.id === id) + 1]?.text as string | undefined;
};
/** The form as Teams submits it with a button: every input's current value, changed where the person typed. */
const formValues = (card: Json, changes: Json) =>
  Object.fromEntries(elements(card).filter((e) => typeof e.type === 'string' && e.type.startsWith('Input.')).map((e) => [e.id, changes[e.id] ?? e.value ?? '']));

const refusalSentence =
  'Proximus refused the transfer: the customer number given does not match the one Proximus has for this number. It is on a recent Proximus invoice.';

test('Ann fixes Pieter\'s refused porting: the list, Fix with the refused field marked, a pre-check problem, send again, and the donor accepts', async () => {
  // "Mobile porting issues" from the welcome card: Pieter's seeded refusal, with the reason in plain words.
  const list = cardOf((await press(ann, 'welcome.portingIssues')).answer);
  expect(texts(list)).toEqual([
    'Mobile porting issues',
    'One transfer of a number to Dstny was refused in Demo Company NV. Fix its details and send it again.',
    'Pieter Janssens · Dstny Mobile (Mobile) · 0475 38 19 46',
    expect.stringMatching(/^At Proximus, attempt 1, refused on \d+ \w+$/),
    refusalSentence,
  ]);
  const fixButton = elements(list).find((e) => e.type === 'Action.Execute' && e.title === 'Fix')!;
  expect(fixButton).toMatchObject({ verb: 'portingIssues.fix', data: { requestId: expect.any(String) } });
  const { requestId } = fixButton.data;

  // Fix: the details as they were sent, the refused customer number marked right under its field.
  const fix = cardOf((await press(ann, 'portingIssues.fix', { requestId })).answer);
  expect(texts(fix).slice(0, 2)).toEqual([
    'Fix the transfer of 0475 38 19 46',
    'For Pieter Janssens. The details are filled in as they were sent; correct the marked one and send the request again. The refused attempt stays in the service\'s history.',
  ]);
  expect(input(fix, 'number').value).toBe(pieterPorting.e164);
  expect(input(fix, 'holderName').value).toBe('Demo Company NV');
  expect(input(fix, 'customerNumber').value).toBe(pieterPorting.submittedCustomerNumber);
  expect(underInput(fix, 'customerNumber')).toBe(refusalSentence);
  expect(fix.actions.map((a: Json) => a.title)).toEqual(['Send again', 'Back to the list']);

  // A pre-check problem comes back next to its field, with everything else as typed.
  const blocked = cardOf((await press(ann, 'portingIssues.resubmit', { requestId, ...formValues(fix, { customerNumber: '', holderName: 'Demo Company' }) })).answer);
  expect(underInput(blocked, 'customerNumber')).toBe(refusalSentence);
  expect(texts(blocked)).toContain('A subscription needs the customer number at Proximus: it is on every invoice from Proximus.');
  expect(input(blocked, 'holderName').value).toBe('Demo Company');
  expect(await bot.db.prisma.portingRequest.count({ where: { e164: pieterPorting.e164 } })).toBe(1);

  // The right customer number, and a wish date too soon for a company's number: sent again as attempt 2, with the
  // pre-check's note on the date, and the list no longer shows it.
  const nextWorkingDay = addWorkingDays(brusselsDate(new Date()), 1);
  const earliest = earliestPortingDate(HolderKind.COMPANY, new Date());
  const corrected = formValues(blocked, { customerNumber: pieterPorting.customerNumber, holderName: 'Demo Company NV', wishDate: nextWorkingDay });
  const sent = await press(ann, 'portingIssues.resubmit', { requestId, ...corrected });
  // The fix card becomes what was done: read-only, nothing left to change or press.
  const done = cardOf(sent.answer);
  expect(texts(done)).toEqual([
    'Transfer of 0475 38 19 46 sent again',
    'The corrected request to transfer 0475 38 19 46 for Pieter Janssens has been sent to Proximus (attempt 2). You\'ll hear from me when Proximus answers.',
    `The wish date is too soon: the earliest possible date is ${earliest}, so the transfer will happen then.`,
  ]);
  expect(formValues(done, {})).toEqual({});
  expect(elements(done).filter((e) => typeof e.type === 'string' && e.type.startsWith('Action.'))).toEqual([]);
  expect(sent.followUps.map((s) => s.activity.text)).toEqual(['There are no refused porting requests in Demo Company NV: nothing to fix.']);

  // A double click changes nothing.
  expect(textOf((await press(ann, 'portingIssues.resubmit', { requestId, ...corrected })).answer)).toBe(
    'This request was already corrected and sent again (attempt 2), so nothing more was sent.',
  );

  // The history is kept: attempt 1 refused, attempt 2 submitted, both on the service's timeline.
  const attempts = await bot.db.prisma.portingRequest.findMany({ where: { e164: pieterPorting.e164 }, orderBy: { attempt: 'asc' } });
  expect(attempts.map((a) => [a.attempt, a.state, a.customerNumber])).toEqual([
    [1, PortingState.REFUSED, pieterPorting.submittedCustomerNumber],
    [2, PortingState.SUBMITTED, pieterPorting.customerNumber],
  ]);
  expect(attempts[1]!.wishDate).toEqual(new Date(`${earliest}T00:00:00Z`));
  const timeline = await bot.db.prisma.serviceEvent.findMany({ where: { serviceId: attempts[0]!.serviceId }, orderBy: { createdAt: 'asc' } });
  expect(timeline.map((e) => e.kind).filter((kind) => kind.startsWith('porting_'))).toEqual(['porting_submitted', 'porting_refused', 'porting_submitted']);

  // The donor's answer was scheduled with the submission; when it is due, the simulated Proximus accepts.
  const job = await bot.db.prisma.job.findFirstOrThrow({ where: { kind: DONOR_STEP_JOB, payload: { equals: { requestId: attempts[1]!.id, state: PortingState.SUBMITTED } } } });
  expect(await advancePorting(bot.db.prisma, attempts[1]!.id, job.runAt, CLOCK_SPEED)).toMatchObject({ status: 'applied', to: PortingState.ACCEPTED });
});

test('another organisation\'s administrator and an employee cannot open or send the fix; each attempt is audited', async () => {
  const pieterService = await bot.db.prisma.service.findFirstOrThrow({ where: { user: { email: demo.pieter.email } }, include: { portingRequests: true } });
  const requestId = pieterService.portingRequests[0]!.id;
  const countBefore = await bot.db.prisma.portingRequest.count();

  const refusals: Array<[TeamsPerson, string]> = [
    [olga, 'Sorry, that porting request is not one you can fix: only a fleet administrator of its organisation can.'],
    // Jan reads Dutch.
    [jan, 'Sorry, je kunt deze overdrachtsaanvraag niet rechtzetten: dat kan alleen een vlootbeheerder van de organisatie.'],
  ];
  for (const [intruder, refusal] of refusals) {
    expect(textOf((await press(intruder, 'portingIssues.fix', { requestId })).answer)).toBe(refusal);
    const resubmit = await press(intruder, 'portingIssues.resubmit', { requestId, customerNumber: pieterPorting.customerNumber });
    expect(textOf(resubmit.answer)).toBe(refusal);
  }
  expect(await bot.db.prisma.portingRequest.count()).toBe(countBefore);
  expect(await bot.db.prisma.auditEvent.count({ where: { action: 'porting.fix.denied', subjectId: requestId } })).toBe(4);
});

test('a card with tampered data is refused with a sentence, not an error', async () => {
  const { answer } = await press(ann, 'portingIssues.fix', { requestId: 'not-an-id' });
  expect(answer).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.activity.message' });
  expect(answer.value).toMatch(/^Sorry, that porting request is not one you can fix/);
});

test('in the web chat (Action.Submit), the list arrives as a message', async () => {
  const before = connector.sent.length;
  const response = await fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(teamsActivity(connector.serviceUrl, ann, { type: 'message', value: { verb: 'portingIssues.list' } })),
  });
  expect(response.status).toBe(200);
  expect(connector.sent.slice(before).map((s) => s.activity.text)).toEqual(['There are no refused porting requests in Demo Company NV: nothing to fix.']);
});
