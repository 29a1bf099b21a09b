import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signProvisioningEvent } from '../../bot/http/provisioningWebhook';
import { ActivationMethod, ActivationTiming, HolderKind, LineType, PortingState, ServiceStatus, SimState } from '../../prisma/generated/enums';
import { demo, demoIccid, demoStockIccids, donorExamples, pieterPorting } from '../../prisma/demoData';
import { advancePorting } from '../../services/simulators/donor';
import type { Actor } from '../../services/people/people';
import { requestPorting } from '../../services/numbers/portingRequests';
import type { PortingDetailsInput } from '../../services/numbers/portingDetails';
import { ActivationJobs } from '../../services/lifecycle/jobs';
import { replaceEsim } from '../../services/simCards/esimProfiles';
import { openTestDatabase } from '../support/database';
import { startedEsimService } from '../support/esimService';

const SECRET = 'webhook-test-secret';

let bot: RunningBot;
let dataDir: string;
let ann: Actor;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-webhook-'));
  // The simulated donors and backend barely move at this speed: only the webhook changes anything here.
  const config = configFromEnvironment({
    PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test', SIM_CLOCK_SPEED: '0.000001', PROVISIONING_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'silent',
  });
  bot = await startBot(config, { database: await openTestDatabase() });
  ann = await bot.db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email }, include: { organisation: true } });
});

