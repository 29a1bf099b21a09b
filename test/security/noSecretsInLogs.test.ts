import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { DEMO_TENANT_ID, demo, demoStockIccids, donorExamples, generatedDemoEmployees, pieterPorting } from '../../prisma/demoData';
import { Verbs } from '../../cards/verbs';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signProvisioningEvent } from '../../bot/http/provisioningWebhook';
import { replaceEsim } from '../../services/simCards/esimProfiles';
import { execute, press, readCard, type Card, type TeamsHarness } from '../support/addServiceDriver';
import { useBotUnderTest } from '../support/botUnderTest';
import { whatTheySee, type TeamsPerson } from '../support/connector';
import { waitFor } from '../support/waitFor';
import { esimServiceToStart, matchingIdOf, startedEsimService } from '../support/esimService';
import { qrCodeInDataUri } from '../support/qrCode';

/**
 * The logs of a whole run — an administrator adding a service with a ported number and a SIM card, an employee
 * activating theirs in the chat and on the activation page, a refused porting fixed, support looking people up
 * and resending an email, a web chat, a turn failing because Teams is unwell — never hold a SIM card number, a phone
 * number, an email address or a token in clear; a whole eSIM journey never holds its activation code.
 */

const WEBHOOK_SECRET = 'no-secrets-in-logs-webhook-secret';
const lines: string[] = [];
// Real time for the simulated backend: an eSIM is installed when the test reports it, not minutes of demo time later.
const { bot, config, connector, says, presses } = useBotUnderTest(
  'no-secrets-in-logs',
  { LOG_LEVEL: 'debug', SIM_CLOCK_SPEED: '1', PROVISIONING_WEBHOOK_SECRET: WEBHOOK_SECRET },
  { write: (line: string) => lines.push(line) },
);

const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const sam: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.sam.aadObjectId, name: 'Sam Support' };
const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters' };

/** Everything secret the run typed, was shown or was handed: none of it may reach the log, in any spelling. */
const secrets = new Set<string>();
const keep = (...values: string[]) => values.forEach((value) => secrets.add(value));
/** An ICCID or a phone number as stored, as digits, grouped as people type them, and (numbers) in national form. */
const spellings = (value: string) => {
  const digits = value.replace(/\D/g, '');
  return [value, digits, digits.replace(/(\d{4})(?=\d)/g, '$1 '), ...(value.startsWith('+32') ? [`0${digits.slice(2)}`] : [])];
};

const harness = (): TeamsHarness => ({ bot: bot(), connector: connector(), close: async () => undefined });
const outbox = () => path.join(config().dataDir, 'outbox');
const outboxFiles = () => new Set(fs.existsSync(outbox()) ? fs.readdirSync(outbox()) : []);

/** The link of the last of `count` activation emails written to the outbox for `email` since `before`. */
function emailedLink(email: string, before: Set<string>, count: number): Promise<string> {
  return waitFor(`${count} activation emails to ${email}`, async () => {
    const links: string[] = [];
    // The files are named by time: the last link is the one not revoked.
    for (const file of [...outboxFiles()].filter((name) => !before.has(name)).sort()) {
      const mail = await simpleParser(fs.readFileSync(path.join(outbox(), file)));
      const link = /https?:\/\/\S+\/activate\/[A-Za-z0-9_-]{43}/.exec(mail.text ?? '')?.[0];
      if (mail.to && !Array.isArray(mail.to) && mail.to.text === email && link) links.push(link);
    }
    return links.length >= count && links.at(-1);
  });
}

