import { openTestDatabase } from '../support/database';
import type { Database } from '../../services/platform/db/database';
import type { DonorLine, PortingRequest, Prisma } from '../../prisma/generated/client';
import { ActivationMethod, ActivationTiming, HolderKind, LineType, NumberState, PortingState, Role, ServiceStatus } from '../../prisma/generated/enums';
import { advanceDuePortings, advancePorting, cancelBySms, DONOR_DELAYS, nextStepDueAt, portingSlot } from '../../services/simulators/donor';
import { applyPortingEvent, type RefusalCode } from '../../services/numbers/portingEvents';
import { luhnCheckDigit } from '../../services/simCards/simNumber';

const iccid = (payload: string) => payload + luhnCheckDigit(payload);
const SIM = iccid('893202500000000007');
const OTHER_SIM = iccid('893202500000000008');

const companyLine: DonorLine = {
  e164: '+32475381946', operatorCode: 'PROXIMUS', holderKind: HolderKind.COMPANY, holderName: 'Demo Company NV',
  holderVat: 'BE0123456749', lineType: LineType.SUBSCRIPTION, customerNumber: '7305421869', simNumber: null, active: true, smsCancellable: false,
};
const personLine: DonorLine = {
  e164: '+32495123456', operatorCode: 'ORANGE', holderKind: HolderKind.PERSON, holderName: 'Jan Peeters',
  holderVat: null, lineType: LineType.PREPAID, customerNumber: null, simNumber: SIM, active: true, smsCancellable: true,
};
const inactiveLine: DonorLine = { ...personLine, e164: '+32485000111', operatorCode: 'TELENET', smsCancellable: false, active: false };

type Details = Omit<Prisma.PortingRequestUncheckedCreateInput, 'serviceId'>;
const companyRequest: Details = {
  e164: companyLine.e164, donorOperator: 'PROXIMUS', holderKind: HolderKind.COMPANY, holderName: 'Demo Company NV',
  holderVat: 'BE0123456749', lineType: LineType.SUBSCRIPTION, customerNumber: '7305421869',
};
const personRequest: Details = {
  e164: personLine.e164, donorOperator: 'ORANGE', holderKind: HolderKind.PERSON, holderName: 'Jan Peeters',
  lineType: LineType.PREPAID, currentSimNumber: SIM,
};

// Tuesday 10 June 2025, 10:00 in Brussels
const t0 = new Date('2025-06-10T08:00:00Z');
const afterAnswer = new Date(t0.getTime() + DONOR_DELAYS.answerMs);

let db: Database;
let organisationId: string;
let adminId: string;
let userId: string;

beforeAll(async () => {
  db = await openTestDatabase();
  const organisation = await db.prisma.organisation.create({ data: { name: 'Demo Company NV', tenantId: 'tenant-demo' } });
  organisationId = organisation.id;
  const admin = await db.prisma.person.create({ data: { organisationId, role: Role.ADMINISTRATOR, email: 'a@example.test', displayName: 'Ann' } });
  const user = await db.prisma.person.create({ data: { organisationId, role: Role.USER, email: 'u@example.test', displayName: 'Jan' } });
  adminId = admin.id;
  userId = user.id;
  await db.prisma.productType.create({ data: { code: 'MOBILE', name: 'Mobile', description: '' } });
  await db.prisma.serviceType.create({
    data: { code: 'MOBILE_STD', productTypeCode: 'MOBILE', name: 'Mobile', description: '', hasSim: true, hasMobileNumber: true, hasFixedNumber: false },
  });
});

afterAll(async () => {
  await db.close();
});

beforeEach(async () => {
  await db.prisma.service.deleteMany();
  await db.prisma.phoneNumber.deleteMany();
  await db.prisma.donorLine.deleteMany();
  await db.prisma.donorLine.createMany({ data: [companyLine, personLine, inactiveLine] });
});

/** A submitted request for a service whose new line works and waits for its number, unless `status` says otherwise. */
async function submitted(details: Details, at = t0, status: ServiceStatus = ServiceStatus.WAITING_FOR_PORTING): Promise<PortingRequest> {
  const service = await db.prisma.service.create({
    data: {
      organisationId, userId, createdById: adminId, productTypeCode: 'MOBILE', serviceTypeCode: 'MOBILE_STD', status,
      numberOption: 'PORT', activationMethod: ActivationMethod.AUTOMATIC, activationTiming: ActivationTiming.NOW,
    },
  });
  return db.prisma.portingRequest.create({
    data: { ...details, serviceId: service.id, state: PortingState.SUBMITTED, createdAt: at, updatedAt: at },
  });
}

