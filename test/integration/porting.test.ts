import { openTestDatabase } from '../support/database';
import type { Database } from '../../services/platform/db/database';
import { AccessDenied, type Actor } from '../../services/people/people';
import { ActivationMethod, ActivationTiming, HolderKind, LineType, NumberKind, PortingState, Role, ServiceStatus } from '../../prisma/generated/enums';
import { applyPortingEvent, submitPorting } from '../../services/numbers/portingEvents';
import { listPortingIssues, PortingConflict, requestPorting } from '../../services/numbers/portingRequests';
import { portingDetailsOf, precheckPortingFor, type PortingDetailsInput } from '../../services/numbers/portingDetails';

let db: Database;
let admin: Actor;
let otherAdmin: Actor;
let userId: string;
const now = new Date('2025-06-10T08:00:00Z');

const details: PortingDetailsInput = {
  number: '0475 38 19 46',
  donorOperator: 'PROXIMUS',
  holderKind: HolderKind.COMPANY,
  holderName: 'Demo Company NV',
  holderVat: 'BE 0123.456.749',
  lineType: LineType.SUBSCRIPTION,
  customerNumber: '7305421896',
  wishDate: '2025-06-20',
};

async function actor(organisationId: string, role: Role, email: string): Promise<Actor> {
  const person = await db.prisma.person.create({ data: { organisationId, role, email, displayName: email }, include: { organisation: true } });
  return person;
}

async function newService(owner: Actor) {
  return db.prisma.service.create({
    data: {
      organisationId: owner.organisationId, userId, createdById: owner.id, productTypeCode: 'MOBILE', serviceTypeCode: 'MOBILE_STD',
      status: ServiceStatus.ACTIVATING, activationMethod: ActivationMethod.AUTOMATIC, activationTiming: ActivationTiming.NOW,
    },
  });
}

beforeAll(async () => {
  db = await openTestDatabase();
  const demo = await db.prisma.organisation.create({ data: { name: 'Demo Company NV', tenantId: 'tenant-demo' } });
  const other = await db.prisma.organisation.create({ data: { name: 'Other Org BV', tenantId: 'tenant-other' } });
  admin = await actor(demo.id, Role.ADMINISTRATOR, 'ann@example.test');
  otherAdmin = await actor(other.id, Role.ADMINISTRATOR, 'olga@example.test');
  userId = (await actor(demo.id, Role.USER, 'pieter@example.test')).id;
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
});

test('a request is stored normalised as attempt 1, with its timeline entry and audit', async () => {
  const service = await newService(admin);
  const result = await requestPorting(db.prisma, admin, service.id, details, { submit: false, now });
  expect(result).toMatchObject({
    ok: true,
    warnings: [],
    request: { attempt: 1, state: PortingState.REQUESTED, e164: '+32475381946', holderVat: 'BE0123456749', wishDate: new Date('2025-06-20T00:00:00Z') },
  });
  expect(await db.prisma.serviceEvent.findMany({ where: { serviceId: service.id } })).toMatchObject([{ kind: 'porting_requested', actorId: admin.id }]);
  expect(await db.prisma.auditEvent.findMany({ where: { subjectType: 'PortingRequest' } })).toMatchObject([{ action: 'porting.requested', actorId: admin.id }]);
  if (!result.ok) throw new Error('expected a request');
  expect(await submitPorting(db.prisma, result.request.id, now)).toMatchObject({ applied: true, request: { state: PortingState.SUBMITTED } });
  expect(await submitPorting(db.prisma, result.request.id, now)).toMatchObject({ applied: false, reason: 'already' });
});

test('blocking warnings stop the request and nothing is written', async () => {
  const service = await newService(admin);
  const result = await requestPorting(db.prisma, admin, service.id, { ...details, customerNumber: '' }, { submit: true, now });
  expect(result).toMatchObject({ ok: false, warnings: [{ code: 'subscription-customer-missing' }] });
  expect(await db.prisma.portingRequest.count({ where: { serviceId: service.id } })).toBe(0);
});