async function addServiceWithPortedNumberAndSim(): Promise<void> {
  const employee = generatedDemoEmployees[3]!;
  const porting = donorExamples.personSubscription;
  const iccid = demoStockIccids[30]!;
  keep(employee.email, ...spellings(porting.e164), ...spellings(iccid), porting.customerNumber!);
  let card: Card = await execute(harness(), ann, Verbs.welcome.addService);
  const steps: Array<[string, Record<string, unknown>]> = [
    ['Search', { query: employee.email }],
    ['Next', { productTypeCode: 'DSTNY_MOBILE' }],
    ['Next', { serviceTypeCode: 'MOBILE' }],
    ['Next', { bundleCode: 'MOB_S' }],
    ['Confirm', {}],
    ['Next', { numberOption: 'PORT' }],
    ['Next', { number: porting.e164, donorOperator: porting.operatorCode, holderKind: porting.holderKind, holderName: porting.holderName, lineType: porting.lineType, customerNumber: porting.customerNumber }],
    ['Next', { simOption: 'ADMIN_ENTERS', iccid: spellings(iccid)[2] }],
    ['Save', { activationMethod: 'AUTOMATIC', activationTiming: 'NOW' }],
  ];
  for (const [button, inputs] of steps) card = await press(harness(), ann, card, button, inputs);
  expect(readCard(card).texts).toContain('Service added');
}

async function janActivatesInTheChat(): Promise<void> {
  const iccid = demoStockIccids[31]!;
  // One digit wrong: the bot suggests the right card, whose number then travels on a button.
  const typo = `${iccid.slice(0, 10)}${(Number(iccid[10]) + 1) % 10}${iccid.slice(11)}`;
  keep(...spellings(iccid), ...spellings(typo));
  await says(jan, 'activate my SIM');
  const replies = await says(jan, spellings(typo)[2]!);
  const accept = replies.flatMap((sent) => whatTheySee(sent).actions).find((action) => action.verb === Verbs.activateSim.acceptSuggestion);
  expect(accept).toBeDefined();
  await presses(jan, { verb: accept!.verb, data: accept!.data });
}

async function samLooksUpAndResends(): Promise<string> {
  const luc = await bot().db.prisma.service.findFirstOrThrow({ where: { user: { email: demo.luc.email } }, include: { mobileNumber: true } });
  keep(demo.jan.email, demo.luc.email, ...spellings(luc.mobileNumber!.e164));
  await says(sam, `status of ${demo.jan.email}`);
  await says(sam, `status of ${spellings(luc.mobileNumber!.e164)[3]}`);
  // Marie's service, waiting for her SIM card once Ann started it: Sam resends her activation email.
  const marie = await bot().db.prisma.service.findFirstOrThrow({ where: { user: { email: demo.marie.email } } });
  keep(demo.marie.email);
  const before = outboxFiles();
  await presses(ann, { verb: Verbs.waitingServices.start, data: { serviceId: marie.id, page: 0 } });
  await emailedLink(demo.marie.email, before, 1);
  await presses(sam, { verb: Verbs.lookUp.resendEmail, data: { serviceId: marie.id, requestKey: 'resend-marie-in-logs-test' } });
  return emailedLink(demo.marie.email, before, 2);
}

async function marieUsesHerLink(link: string): Promise<void> {
  keep(link.split('/').pop()!);
  expect((await fetch(link)).status).toBe(200);
  const wrong = demoStockIccids[32]!.slice(0, 18);
  keep(...spellings(wrong), ...spellings(demoStockIccids[33]!));
  for (const iccid of [wrong, spellings(demoStockIccids[33]!)[2]!]) {
    const response = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ iccid }).toString() });
    expect(response.status).toBeLessThan(500);
  }
}

async function annFixesPietersPorting(): Promise<void> {
  keep(...spellings(pieterPorting.e164), pieterPorting.customerNumber, demo.pieter.email);
  const request = await bot().db.prisma.portingRequest.findFirstOrThrow({ where: { e164: pieterPorting.e164 } });
  await presses(ann, { verb: Verbs.portingIssues.fix, data: { requestId: request.id } });
  await presses(ann, { verb: Verbs.portingIssues.resubmit, data: { requestId: request.id, customerNumber: pieterPorting.customerNumber } });
}