async function answerTo(details: Details) {
  const request = await submitted(details);
  const result = await advancePorting(db.prisma, request.id, afterAnswer, 1);
  return { result, request: await db.prisma.portingRequest.findUniqueOrThrow({ where: { id: request.id } }) };
}

describe('the donor refuses each wrong detail and accepts the right one', () => {
  const cases: Array<[RefusalCode, Details]> = [
    ['NUMBER_UNKNOWN', { ...personRequest, e164: '+32495999999' }],
    ['NUMBER_AT_OTHER_OPERATOR', { ...companyRequest, donorOperator: 'ORANGE' }],
    ['LINE_INACTIVE', { ...personRequest, e164: inactiveLine.e164, donorOperator: 'TELENET' }],
    ['WRONG_LINE_TYPE', { ...companyRequest, lineType: LineType.PREPAID, customerNumber: null, currentSimNumber: SIM }],
    ['WRONG_SIM_NUMBER', { ...personRequest, currentSimNumber: OTHER_SIM }],
    ['WRONG_CUSTOMER_NUMBER', { ...companyRequest, customerNumber: '7305421896' }],
    ['HOLDER_MISMATCH', { ...companyRequest, holderName: 'Garage Lambert SRL' }],
    ['HOLDER_MISMATCH', { ...personRequest, holderKind: HolderKind.COMPANY, holderVat: 'BE0123456749' }],
    ['VAT_MISMATCH', { ...companyRequest, holderVat: 'BE0202239951' }],
    ['VAT_MISMATCH', { ...companyRequest, holderVat: null }],
  ];

  test.each(cases)('%s', async (code, details) => {
    const { result, request } = await answerTo(details);
    expect(result).toEqual({ status: 'applied', from: PortingState.SUBMITTED, to: PortingState.REFUSED, nextDueAt: null });
    // The code is what the person reads, in their language; the simulated donor adds no words of its own.
    expect(request).toMatchObject({ state: PortingState.REFUSED, refusalCode: code, refusalReason: null });
  });

  test('PORTING_IN_PROGRESS: another submitted transfer of the number', async () => {
    await submitted(personRequest);
    const { request } = await answerTo(personRequest);
    expect(request).toMatchObject({ state: PortingState.REFUSED, refusalCode: 'PORTING_IN_PROGRESS' });
  });

  test('a request still waiting for its activation does not block another', async () => {
    const waiting = await submitted(personRequest);
    await db.prisma.portingRequest.update({ where: { id: waiting.id }, data: { state: PortingState.REQUESTED } });
    expect((await answerTo(personRequest)).request.state).toBe(PortingState.ACCEPTED);
  });

  test.each([
    ['company subscription', companyRequest],
    ['company name with another legal form, spacing and case; VAT typed with dots', { ...companyRequest, holderName: 'demo  company', holderVat: 'BE 0123.456.749' }],
    ['customer number typed with spaces', { ...companyRequest, customerNumber: '7305 4218 69' }],
    ['person prepaid (the name of a person is not checked)', { ...personRequest, holderName: 'J. Peeters' }],
  ])('accepted: %s', async (_label, details) => {
    const { result, request } = await answerTo(details);
    expect(result).toMatchObject({ status: 'applied', to: PortingState.ACCEPTED });
    expect(request).toMatchObject({ state: PortingState.ACCEPTED, refusalCode: null, refusalReason: null });
  });
});