test('the database-backed checks: a number of the organisation, a porting of the organisation in progress', async () => {
  await db.prisma.phoneNumber.create({ data: { e164: '+32475381946', kind: NumberKind.MOBILE, organisationId: admin.organisationId } });
  expect((await precheckPortingFor(db.prisma, admin, details, now)).warnings.map((w) => w.code)).toEqual(['number-already-ours']);
  // Another customer's administrator learns nothing about it.
  expect((await precheckPortingFor(db.prisma, otherAdmin, details, now)).warnings.map((w) => w.code)).toEqual([]);
  await db.prisma.phoneNumber.deleteMany();
  const service = await newService(admin);
  await requestPorting(db.prisma, admin, service.id, details, { submit: true, now });
  expect((await precheckPortingFor(db.prisma, admin, details, now)).warnings.map((w) => w.code)).toEqual(['porting-in-progress']);
  expect((await precheckPortingFor(db.prisma, otherAdmin, details, now)).warnings.map((w) => w.code)).toEqual([]);
  await expect(requestPorting(db.prisma, admin, service.id, details, { submit: true, now })).resolves.toMatchObject({ ok: false });
});

test('fix after a refusal: a new attempt keeps the history and the issue leaves the list', async () => {
  const service = await newService(admin);
  const first = await requestPorting(db.prisma, admin, service.id, details, { submit: true, now });
  if (!first.ok) throw new Error('expected a request');
  await applyPortingEvent(db.prisma, first.request.id, { to: PortingState.REFUSED, code: 'WRONG_CUSTOMER_NUMBER' }, { now });

  const issues = await listPortingIssues(db.prisma, admin, admin.organisationId);
  expect(issues).toEqual([expect.objectContaining({
    requestId: first.request.id, serviceId: service.id, attempt: 1, refusalCode: 'WRONG_CUSTOMER_NUMBER', field: 'customerNumber',
    refusalReason: null, user: { id: userId, displayName: 'pieter@example.test' },
  })]);
  const refused = await db.prisma.portingRequest.findUniqueOrThrow({ where: { id: first.request.id } });
  const prefilled = portingDetailsOf(refused);
  expect(prefilled).toMatchObject({ number: '+32475381946', customerNumber: '7305421896', wishDate: '2025-06-20' });

  const second = await requestPorting(db.prisma, admin, service.id, { ...prefilled, customerNumber: '7305421869' }, { submit: true, now });
  expect(second).toMatchObject({ ok: true, request: { attempt: 2, state: PortingState.SUBMITTED, customerNumber: '7305421869' } });
  expect(await db.prisma.portingRequest.count({ where: { serviceId: service.id } })).toBe(2);
  expect(await listPortingIssues(db.prisma, admin, admin.organisationId)).toEqual([]);
  expect(await db.prisma.auditEvent.findFirst({ where: { action: 'porting.resubmitted' } })).toMatchObject({
    before: { requestId: first.request.id, attempt: 1, refusalCode: 'WRONG_CUSTOMER_NUMBER' },
  });
});

test('a second request while one is in progress is a conflict', async () => {
  const service = await newService(admin);
  await requestPorting(db.prisma, admin, service.id, details, { submit: false, now });
  await db.prisma.portingRequest.updateMany({ data: { e164: '+32475000000' } }); // so that only the service rule applies
  await expect(requestPorting(db.prisma, admin, service.id, details, { submit: false, now })).rejects.toBeInstanceOf(PortingConflict);
});

test('other organisations and users may neither request nor list', async () => {
  const service = await newService(admin);
  await expect(requestPorting(db.prisma, otherAdmin, service.id, details, { submit: true, now })).rejects.toBeInstanceOf(AccessDenied);
  await expect(listPortingIssues(db.prisma, otherAdmin, admin.organisationId)).rejects.toBeInstanceOf(AccessDenied);
  const user = await db.prisma.person.findUniqueOrThrow({ where: { id: userId }, include: { organisation: true } });
  await expect(requestPorting(db.prisma, user, service.id, details, { submit: true, now })).rejects.toBeInstanceOf(AccessDenied);
  expect(await db.prisma.portingRequest.count()).toBe(0);
});