async function aWebChat(): Promise<void> {
  const call = async (route: string, token: string | undefined, body?: unknown) => {
    const response = await fetch(`${bot().url}/v3/directline${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.json() as Promise<Record<string, any>>;
  };
  const { token } = await call('/tokens/generate', undefined);
  keep(token);
  const { conversationId } = await call('/conversations', token, { user: { id: 'web-user' }, locale: 'en-US' });
  await call(`/conversations/${conversationId}/activities`, token, { type: 'message', from: { id: 'web-user' }, text: `my number is ${spellings(pieterPorting.e164)[3]} and mail ${demo.pieter.email}` });
  // An admin sign-in link pasted in the chat, as a person might.
  keep(bot().adminLink.split('/').pop()!);
  await call(`/conversations/${conversationId}/activities`, token, { type: 'message', from: { id: 'web-user' }, text: `signin ${bot().adminLink}` });
}

/**
 * Waits until no job or update due is left: everything the steps so far set going has run. An update being delivered
 * is still PENDING, its nextAttemptAt pushed ahead by the deliverer's lease; it counts until its outcome is written.
 */
const settled = () =>
  waitFor('the jobs and notifications of the run to be done', async () =>
    (await bot().db.prisma.job.count({ where: { state: { in: ['QUEUED', 'RUNNING'] }, runAt: { lte: new Date() } } })) === 0 &&
    (await bot().db.prisma.notification.count({
      where: { state: 'PENDING', OR: [{ nextAttemptAt: { lte: new Date() } }, { attempts: { gt: 0 }, lastError: null }] },
    })) === 0);

test('a full run: nothing secret reaches the log, whose lines show every part of it ran', async () => {
  await addServiceWithPortedNumberAndSim();
  await janActivatesInTheChat();
  await marieUsesHerLink(await samLooksUpAndResends());
  await annFixesPietersPorting();
  await aWebChat();
  // Teams unwell while Jan pastes his number again: the failed turn is logged with its error.
  connector().failWith = () => ({ status: 503 });
  await says(jan, spellings(demoStockIccids[31]!)[2]!).catch(() => undefined);
  connector().failWith = undefined;
  await settled();

  const log = lines.join('');
  const records = lines.map((line) => JSON.parse(line) as { msg: string });
  // The run was logged: turns of each kind, jobs, and the failed deliveries.
  expect(records.filter((record) => record.msg === 'turn').length).toBeGreaterThan(20);
  expect(records.some((record) => record.msg === 'job done')).toBe(true);
  expect(records.some((record) => record.msg === 'turn failed')).toBe(true);
  expect(secrets.size).toBeGreaterThan(20);
  expect([...secrets].filter((secret) => log.includes(secret))).toEqual([]);
  expect(log).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/);
}, 120_000);

const chatOf = (person: TeamsPerson) => `a:personal-${person.tenantId}-${person.aadObjectId}`;

/** The eSIM card that reached the person's Teams chat after the connector's first `after` messages, its QR code read. */
async function esimCardReceived(person: TeamsPerson, after: number): Promise<string | undefined> {
  const sent = await connector().waitFor(
    (activity) =>
      connector().sent.indexOf(activity) >= after && activity.conversationId === chatOf(person) &&
      !!activity.activity.attachments?.[0]?.content?.body?.some((element: Card) => element.type === 'Image'),
    20_000,
  );
  const image = (sent.activity.attachments![0]!.content.body as Card[]).find((element) => element.type === 'Image')!;
  return qrCodeInDataUri(image.url);
}

/** The backend's webhook reports the profile installed on the phone, signed as the backend signs it. */
async function reportInstalled(iccid: string): Promise<void> {
  const body = JSON.stringify({ eventId: `installed-${iccid}`, type: 'esim', iccid, event: 'installed' });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const response = await fetch(`${bot().url}/api/provisioning/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signProvisioningEvent(WEBHOOK_SECRET, timestamp, body) },
    body,
  });
  expect(response.status).toBe(200);
}

/**
 * Gives the eSIM profiles in stock codes that masking leaves whole: the demo's matching ids start with digits, which it
 * reads as phone numbers, so that a code logged by mistake would pass unseen.
 */
