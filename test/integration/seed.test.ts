import fs from 'node:fs';
import path from 'node:path';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Database } from '../../services/platform/db/database';
import { seedDemo } from '../../prisma/seed';
import {
  DEMO_COMPANY,
  DEMO_TENANT_ID,
  DONOR_OPERATORS,
  OTHER_COMPANY,
  OTHER_TENANT_ID,
  demo,
  demoScenario,
  demoStockIccids,
  donorExamples,
  other,
  otherStockIccids,
} from '../../prisma/demoData';
import { checkIccid } from '../../services/simCards/simNumber';
import { openTestDatabase } from '../support/database';

const schema = fs.readFileSync(path.join(__dirname, '../../prisma/schema.prisma'), 'utf8');
const tables = [...schema.matchAll(/^model (\w+) \{/gm)].map((m) => m[1]!);

let db: Database;
let demoOrgId: string;
let otherOrgId: string;
const p = () => db.prisma;

beforeAll(async () => {
  db = await openTestDatabase();
  await seedDemo(db.prisma);
  demoOrgId = (await p().organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } })).id;
  otherOrgId = (await p().organisation.findUniqueOrThrow({ where: { tenantId: OTHER_TENANT_ID } })).id;
});
afterAll(async () => {
  await db.close();
});

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`);
    counts[table] = row!.n;
  }
  return counts;
}

function isValidBelgianVat(vat: string | null): boolean {
  const match = /^BE([01]\d{7})(\d{2})$/.exec(vat ?? '');
  return !!match && 97 - (Number(match[1]) % 97) === Number(match[2]);
}

const serviceOf = (email: string) =>
  p().service.findFirstOrThrow({
    where: { user: { email, organisationId: demoOrgId } },
    include: { mobileNumber: true, fixedNumber: true, simCard: true, portingRequests: true, links: true, events: { orderBy: { createdAt: 'asc' } } },
  });

// How long a second run takes is the bench's to measure, not a test's: a busy machine must not fail it.
test('a second run changes nothing', async () => {
  const before = await rowCounts();
  expect(before.Service).toBeGreaterThan(0);
  const ids = await p().person.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
  await seedDemo(db.prisma);
  expect(await rowCounts()).toEqual(before);
  expect(await p().person.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).toEqual(ids);
});

test('the two organisations, their tenant ids and contracts', async () => {
  const organisations = await p().organisation.findMany({ include: { contract: true }, orderBy: { name: 'asc' } });
  expect(organisations.map((o) => [o.name, o.tenantId, o.contract.map((c) => c.productTypeCode).sort()])).toEqual([
    ['Demo Company NV', DEMO_TENANT_ID, ['DSTNY_MOBILE', 'DSTNY_SMARTMOBILE']],
    ['Other Org BV', OTHER_TENANT_ID, ['DSTNY_FMC', 'DSTNY_MOBILE']],
  ]);
  expect(isValidBelgianVat(DEMO_COMPANY.vat) && isValidBelgianVat(OTHER_COMPANY.vat)).toBe(true);
});

test('the named people with their roles and AAD object ids; Sam supports the demo organisation', async () => {
  for (const [organisationId, people] of [[demoOrgId, demo], [otherOrgId, other]] as const) {
    for (const person of Object.values(people)) {
      const row = await p().person.findUniqueOrThrow({ where: { organisationId_email: { organisationId, email: person.email } } });
      expect(row).toMatchObject({ aadObjectId: person.aadObjectId, displayName: person.displayName, role: person.role });
    }
  }
  expect(demo.ann).toMatchObject({ email: 'ann.admin@demo.example', aadObjectId: 'a0000000-0000-4000-8000-00000000000a' });
  expect(other.olga.aadObjectId).toBe('a0000000-0000-4000-8000-00000000000b');
  const sam = await p().person.findFirstOrThrow({ where: { email: demo.sam.email }, include: { supportScopes: true } });
  expect(sam.supportScopes.map((s) => s.organisationId)).toEqual([demoOrgId]);
});

test('at least 20 generated employees in the demo organisation, a few in the other, all distinct', async () => {
  const named = new Set<string>(Object.values(demo).map((person) => person.email));
  const demoUsers = await p().person.findMany({ where: { organisationId: demoOrgId, role: 'USER' } });
  const generated = demoUsers.filter((person) => !named.has(person.email));
  expect(generated.length).toBeGreaterThanOrEqual(20);
  for (const person of generated) {
    expect(person.email).toMatch(/^[a-z]+\.[a-z]+@demo\.example$/);
    expect(person.aadObjectId).toMatch(/^[0-9a-f]{8}-0000-4000-8000-[0-9a-f]{12}$/);
    expect(person.displayName).toMatch(/^\S+ .+$/);
  }
  const all = await p().person.findMany();
  expect(new Set(all.map((person) => person.aadObjectId)).size).toBe(all.length);
  expect(new Set(all.map((person) => person.email)).size).toBe(all.length);
  const otherUsers = await p().person.count({ where: { organisationId: otherOrgId, role: 'USER' } });
  expect(otherUsers).toBeGreaterThanOrEqual(3);
});

test('unused SIM stock: at least 50 cards for the demo organisation, about 20 for the other, all valid ICCIDs', async () => {
  const stock = (organisationId: string) =>
    p().simCard.findMany({ where: { organisationId, state: 'IN_STOCK', service: null }, select: { iccid: true } });
  const demoStock = await stock(demoOrgId);
  const otherStock = await stock(otherOrgId);
  expect(demoStock.length).toBeGreaterThanOrEqual(50);
  expect(otherStock.length).toBeGreaterThanOrEqual(15);
  expect(demoStock.map((s) => s.iccid)).toEqual(expect.arrayContaining(demoStockIccids.slice(0, 5)));
  expect(otherStock.map((s) => s.iccid)).toEqual(expect.arrayContaining(otherStockIccids.slice(0, 5)));
  for (const { iccid } of await p().simCard.findMany({ select: { iccid: true } })) {
    expect(checkIccid(iccid)).toEqual({ ok: true, iccid });
    expect(iccid).toMatch(/^8932\d{15}$/);
  }
});

test('free pools of mobile (+32 4…) and fixed (+32 2…) numbers, valid Belgian numbers held by no organisation', async () => {
  const free = (kind: 'MOBILE' | 'FIXED') =>
    p().phoneNumber.findMany({ where: { kind, state: 'FREE', organisationId: null, mobileOf: null, fixedOf: null } });
  const mobiles = await free('MOBILE');
  const fixed = await free('FIXED');
  expect(mobiles.length).toBeGreaterThanOrEqual(100);
  expect(fixed.length).toBeGreaterThanOrEqual(20);
  for (const number of mobiles) {
    expect(number.e164).toMatch(/^\+324\d{8}$/);
    expect(parsePhoneNumberFromString(number.e164)?.getType()).toBe('MOBILE');
  }
  for (const number of fixed) {
    expect(number.e164).toMatch(/^\+322\d{7}$/);
    expect(parsePhoneNumberFromString(number.e164)?.getType()).toBe('FIXED_LINE');
  }
});

test('fixed numbers in use belong to active SmartMobile converged services of generated employees, with active SIMs', async () => {
  const inUse = await p().phoneNumber.findMany({
    where: { kind: 'FIXED', state: 'IN_USE', organisationId: demoOrgId },
    include: { fixedOf: { include: { simCard: true, mobileNumber: true, user: true } } },
  });
  expect(inUse.length).toBeGreaterThanOrEqual(3);
  const named = new Set<string>(Object.values(demo).map((person) => person.email));
  for (const number of inUse) {
    expect(number.fixedOf).toMatchObject({
      status: 'ACTIVE',
      productTypeCode: 'DSTNY_SMARTMOBILE',
      serviceTypeCode: 'SM_CONVERGED',
      simCard: { state: 'ACTIVE', organisationId: demoOrgId },
      mobileNumber: { state: 'IN_USE', organisationId: demoOrgId },
    });
    expect(named.has(number.fixedOf!.user.email)).toBe(false);
  }
});

test('Jan: Dstny Mobile service waiting for his SIM card, new number reserved, activation email sent, no link seeded', async () => {
  const jan = await serviceOf(demo.jan.email);
  expect(jan).toMatchObject({
    productTypeCode: 'DSTNY_MOBILE',
    serviceTypeCode: 'MOBILE',
    status: 'WAITING_FOR_SIM',
    activationMethod: 'EMAIL',
    activationTiming: 'NOW',
    numberOption: 'NEW',
    simCard: null,
    mobileNumber: { e164: demoScenario.jan.mobileNumber, kind: 'MOBILE', state: 'RESERVED', organisationId: demoOrgId },
    links: [],
  });
  expect(jan.events.map((e) => e.kind)).toEqual(['service_created', 'number_reserved', 'activation_email_sent']);
  expect(await p().accessLink.count()).toBe(0);
});

test('Marie: waiting for activation, the administrator chose to start later', async () => {
  const marie = await serviceOf(demo.marie.email);
  expect(marie).toMatchObject({
    status: 'WAITING_FOR_ACTIVATION',
    activationTiming: 'LATER',
    activationMethod: 'EMAIL',
    numberOption: 'NEW',
    activationStartedAt: null,
    mobileNumber: { e164: demoScenario.marie.mobileNumber, state: 'RESERVED' },
  });
  expect(marie.events.map((e) => e.kind)).not.toContain('activation_email_sent');
});

test('Pieter: porting refused because the customer number differs from the one Proximus has', async () => {
  const pieter = await serviceOf(demo.pieter.email);
  expect(pieter).toMatchObject({ productTypeCode: 'DSTNY_MOBILE', numberOption: 'PORT' });
  // His line works; its number waits for the transfer that was refused.
  expect(pieter.status).toBe('WAITING_FOR_PORTING');
  expect(pieter.portingRequests).toHaveLength(1);
  const request = pieter.portingRequests[0]!;
  expect(request).toMatchObject({
    attempt: 1,
    state: 'REFUSED',
    refusalCode: 'WRONG_CUSTOMER_NUMBER',
    e164: demoScenario.pieter.porting.e164,
    donorOperator: 'PROXIMUS',
    lineType: 'SUBSCRIPTION',
    holderKind: 'COMPANY',
    holderName: 'Demo Company NV',
    holderVat: DEMO_COMPANY.vat,
  });
  expect(request.refusalReason).toMatch(/customer number/);
  const registered = await p().donorLine.findUniqueOrThrow({ where: { e164: request.e164 } });
  expect(registered).toMatchObject({ operatorCode: 'PROXIMUS', holderKind: 'COMPANY', holderName: 'Demo Company NV', holderVat: DEMO_COMPANY.vat, active: true });
  expect(registered.customerNumber).toBe(demoScenario.pieter.porting.customerNumber);
  expect(request.customerNumber).not.toBe(registered.customerNumber);
  expect(pieter.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['porting_submitted', 'porting_refused']));
});

test('Luc: an active Dstny Mobile service with an active SIM card and a number in use', async () => {
  const luc = await serviceOf(demo.luc.email);
  expect(luc).toMatchObject({
    productTypeCode: 'DSTNY_MOBILE',
    status: 'ACTIVE',
    simCard: { iccid: demoScenario.luc.iccid, state: 'ACTIVE', organisationId: demoOrgId },
    mobileNumber: { e164: demoScenario.luc.mobileNumber, state: 'IN_USE', organisationId: demoOrgId },
  });
  expect(luc.activatedAt).toBeInstanceOf(Date);
  expect(luc.events.at(-1)).toMatchObject({ kind: 'activated', createdAt: luc.activatedAt });
});

test('every service has a past, ordered timeline starting at its creation, and holds only its own organisation\'s things', async () => {
  const services = await p().service.findMany({
    include: { events: { orderBy: { createdAt: 'asc' } }, user: true, createdBy: true, simCard: true, mobileNumber: true, fixedNumber: true },
  });
  expect(services.filter((s) => s.organisationId === otherOrgId).length).toBeGreaterThanOrEqual(2);
  const now = Date.now();
  for (const service of services) {
    expect(service.events[0]).toMatchObject({ kind: 'service_created', createdAt: service.createdAt });
    for (const event of service.events) expect(event.createdAt.getTime()).toBeLessThan(now);
    for (const owner of [service.user, service.createdBy, service.simCard, service.mobileNumber, service.fixedNumber]) {
      if (owner) expect(owner.organisationId).toBe(service.organisationId);
    }
    if (service.status === 'ACTIVE') expect(service.events.map((e) => e.kind)).toContain('activated');
  }
});

test('the registry of other operators: all six operators, people and companies, prepaid and subscriptions', async () => {
  const lines = await p().donorLine.findMany();
  expect([...new Set(lines.map((l) => l.operatorCode))].sort()).toEqual(DONOR_OPERATORS.map((o) => o.code).sort());
  expect(DONOR_OPERATORS.map((o) => o.name)).toEqual(
    expect.arrayContaining(['Proximus', 'Orange Belgium', 'Telenet / BASE', 'Digi', 'Mobile Vikings', 'Scarlet']),
  );
  expect(DONOR_OPERATORS.filter((o) => o.mvno)).toHaveLength(2);
  for (const line of lines) {
    expect(parsePhoneNumberFromString(line.e164)?.getType()).toBe('MOBILE');
    if (line.holderKind === 'COMPANY') expect(isValidBelgianVat(line.holderVat)).toBe(true);
    else expect(line.holderVat).toBeNull();
    if (line.lineType === 'PREPAID') {
      expect(checkIccid(line.simNumber ?? '').ok).toBe(true);
      expect(line.customerNumber).toBeNull();
    } else {
      expect(line.customerNumber).toMatch(/^\d{10}$/);
      expect(line.simNumber).toBeNull();
    }
  }
  expect(lines.some((l) => l.holderKind === 'PERSON') && lines.some((l) => l.holderKind === 'COMPANY')).toBe(true);
  expect(lines.some((l) => !l.active)).toBe(true);
  expect(lines.some((l) => l.smsCancellable)).toBe(true);
  for (const example of Object.values(donorExamples)) {
    expect(await p().donorLine.findUniqueOrThrow({ where: { e164: example.e164 } })).toEqual(example);
  }
  // No number is both at another operator and in the operator's own pools.
  const own = await p().phoneNumber.findMany({ where: { e164: { in: lines.map((l) => l.e164) } } });
  expect(own).toEqual([]);
});
