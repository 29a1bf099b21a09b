import { openTestDatabase } from '../support/database';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { AccessDenied } from '../../services/people/people';
import { ActivationMethod, ActivationTiming, NumberKind, NumberState, Role, ServiceStatus } from '../../prisma/generated/enums';
import { listFixedNumbersInUse, listFreeFixedNumbers, releaseNumber, reserveNumber } from '../../services/numbers/numberPool';

let db: Database;
let admin: Actor;
let otherAdmin: Actor;
let user: Actor;
let support: Actor;
let n = 0;

async function organisationWith(role: Role, name: string): Promise<Actor> {
  n += 1;
  const organisation = await db.prisma.organisation.create({ data: { name, tenantId: `tenant-${n}-${name}` } });
  const person = await db.prisma.person.create({
    data: { organisationId: organisation.id, role, email: `p${n}@example.test`, displayName: `Person ${n}` },
  });
  return { ...person, organisation };
}

async function personIn(org: Actor, role: Role): Promise<Actor> {
  n += 1;
  const person = await db.prisma.person.create({
    data: { organisationId: org.organisationId, role, email: `p${n}@example.test`, displayName: `Person ${n}` },
  });
  return { ...person, organisation: org.organisation };
}

async function serviceHolding(owner: Actor, data: { mobileNumberId?: string; fixedNumberId?: string; status?: ServiceStatus }) {
  return db.prisma.service.create({
    data: {
      organisationId: owner.organisationId, userId: owner.id, productTypeCode: 'SMART', serviceTypeCode: 'SMART_CONVERGED',
      status: ServiceStatus.WAITING_FOR_ACTIVATION, activationMethod: ActivationMethod.EMAIL, activationTiming: ActivationTiming.NOW,
      ...data,
    },
  });
}

const mobile = (i: number) => `+32468${String(100000 + i).padStart(6, '0')}`;
const fixed = (i: number) => `+322588${String(4000 + i)}`;

beforeAll(async () => {
  db = await openTestDatabase();
  admin = await organisationWith(Role.ADMINISTRATOR, 'Acme');
  otherAdmin = await organisationWith(Role.ADMINISTRATOR, 'Other');
  user = await personIn(admin, Role.USER);
  support = await organisationWith(Role.SUPPORT, 'Operator');
  // the catalog rows a service refers to
  await db.prisma.productType.create({ data: { code: 'SMART', name: 'SmartMobile', description: '' } });
  await db.prisma.serviceType.create({
    data: { code: 'SMART_CONVERGED', productTypeCode: 'SMART', name: 'Converged', description: '', hasSim: true, hasMobileNumber: true, hasFixedNumber: true },
  });
});

afterAll(async () => {
  await db.close();
});

beforeEach(async () => {
  await db.prisma.service.deleteMany();
  await db.prisma.phoneNumber.deleteMany();
});

describe('reserveNumber', () => {
  test('50 concurrent reservations on a pool of 20 give 20 distinct numbers and 30 clear refusals', async () => {
    await db.prisma.phoneNumber.createMany({ data: Array.from({ length: 20 }, (_, i) => ({ e164: mobile(i), kind: NumberKind.MOBILE })) });
    const results = await Promise.all(Array.from({ length: 50 }, () => reserveNumber(db.prisma, admin, { kind: NumberKind.MOBILE })));

    const reserved = results.flatMap((r) => (r.ok ? [r.number.e164] : []));
    expect(reserved).toHaveLength(20);
    expect(new Set(reserved).size).toBe(20);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(30);
    for (const r of refused) {
      expect(r).toEqual({ ok: false, reason: 'no-free-number', message: expect.stringContaining('no free mobile number') });
    }
    const rows = await db.prisma.phoneNumber.findMany();
    expect(rows.every((row) => row.state === NumberState.RESERVED && row.organisationId === admin.organisationId)).toBe(true);
  });

  test('reserves the kind asked for, with an expiry', async () => {
    await db.prisma.phoneNumber.createMany({
      data: [{ e164: mobile(1), kind: NumberKind.MOBILE }, { e164: fixed(1), kind: NumberKind.FIXED }],
    });
    const now = new Date('2025-06-10T08:00:00Z');
    const result = await reserveNumber(db.prisma, admin, { kind: NumberKind.FIXED, now, ttlMs: 60_000 });
    expect(result).toEqual({
      ok: true,
      number: { id: expect.any(String), e164: fixed(1), kind: NumberKind.FIXED, reservedUntil: new Date('2025-06-10T08:01:00Z') },
    });
    const row = await db.prisma.phoneNumber.findUniqueOrThrow({ where: { e164: fixed(1) } });
    expect(row.reservedUntil).toEqual(new Date('2025-06-10T08:01:00Z'));
  });

  test('a chosen number can be reserved once; the second admin is told to choose another', async () => {
    await db.prisma.phoneNumber.createMany({ data: [fixed(1), fixed(2)].map((e164) => ({ e164, kind: NumberKind.FIXED })) });
    const [first, second] = await Promise.all([
      reserveNumber(db.prisma, admin, { kind: NumberKind.FIXED, e164: fixed(2) }),
      reserveNumber(db.prisma, otherAdmin, { kind: NumberKind.FIXED, e164: fixed(2) }),
    ]);
    const outcomes = [first, second].map((r) => r?.ok);
    expect(outcomes.sort()).toEqual([false, true]);
    const loser = [first, second].find((r) => r && !r.ok);
    expect(loser).toMatchObject({ reason: 'no-free-number', message: expect.stringContaining('choose another') });
  });

  test('an expired reservation no service took is free again; one a service holds is not', async () => {
    const now = new Date('2025-06-10T08:00:00Z');
    const past = new Date('2025-06-10T07:00:00Z');
    const held = await db.prisma.phoneNumber.create({
      data: { e164: mobile(1), kind: NumberKind.MOBILE, state: NumberState.RESERVED, organisationId: otherAdmin.organisationId, reservedUntil: past },
    });
    await serviceHolding(otherAdmin, { mobileNumberId: held.id });
    expect(await reserveNumber(db.prisma, admin, { kind: NumberKind.MOBILE, now })).toMatchObject({ ok: false });

    await db.prisma.phoneNumber.create({
      data: { e164: mobile(2), kind: NumberKind.MOBILE, state: NumberState.RESERVED, organisationId: otherAdmin.organisationId, reservedUntil: past },
    });
    expect(await reserveNumber(db.prisma, admin, { kind: NumberKind.MOBILE, now })).toMatchObject({ ok: true, number: { e164: mobile(2) } });
    expect(await db.prisma.phoneNumber.findUniqueOrThrow({ where: { e164: mobile(2) } })).toMatchObject({ organisationId: admin.organisationId });
  });

  test('numbers another organisation keeps are never handed out', async () => {
    await db.prisma.phoneNumber.create({ data: { e164: fixed(1), kind: NumberKind.FIXED, organisationId: otherAdmin.organisationId } });
    expect(await reserveNumber(db.prisma, admin, { kind: NumberKind.FIXED })).toMatchObject({ ok: false });
    expect(await reserveNumber(db.prisma, otherAdmin, { kind: NumberKind.FIXED })).toMatchObject({ ok: true });
  });

  test('only administrators reserve', async () => {
    await db.prisma.phoneNumber.create({ data: { e164: mobile(1), kind: NumberKind.MOBILE } });
    await expect(reserveNumber(db.prisma, user, { kind: NumberKind.MOBILE })).rejects.toBeInstanceOf(AccessDenied);
    await expect(reserveNumber(db.prisma, support, { kind: NumberKind.MOBILE })).rejects.toBeInstanceOf(AccessDenied);
  });
});

