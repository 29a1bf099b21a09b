import { ActivationMethod, ActivationTiming, HolderKind, JobState, LineType, PortingState, ServiceStatus } from '../../prisma/generated/enums';
import { demo, donorExamples } from '../../prisma/demoData';
import type { Database } from '../../services/platform/db/database';
import { DONOR_DELAYS, DONOR_STEP_JOB, donorJobHandlers, submitToDonor } from '../../services/simulators/donor';
import { JobWorker } from '../../services/platform/jobQueue';
import type { Actor } from '../../services/people/people';
import { applyPortingEvent } from '../../services/numbers/portingEvents';
import { requestPorting } from '../../services/numbers/portingRequests';
import type { PortingDetailsInput } from '../../services/numbers/portingDetails';
import { addWorkingDays, brusselsDate, brusselsInstant } from '../../services/platform/workingDays';
import { openTestDatabase } from '../support/database';

/** So fast that every donor step is due as soon as it is scheduled: the worker drains the lifecycle at once. */
const FAST = 1e12;

let db: Database;
let ann: Actor;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ann = await db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email }, include: { organisation: true } });
});

afterAll(async () => {
  await db.close();
});

const worker = (name: string, clockSpeed: number) =>
  new JobWorker({ db: db.prisma, workerId: name, handlers: donorJobHandlers(db.prisma, clockSpeed), maxAttempts: 3 });

async function requested(details: PortingDetailsInput) {
  const user = await db.prisma.person.findFirstOrThrow({ where: { email: demo.marie.email } });
  const service = await db.prisma.service.create({
    data: {
      organisationId: ann.organisationId, userId: user.id, createdById: ann.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE',
      // The new line already works: at the window, the number can switch onto it.
      status: ServiceStatus.WAITING_FOR_PORTING, numberOption: 'PORT', activationMethod: ActivationMethod.AUTOMATIC, activationTiming: ActivationTiming.NOW,
    },
  });
  const result = await requestPorting(db.prisma, ann, service.id, details, { submit: false });
  if (!result.ok) throw new Error(`pre-check refused: ${result.warnings.map((w) => w.code).join(', ')}`);
  return result.request;
}

const personPrepaid: PortingDetailsInput = {
  number: donorExamples.personPrepaid.e164,
  donorOperator: donorExamples.personPrepaid.operatorCode,
  holderKind: HolderKind.PERSON,
  holderName: donorExamples.personPrepaid.holderName,
  lineType: LineType.PREPAID,
  currentSimNumber: donorExamples.personPrepaid.simNumber!,
};

const companySubscription: PortingDetailsInput = {
  number: donorExamples.companySubscription.e164,
  donorOperator: donorExamples.companySubscription.operatorCode,
  holderKind: HolderKind.COMPANY,
  holderName: donorExamples.companySubscription.holderName,
  holderVat: donorExamples.companySubscription.holderVat!,
  lineType: LineType.SUBSCRIPTION,
  customerNumber: donorExamples.companySubscription.customerNumber!,
};

async function timeline(serviceId: string) {
  return db.prisma.serviceEvent.findMany({ where: { serviceId }, orderBy: { createdAt: 'asc' } });
}

test.each([
  ['a person\'s number ports on the next working day', personPrepaid, 1],
  ['a company\'s number ports three working days later', companySubscription, 3],
])('job-driven lifecycle: %s, from submitted to completed by draining the worker', async (_label, details, workingDays) => {
  const request = await requested(details);
  await submitToDonor(db.prisma, request.id, FAST);

  // Two workers drain the queue side by side: each step still happens once.
  const [a, b] = [worker('worker-a', FAST), worker('worker-b', FAST)];
  await Promise.all([a.runDue(), b.runDue()]);

  const done = await db.prisma.portingRequest.findUniqueOrThrow({ where: { id: request.id } });
  expect(done.state).toBe(PortingState.COMPLETED);
  const events = await timeline(request.serviceId);
  expect(events.map((e) => e.kind)).toEqual(['porting_requested', 'porting_submitted', 'porting_accepted', 'porting_scheduled', 'porting_completed', 'activated']);

  const scheduledOn = brusselsDate(events[3]!.createdAt);
  expect(done.scheduledAt).toEqual(brusselsInstant(addWorkingDays(scheduledOn, workingDays), '08:00'));

  const jobs = await db.prisma.job.findMany({ where: { kind: DONOR_STEP_JOB, payload: { path: ['requestId'], equals: request.id } } });
  expect(jobs.map((job) => [(job.payload as { state: string }).state, job.state, job.attempts]).sort()).toEqual([
    [PortingState.ACCEPTED, JobState.DONE, 1],
    [PortingState.SCHEDULED, JobState.DONE, 1],
    [PortingState.SUBMITTED, JobState.DONE, 1],
  ]);

  // The number now works on the new SIM: the service has it, and the user is told to put the new card in.
  const service = await db.prisma.service.findUniqueOrThrow({ where: { id: request.serviceId }, include: { mobileNumber: true } });
  expect(service.mobileNumber?.e164).toBe(done.e164);
  const told = await db.prisma.notification.findFirstOrThrow({ where: { serviceId: request.serviceId, kind: 'porting.completed', recipientId: service.userId } });
  expect(told.payload).toMatchObject({ audience: 'user', number: done.e164, switchSimNow: true });
});

test('each step waits for the donor\'s delay divided by the clock speed', async () => {
  const request = await requested({ ...personPrepaid, number: donorExamples.smsCancellable.e164, currentSimNumber: donorExamples.smsCancellable.simNumber!, holderName: donorExamples.smsCancellable.holderName, donorOperator: donorExamples.smsCancellable.operatorCode });
  const submittedAt = new Date();
  await submitToDonor(db.prisma, request.id, 720, submittedAt);

  const job = await db.prisma.job.findFirstOrThrow({ where: { kind: DONOR_STEP_JOB, payload: { equals: { requestId: request.id, state: 'SUBMITTED' } } } });
  // Half an hour at 720 times real speed: 2.5 seconds.
  expect(job.runAt.getTime() - submittedAt.getTime()).toBe(DONOR_DELAYS.answerMs / 720);
  expect(await worker('worker-c', 720).runDue()).toBe(0);
  expect((await db.prisma.portingRequest.findUniqueOrThrow({ where: { id: request.id } })).state).toBe(PortingState.SUBMITTED);
});

test('a step already taken by a webhook event leaves the simulator\'s job with nothing to do', async () => {
  const request = await requested({ ...companySubscription, number: donorExamples.mvno.e164, donorOperator: donorExamples.mvno.operatorCode });
  await submitToDonor(db.prisma, request.id, FAST);
  await applyPortingEvent(db.prisma, request.id, { to: PortingState.REFUSED, code: 'HOLDER_MISMATCH' });

  expect(await worker('worker-d', FAST).runDue()).toBe(1);

  expect(await db.prisma.portingRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({
    state: PortingState.REFUSED, refusalCode: 'HOLDER_MISMATCH',
  });
  expect((await timeline(request.serviceId)).map((e) => e.kind)).toEqual(['porting_requested', 'porting_submitted', 'porting_refused']);
});