describe('timing', () => {
  test('the donor answers after its delay, shortened by the clock speed', async () => {
    const request = await submitted(personRequest);
    const early = new Date(afterAnswer.getTime() - 1);
    expect(await advancePorting(db.prisma, request.id, early, 1)).toEqual({ status: 'not-due', dueAt: afterAnswer });
    // 720 times faster: 30 minutes become 2.5 seconds
    expect(await advancePorting(db.prisma, request.id, new Date(t0.getTime() + 2_400), 720)).toMatchObject({ status: 'not-due' });
    expect(await advancePorting(db.prisma, request.id, new Date(t0.getTime() + 2_500), 720)).toMatchObject({ status: 'applied', to: PortingState.ACCEPTED });
  });

  test.each([
    ['a person\'s number (simple): next working day', HolderKind.PERSON, '2025-06-10T08:00:00Z', null, '2025-06-11'],
    ['a company\'s number (complex): three working days', HolderKind.COMPANY, '2025-06-10T08:00:00Z', null, '2025-06-13'],
    ['simple, accepted on a Friday: Monday', HolderKind.PERSON, '2025-06-13T15:00:00Z', null, '2025-06-16'],
    ['complex over a weekend', HolderKind.COMPANY, '2025-06-12T08:00:00Z', null, '2025-06-17'],
    ['simple before Whit Monday: Tuesday', HolderKind.PERSON, '2025-06-06T08:00:00Z', null, '2025-06-10'],
    ['late evening counts from the Brussels date', HolderKind.PERSON, '2025-06-10T22:30:00Z', null, '2025-06-12'],
    ['a later wish date is respected', HolderKind.COMPANY, '2025-06-10T08:00:00Z', '2025-06-20', '2025-06-20'],
    ['a wish date that is too soon gives the earliest date', HolderKind.COMPANY, '2025-06-10T08:00:00Z', '2025-06-11', '2025-06-13'],
  ])('%s', (_label, holderKind, acceptedAt, wish, date) => {
    const slot = portingSlot(holderKind, new Date(acceptedAt), wish);
    expect(slot.date).toBe(date);
    // 08:00-10:00 Brussels summer time
    expect(slot.scheduledAt.toISOString()).toBe(`${date}T06:00:00.000Z`);
    expect(slot.windowEndsAt.toISOString()).toBe(`${date}T08:00:00.000Z`);
  });

  test('the date counts from the acceptance, also when it is announced after midnight', async () => {
    // Submitted Tuesday 23:20 in Brussels: accepted at 23:50, announced at 00:05 on Wednesday.
    const submittedAt = new Date('2025-06-10T21:20:00Z');
    const request = await submitted(personRequest, submittedAt);
    const { steps } = await donorSteps(request.id, submittedAt, 1, 2);
    expect(steps).toEqual([PortingState.ACCEPTED, PortingState.SCHEDULED]);

    const scheduled = await db.prisma.portingRequest.findUniqueOrThrow({ where: { id: request.id } });
    // Simple porting: the next working day after Tuesday's acceptance, not after Wednesday's announcement.
    expect(scheduled.scheduledAt).toEqual(portingSlot(HolderKind.PERSON, new Date('2025-06-10T21:50:00Z'), null).scheduledAt);
    expect(scheduled.scheduledAt?.toISOString()).toBe('2025-06-11T06:00:00.000Z');
  });

  test('a date already past when announced counts from the announcement', async () => {
    const request = await submitted(personRequest);
    await advancePorting(db.prisma, request.id, afterAnswer, 1);
    // The donor takes a week to announce the date.
    const weekLater = new Date(afterAnswer.getTime() + 7 * 24 * 3600_000);
    expect(await advancePorting(db.prisma, request.id, weekLater, 1)).toMatchObject({ status: 'applied', to: PortingState.SCHEDULED });

    const scheduled = await db.prisma.portingRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(scheduled.scheduledAt).toEqual(portingSlot(HolderKind.PERSON, weekLater, null).scheduledAt);
  });

  test('a scheduled porting completes when its window opens, scaled by the clock speed', () => {
    const scheduledAt = new Date(t0.getTime() + 72 * 3600_000);
    const request = { state: PortingState.SCHEDULED, updatedAt: t0, scheduledAt };
    expect(nextStepDueAt(request, 1)).toEqual(scheduledAt);
    expect(nextStepDueAt(request, 720)).toEqual(new Date(t0.getTime() + 360_000)); // 72 hours in 6 minutes
    expect(nextStepDueAt({ ...request, state: PortingState.COMPLETED }, 720)).toBeNull();
    expect(() => nextStepDueAt(request, 0)).toThrow();
  });
});

/** The donor's next `count` steps, each taken when it is due; what they were and when the last was taken. */
async function donorSteps(requestId: string, from: Date, speed: number, count: number): Promise<{ steps: string[]; now: Date }> {
  let now = from;
  const steps: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const due = await advancePorting(db.prisma, requestId, now, speed);
    if (due.status !== 'not-due') throw new Error(`expected a wait, got ${due.status}`);
    now = due.dueAt;
    const step = await advancePorting(db.prisma, requestId, now, speed);
    if (step.status !== 'applied') throw new Error(`expected a step, got ${step.status}`);
    steps.push(step.to);
  }
  return { steps, now };
}