afterAll(async () => {
  await bot.close();
  await bot.db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A company subscription's details with a customer number its donor does not know, for the number `line` names. */
const wrongCustomerNumber = (line: { e164: string; operatorCode: string }): PortingDetailsInput => ({
  number: line.e164, donorOperator: line.operatorCode, holderKind: HolderKind.COMPANY, holderName: pieterPorting.holderName,
  holderVat: pieterPorting.holderVat, lineType: LineType.SUBSCRIPTION, customerNumber: '1234567890',
});

async function newService(status: ServiceStatus = ServiceStatus.ACTIVATING) {
  const marie = await bot.db.prisma.person.findFirstOrThrow({ where: { email: demo.marie.email } });
  return bot.db.prisma.service.create({
    data: {
      organisationId: ann.organisationId, userId: marie.id, createdById: ann.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE',
      status, activationMethod: ActivationMethod.AUTOMATIC, activationTiming: ActivationTiming.NOW,
    },
  });
}

async function submittedRequest(details: PortingDetailsInput) {
  const service = await newService();
  const result = await requestPorting(bot.db.prisma, ann, service.id, details, { submit: true });
  if (!result.ok) throw new Error(`pre-check refused: ${result.warnings.map((w) => w.code).join(', ')}`);
  return result.request;
}

interface Sending {
  timestamp?: number;
  secret?: string;
  signature?: string;
}

async function send(body: unknown, sending: Sending = {}, url = bot.url): Promise<{ status: number; body: any }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = String(sending.timestamp ?? Math.floor(Date.now() / 1000));
  const response = await fetch(`${url}/api/provisioning/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: sending.signature ?? signProvisioningEvent(sending.secret ?? SECRET, timestamp, text),
    },
    body: text,
  });
  return { status: response.status, body: await response.json() };
}

/** Everything an event could change about a request: its row, its service's timeline and notifications, stored ids. */
async function footprint(requestId: string) {
  const prisma = bot.db.prisma;
  const request = await prisma.portingRequest.findUniqueOrThrow({ where: { id: requestId } });
  return {
    request,
    events: await prisma.serviceEvent.count({ where: { serviceId: request.serviceId } }),
    notifications: await prisma.notification.count({ where: { serviceId: request.serviceId } }),
    eventIds: await prisma.provisioningEvent.count(),
  };
}

const accepted = (requestId: string, eventId = `evt-${requestId}`) => ({ eventId, type: 'porting', requestId, event: { to: 'ACCEPTED' } });

describe('refused, and nothing changes', () => {
  let requestId: string;
  let before: Awaited<ReturnType<typeof footprint>>;

  beforeAll(async () => {
    requestId = (await submittedRequest(wrongCustomerNumber(donorExamples.companySubscription))).id;
    before = await footprint(requestId);
  });
  afterEach(async () => {
    expect(await footprint(requestId)).toEqual(before);
  });

  test('a NUL byte or a lone surrogate in a signed event: 400 with the field, never an internal error', async () => {
    for (const eventId of ['evt-\u0000-nul', 'evt-\ud800-lone']) {
      const answer = await send(accepted(requestId, eventId));
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/^invalid event: eventId: /);
    }
    const failed = { eventId: 'evt-nul-reason', type: 'activation', serviceId: requestId, result: { outcome: 'FAILED', reason: 'no\u0000network' } };
    const answer = await send(failed);
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).not.toMatch(/prisma|\/work\/|node_modules|at .*\.js/i);
  });

  test('a bad signature: 401', async () => {
    const answer = await send(accepted(requestId), { secret: 'someone-elses-secret' });
    expect(answer).toEqual({ status: 401, body: { error: 'the signature does not match' } });
  });

  test('a signature over another body: 401', async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signProvisioningEvent(SECRET, String(timestamp), JSON.stringify(accepted(requestId, 'evt-other')));
    expect((await send(accepted(requestId), { timestamp, signature })).status).toBe(401);
  });

  test('no signature headers: 401', async () => {
    const response = await fetch(`${bot.url}/api/provisioning/events`, { method: 'POST', body: JSON.stringify(accepted(requestId)) });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: `the ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} (sha256=<hex>) headers are required` });
  });

  test('an old timestamp, correctly signed (a replay from six minutes ago): 401', async () => {
    const answer = await send(accepted(requestId), { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(answer).toEqual({ status: 401, body: { error: 'the timestamp is outside the 5-minute window' } });
  });

  test('an unknown request: 404', async () => {
    const answer = await send(accepted('0a000000-0000-4000-8000-000000000000'));
    expect(answer).toEqual({ status: 404, body: { result: 'unknown request or service' } });
  });

  test('a bad body: 400 naming the field', async () => {
    expect(await send({ eventId: 'evt-bad', type: 'porting', requestId, event: { to: 'REFUSED' } })).toEqual({
      status: 400, body: { error: expect.stringMatching(/^invalid event: event\.code: /) },
    });
    expect(await send({ eventId: 'evt-bad', type: 'porting', requestId: 'not-a-uuid', event: { to: 'ACCEPTED' } })).toMatchObject({
      status: 400, body: { error: expect.stringMatching(/^invalid event: requestId: /) },
    });
    expect(await send('{"eventId": ')).toEqual({ status: 400, body: { error: 'the body is not JSON' } });
  });

  test('a step the lifecycle does not allow: 409', async () => {
    const answer = await send({ eventId: 'evt-too-early', type: 'porting', requestId, event: { to: 'COMPLETED' } });
    expect(answer).toEqual({ status: 409, body: { result: 'this step is not possible from the current state', state: PortingState.SUBMITTED } });
  });
});

test('a good signed event has the same effect as the simulated donor; its replay changes nothing', async () => {
  const viaWebhook = await submittedRequest(wrongCustomerNumber(donorExamples.personSubscription));
  const viaSimulator = await submittedRequest(wrongCustomerNumber(pieterPorting));

  const event = { eventId: 'evt-refusal-1', type: 'porting', requestId: viaWebhook.id, event: { to: 'REFUSED', code: 'WRONG_CUSTOMER_NUMBER' } };
  expect(await send(event)).toEqual({ status: 200, body: { result: 'applied' } });
  await advancePorting(bot.db.prisma, viaSimulator.id, new Date(Date.now() + 86_400_000), 1);

  const effect = async (requestId: string) => {
    const request = await bot.db.prisma.portingRequest.findUniqueOrThrow({ where: { id: requestId } });
    const timeline = await bot.db.prisma.serviceEvent.findMany({ where: { serviceId: request.serviceId }, orderBy: { createdAt: 'asc' } });
    const notifications = await bot.db.prisma.notification.findMany({ where: { serviceId: request.serviceId }, orderBy: { recipientId: 'asc' } });
    return {
      state: request.state,
      refusalCode: request.refusalCode,
      refusalReason: request.refusalReason,
      timeline: timeline.map((e) => [e.kind, (e.detail as { refusalCode?: string }).refusalCode ?? null, e.actorId === null]),
      notifications: notifications.map((n) => [n.kind, (n.payload as { audience: string }).audience, (n.payload as { refusalCode: string }).refusalCode]),
    };
  };
  const expected = await effect(viaSimulator.id);
  expect(expected).toMatchObject({ state: PortingState.REFUSED, refusalCode: 'WRONG_CUSTOMER_NUMBER' });
  expect(await effect(viaWebhook.id)).toEqual(expected);

  const before = await footprint(viaWebhook.id);
  expect(await send(event)).toEqual({ status: 200, body: { result: 'duplicate event id: ignored' } });
  expect(await send({ ...event, eventId: 'evt-refusal-2' })).toEqual({ status: 200, body: { result: 'already applied' } });
  expect(await footprint(viaWebhook.id)).toEqual(before);
});

test('an activation event finishes the activation through the same code as the simulated backend', async () => {
  const service = await newService(ServiceStatus.ACTIVATING);
  const event = { eventId: 'evt-activation-1', type: 'activation', serviceId: service.id, result: { outcome: 'ACTIVE' } };

  expect(await send(event)).toEqual({ status: 200, body: { result: 'applied' } });

  expect(await bot.db.prisma.service.findUniqueOrThrow({ where: { id: service.id } })).toMatchObject({ status: ServiceStatus.ACTIVE });
  expect(await bot.db.prisma.serviceEvent.findMany({ where: { serviceId: service.id } })).toMatchObject([{ kind: 'activated' }]);
});

test('without PROVISIONING_WEBHOOK_SECRET the endpoint says it is not configured and does nothing', async () => {
  const unconfigured = await startBot(configFromEnvironment({ PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'silent' }), { database: bot.db });
  try {
    const request = await submittedRequest(wrongCustomerNumber(donorExamples.mvno));
    const before = await footprint(request.id);
    expect(await send(accepted(request.id), {}, unconfigured.url)).toEqual({
      status: 503, body: { error: 'the provisioning webhook is not configured: set PROVISIONING_WEBHOOK_SECRET' },
    });
    expect(await footprint(request.id)).toEqual(before);
  } finally {
    await unconfigured.close();
  }
});

describe('an eSIM install report', () => {
  const installed = (iccid: string, eventId: string) => ({ eventId, type: 'esim', iccid, event: 'installed' });

  /** What a report could change: the service, its profile, timeline, notifications, its order to the backend, the ids kept. */
  async function esimFootprint(serviceId: string) {
    const prisma = bot.db.prisma;
    const service = await prisma.service.findUniqueOrThrow({ where: { id: serviceId }, include: { simCard: true } });
    return {
      service,
      events: await prisma.serviceEvent.count({ where: { serviceId } }),
      notifications: await prisma.notification.count({ where: { serviceId } }),
      // The background worker runs the release and revoke jobs meanwhile: only what an install report queues is counted.
      provisioning: await prisma.job.count({ where: { kind: ActivationJobs.provision, payload: { equals: { serviceId } } } }),
      eventIds: await prisma.provisioningEvent.count(),
    };
  }

  test('moves the service on to activating; its replay is a duplicate and a second report changes nothing', async () => {
    const { service, esim } = await startedEsimService(bot.db.prisma, demo.jan.email);
    expect(await send(installed(esim.iccid, 'evt-esim-1'))).toEqual({ status: 200, body: { result: 'applied' } });

    const after = await esimFootprint(service.id);
    expect(after.service).toMatchObject({ status: ServiceStatus.ACTIVATING, simCard: { iccid: esim.iccid, installedAt: expect.any(Date) } });
    expect(after.provisioning).toBe(1);
    const timeline = await bot.db.prisma.serviceEvent.findMany({ where: { serviceId: service.id }, orderBy: { createdAt: 'asc' } });
    expect(timeline.map((event) => event.kind)).toEqual(['service_started', 'esim_installed']);

    expect(await send(installed(esim.iccid, 'evt-esim-1'))).toEqual({ status: 200, body: { result: 'duplicate event id: ignored' } });
    expect(await send(installed(esim.iccid, 'evt-esim-2'))).toEqual({ status: 200, body: { result: 'already applied' } });
    expect(await esimFootprint(service.id)).toEqual(after);
  });

  test('an ICCID no eSIM profile has: not found, whether unknown or a physical SIM card', async () => {
    for (const [n, iccid] of [demoIccid(10, 9, 1), demoStockIccids[0]!].entries()) {
      expect(await send(installed(iccid, `evt-esim-unknown-${n}`))).toEqual({ status: 404, body: { result: 'unknown request or service' } });
    }
  });

  test('a profile revoked by its replacement: conflict, and the service stays waiting for the new one', async () => {
    const { service, esim } = await startedEsimService(bot.db.prisma, demo.marie.email);
    expect(await replaceEsim(bot.db.prisma, ann, service.id)).toMatchObject({ ok: true });
    const before = await esimFootprint(service.id);

    expect(await send(installed(esim.iccid, 'evt-esim-revoked'))).toEqual({ status: 409, body: { result: 'this step is not possible from the current state', state: 'REVOKED' } });
    expect(await esimFootprint(service.id)).toEqual(before);
    expect(before.service).toMatchObject({ status: ServiceStatus.WAITING_FOR_ESIM_INSTALL, simCard: { state: SimState.ASSIGNED, installedAt: null } });
    expect(before.service.simCard!.iccid).not.toBe(esim.iccid);
    expect(await bot.db.prisma.simCard.findUniqueOrThrow({ where: { iccid: esim.iccid } })).toMatchObject({ state: SimState.DEACTIVATED, installedAt: null });
  });

  test('a bad body: 400 saying what is wrong, and nothing is kept', async () => {
    const before = await bot.db.prisma.provisioningEvent.count();
    const iccid = demoIccid(10, 9, 2);
    expect(await send({ ...installed('8932 1005', 'evt-esim-bad-1') })).toEqual({ status: 400, body: { error: 'invalid event: iccid: an ICCID is 19 or 20 digits' } });
    expect(await send({ ...installed(iccid, 'evt-esim-bad-2'), event: 'deleted' })).toEqual({ status: 400, body: { error: expect.stringMatching(/^invalid event: event: .*"installed"/) } });
    expect(await send({ eventId: 'evt-esim-bad-3', type: 'esim', event: 'installed' })).toEqual({ status: 400, body: { error: expect.stringMatching(/^invalid event: iccid: /) } });
    expect(await bot.db.prisma.provisioningEvent.count()).toBe(before);
  });
});