describe('releaseNumber', () => {
  test('gives a reservation back to the pool, once, and only to its own organisation', async () => {
    await db.prisma.phoneNumber.create({ data: { e164: mobile(1), kind: NumberKind.MOBILE } });
    const reservation = await reserveNumber(db.prisma, admin, { kind: NumberKind.MOBILE });
    if (!reservation.ok) throw new Error('expected a reservation');
    expect(await releaseNumber(db.prisma, otherAdmin, reservation.number.id)).toBe(false);
    expect(await releaseNumber(db.prisma, admin, reservation.number.id)).toBe(true);
    expect(await releaseNumber(db.prisma, admin, reservation.number.id)).toBe(false);
    expect(await db.prisma.phoneNumber.findUniqueOrThrow({ where: { id: reservation.number.id } })).toMatchObject({
      state: NumberState.FREE, organisationId: null, reservedUntil: null,
    });
    expect(await reserveNumber(db.prisma, otherAdmin, { kind: NumberKind.MOBILE })).toMatchObject({ ok: true });
  });
});

describe('fixed number lists', () => {
  test('free fixed numbers: the pool and the organisation\'s own, not other organisations\' or mobile ones', async () => {
    await db.prisma.phoneNumber.createMany({
      data: [
        { e164: fixed(3), kind: NumberKind.FIXED },
        { e164: fixed(1), kind: NumberKind.FIXED, organisationId: admin.organisationId },
        { e164: fixed(2), kind: NumberKind.FIXED, organisationId: otherAdmin.organisationId },
        { e164: fixed(4), kind: NumberKind.FIXED, state: NumberState.IN_USE, organisationId: admin.organisationId },
        { e164: mobile(1), kind: NumberKind.MOBILE },
      ],
    });
    const free = await listFreeFixedNumbers(db.prisma, admin, admin.organisationId);
    expect(free.map((f) => f.e164)).toEqual([fixed(1), fixed(3)]);
  });

  test('fixed numbers in use name their current user', async () => {
    const number = await db.prisma.phoneNumber.create({
      data: { e164: fixed(5), kind: NumberKind.FIXED, state: NumberState.IN_USE, organisationId: admin.organisationId },
    });
    const service = await serviceHolding(user, { fixedNumberId: number.id, status: ServiceStatus.ACTIVE });
    expect(await listFixedNumbersInUse(db.prisma, admin, admin.organisationId)).toEqual([
      { id: number.id, e164: fixed(5), serviceId: service.id, user: { id: user.id, displayName: user.displayName } },
    ]);
    expect(await listFixedNumbersInUse(db.prisma, otherAdmin, otherAdmin.organisationId)).toEqual([]);
  });

  test('other organisations, users and support without scope may not look', async () => {
    await expect(listFreeFixedNumbers(db.prisma, otherAdmin, admin.organisationId)).rejects.toBeInstanceOf(AccessDenied);
    await expect(listFixedNumbersInUse(db.prisma, user, admin.organisationId)).rejects.toBeInstanceOf(AccessDenied);
    await expect(listFixedNumbersInUse(db.prisma, support, admin.organisationId)).rejects.toBeInstanceOf(AccessDenied);
    await db.prisma.supportScope.create({ data: { personId: support.id, organisationId: admin.organisationId } });
    await expect(listFixedNumbersInUse(db.prisma, support, admin.organisationId)).resolves.toEqual([]);
  });
});