describe('the whole lifecycle, with its timeline and notifications', () => {
  test('simple porting: accepted, scheduled the next working day, completed; the number becomes ours', async () => {
    const request = await submitted(personRequest);
    const speed = 720;
    const { steps, now } = await donorSteps(request.id, t0, speed, 3);
    expect(steps).toEqual([PortingState.ACCEPTED, PortingState.SCHEDULED, PortingState.COMPLETED]);
    expect(await advancePorting(db.prisma, request.id, now, speed)).toEqual({ status: 'idle', state: PortingState.COMPLETED });

    const done = await db.prisma.portingRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(done.scheduledAt?.toISOString()).toBe('2025-06-11T06:00:00.000Z');
    expect(done.windowEndsAt?.toISOString()).toBe('2025-06-11T08:00:00.000Z');

    const events = await db.prisma.serviceEvent.findMany({ where: { serviceId: request.serviceId }, orderBy: { createdAt: 'asc' } });
    // The number switched onto a working line: the service is active at that moment.
    expect(events.map((e) => e.kind)).toEqual(['porting_accepted', 'porting_scheduled', 'porting_completed', 'activated']);
    expect(events[1]?.detail).toMatchObject({ requestId: request.id, attempt: 1, operator: 'ORANGE', scheduledAt: '2025-06-11T06:00:00.000Z' });
    expect(events.every((e) => e.actorId === null)).toBe(true);

    const notifications = await db.prisma.notification.findMany({ where: { serviceId: request.serviceId } });
    expect(notifications.map((n) => [n.kind, n.recipientId === adminId ? 'administrator' : 'user']).sort()).toEqual([
      ['activation.completed', 'administrator'], ['activation.completed', 'user'],
      ['porting.accepted', 'administrator'],
      ['porting.completed', 'administrator'], ['porting.completed', 'user'],
      ['porting.scheduled', 'administrator'], ['porting.scheduled', 'user'],
    ]);
    expect(notifications.every((n) => n.state === 'PENDING')).toBe(true);

    const number = await db.prisma.phoneNumber.findUniqueOrThrow({ where: { e164: personRequest.e164 } });
    expect(number).toMatchObject({ state: NumberState.IN_USE, organisationId });
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: request.serviceId } })).toMatchObject({ mobileNumberId: number.id });
    expect(await db.prisma.donorLine.findUnique({ where: { e164: personRequest.e164 } })).toBeNull();
  });

  test('a refusal tells the administrator, who must fix it, with the reason', async () => {
    const { request } = await answerTo({ ...companyRequest, customerNumber: '1111111111' });
    const notifications = await db.prisma.notification.findMany({ where: { serviceId: request.serviceId } });
    expect(notifications.map((n) => n.recipientId)).toEqual([adminId]);
    for (const n of notifications) {
      expect(n).toMatchObject({ kind: 'porting.refused', idempotencyKey: `${request.id}:REFUSED:${afterAnswer.getTime()}:${n.recipientId}` });
      expect(n.payload).toMatchObject({ refusalCode: 'WRONG_CUSTOMER_NUMBER', number: '+32475381946', audience: 'administrator' });
    }
    const events = await db.prisma.serviceEvent.findMany({ where: { serviceId: request.serviceId } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'porting_refused', detail: { refusalCode: 'WRONG_CUSTOMER_NUMBER' } });
  });
});

describe('a number only switches onto a line that works', () => {
  test('at the window the switch is held while the new line is still activating, and resumes with a new window once it works', async () => {
    const request = await submitted(personRequest, t0, ServiceStatus.ACTIVATING);
    const speed = 720;
    const window = await donorSteps(request.id, t0, speed, 3);
    expect(window.steps).toEqual([PortingState.ACCEPTED, PortingState.SCHEDULED, PortingState.HELD]);
    // Nothing switched: the number is not ours, the service still activating, the donor still holds the line.
    expect(await db.prisma.phoneNumber.findUnique({ where: { e164: personRequest.e164 } })).toBeNull();
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: request.serviceId } })).toMatchObject({ status: ServiceStatus.ACTIVATING, mobileNumberId: null });
    expect(await db.prisma.donorLine.findUnique({ where: { e164: personRequest.e164 } })).not.toBeNull();
    const told = await db.prisma.notification.findMany({ where: { serviceId: request.serviceId, kind: 'porting.held' } });
    expect(told.map((n) => n.recipientId).sort()).toEqual([adminId, userId].sort());

    // Back to the donor once the line works: accepted again, a new window, then the switch and the service active.
    await db.prisma.service.update({ where: { id: request.serviceId }, data: { status: ServiceStatus.WAITING_FOR_PORTING } });
    expect(await applyPortingEvent(db.prisma, request.id, { to: PortingState.ACCEPTED }, { now: window.now, expectedFrom: PortingState.HELD })).toMatchObject({ applied: true });
    expect((await donorSteps(request.id, window.now, speed, 2)).steps).toEqual([PortingState.SCHEDULED, PortingState.COMPLETED]);
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: request.serviceId } })).toMatchObject({ status: ServiceStatus.ACTIVE });
  });
});