async function codesMaskingLeavesWhole(): Promise<void> {
  const db = bot().db.prisma;
  const profiles = await db.simCard.findMany({ where: { form: 'ESIM', state: 'IN_STOCK' }, select: { id: true } });
  for (const [n, profile] of profiles.entries()) {
    await db.simCard.update({ where: { id: profile.id }, data: { activationCode: `LPA:1$smdp.demo.dstny.example$JOURNEY-K${n}-QZXW` } });
  }
}

test('an eSIM journey: the code reaches its user in the chat, by email and on the page, and never the log', async () => {
  const db = bot().db.prisma;
  await codesMaskingLeavesWhole();
  const before = lines.length;
  const codes: string[] = [];
  const keepCode = (code: string) => codes.push(code, matchingIdOf(code));
  // Jan has written to the bot in Teams: his eSIM reaches him there.
  await says(jan, 'hallo');
  const { service, esim } = await esimServiceToStart(db, demo.jan.email, { withConfirmationCode: true });
  keepCode(esim.activationCode);
  const outboxBefore = outboxFiles();
  const sentBefore = connector().sent.length;
  await presses(ann, { verb: Verbs.waitingServices.start, data: { serviceId: service.id, page: 0 } });
  expect(await esimCardReceived(jan, sentBefore)).toBe(esim.activationCode);
  const link = await emailedLink(demo.jan.email, outboxBefore, 1);
  // Jan opens his page, pastes the code into the chat by mistake, and installs it.
  const page = await (await fetch(link)).text();
  expect(page).toContain(matchingIdOf(esim.activationCode));
  expect((await fetch(`${link}/status`, { headers: { accept: 'application/json' } })).status).toBe(200);
  await says(jan, esim.activationCode);
  await reportInstalled(esim.iccid);
  expect((await db.service.findUniqueOrThrow({ where: { id: service.id } })).status).toBe('ACTIVATING');

  // A new phone: the replacement reaches him the same ways.
  const replacing = connector().sent.length;
  expect(await replaceEsim(db, await db.person.findFirstOrThrow({ where: { email: demo.jan.email }, include: { organisation: true } }), service.id)).toEqual({ ok: true, serviceId: service.id });
  const replacement = (await db.service.findUniqueOrThrow({ where: { id: service.id }, include: { simCard: true } })).simCard!.activationCode!;
  keepCode(replacement);
  expect(await esimCardReceived(jan, replacing)).toBe(replacement);

  // Someone who never chatted gets the code once, in the activation email; the update to them goes nowhere else.
  const quiet = generatedDemoEmployees[4]!;
  const quietBefore = outboxFiles();
  const { service: quietService, esim: quietEsim } = await startedEsimService(db, quiet.email);
  keepCode(quietEsim.activationCode);
  await emailedLink(quiet.email, quietBefore, 1);
  await settled();
  const toQuiet = await db.notification.findMany({ where: { serviceId: quietService.id, kind: 'esim.sent', recipient: { email: quiet.email } } });
  expect(toQuiet.map((update) => [update.state, update.deliveredVia])).toEqual([['DELIVERED', 'activation-email']]);
  const emails = await Promise.all([...outboxFiles()].filter((file) => !quietBefore.has(file)).map((file) => simpleParser(fs.readFileSync(path.join(outbox(), file)))));
  expect(emails.filter((mail) => mail.to && !Array.isArray(mail.to) && mail.to.text === quiet.email)).toHaveLength(1);

  // Ann only heard it was sent.
  const toAnn = connector().sent.slice(sentBefore).filter((sent) => sent.conversationId === chatOf(ann));
  expect(toAnn.some((sent) => whatTheySee(sent).texts.some((text) => text.includes('The eSIM for Jan Peeters')))).toBe(true);
  expect(codes.filter((code) => JSON.stringify(toAnn).includes(code))).toEqual([]);

  const log = lines.slice(before).join('');
  expect(log).toContain('"msg":"turn"');
  expect(codes.filter((code) => log.includes(code))).toEqual([]);
}, 120_000);