describe('a transition applied twice does nothing the second time', () => {
  test('the same event again: no change, no second event or notification', async () => {
    const request = await submitted(companyRequest);
    const first = await applyPortingEvent(db.prisma, request.id, { to: PortingState.ACCEPTED }, { now: afterAnswer });
    expect(first).toMatchObject({ applied: true, from: PortingState.SUBMITTED });
    const again = await applyPortingEvent(db.prisma, request.id, { to: PortingState.ACCEPTED }, { now: afterAnswer });
    expect(again).toEqual({ applied: false, reason: 'already', state: PortingState.ACCEPTED });
    expect(await db.prisma.serviceEvent.count({ where: { serviceId: request.serviceId } })).toBe(1);
    expect(await db.prisma.notification.count({ where: { serviceId: request.serviceId } })).toBe(1);
  });

  test('a step the lifecycle does not allow is refused and changes nothing', async () => {
    const request = await submitted(companyRequest);
    expect(await applyPortingEvent(db.prisma, request.id, { to: PortingState.COMPLETED })).toEqual({
      applied: false, reason: 'not-allowed', state: PortingState.SUBMITTED,
    });
    expect(await applyPortingEvent(db.prisma, '00000000-0000-4000-8000-000000000000', { to: PortingState.ACCEPTED })).toEqual({
      applied: false, reason: 'not-found',
    });
    expect(await db.prisma.serviceEvent.count({ where: { serviceId: request.serviceId } })).toBe(0);
  });

  test('concurrent advances of one request apply the step once', async () => {
    const request = await submitted(companyRequest);
    const results = await Promise.all(Array.from({ length: 5 }, () => advancePorting(db.prisma, request.id, afterAnswer, 1)));
    expect(results.filter((r) => r.status === 'applied')).toHaveLength(1);
    expect(await db.prisma.serviceEvent.count({ where: { serviceId: request.serviceId } })).toBe(1);
    expect(await db.prisma.notification.count({ where: { serviceId: request.serviceId } })).toBe(1);
  });

  test('the sweep advances every due request once', async () => {
    const a = await submitted(companyRequest);
    const b = await submitted({ ...personRequest, currentSimNumber: OTHER_SIM });
    const results = await advanceDuePortings(db.prisma, afterAnswer, 1);
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    const states = await db.prisma.portingRequest.findMany({ where: { id: { in: [a.id, b.id] } }, select: { id: true, state: true } });
    expect(Object.fromEntries(states.map((s) => [s.id, s.state]))).toEqual({ [a.id]: PortingState.ACCEPTED, [b.id]: PortingState.REFUSED });
    expect((await advanceDuePortings(db.prisma, afterAnswer, 1)).map((r) => r.status)).toEqual(['not-due']);
  });
});

describe('cancellation by SMS', () => {
  test('the holder of a line whose donor sends an SMS can stop an accepted transfer', async () => {
    const { request } = await answerTo(personRequest);
    const result = await cancelBySms(db.prisma, request.id, afterAnswer);
    expect(result).toMatchObject({ applied: true, request: { state: PortingState.CANCELLED, refusalCode: 'HOLDER_CANCELLED' } });
    expect(await db.prisma.notification.count({ where: { serviceId: request.serviceId, kind: 'porting.cancelled' } })).toBe(1);
  });

  test('not where the donor sends no SMS, nor before the donor accepted', async () => {
    const { request } = await answerTo(companyRequest);
    expect(await cancelBySms(db.prisma, request.id, afterAnswer)).toEqual({ applied: false, reason: 'not-cancellable' });
    const waiting = await submitted(personRequest);
    expect(await cancelBySms(db.prisma, waiting.id, afterAnswer)).toEqual({ applied: false, reason: 'not-cancellable' });
  });
});
