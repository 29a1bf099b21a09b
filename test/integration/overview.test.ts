import crypto from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, other } from '../../prisma/demoData';
import type { Prisma } from '../../prisma/generated/client';
import { ServiceStatus, PortingState } from '../../prisma/generated/enums';
import { exportFile } from '../../dialogs/overview';
import type { Database } from '../../services/db/database';
import { ACTIVATION_MAX_MS } from '../../services/activationOverdue';
import { exportRows, fleetStates, listServices, overviewOf, toCsv, type FleetState, type ServiceState } from '../../services/overview';
import { AccessDenied, type Actor } from '../../services/people';
import { openTestDatabase } from '../support/database';

let db: Database;
let demoOrgId: string;
let otherOrgId: string;
const options = { clockSpeed: 1 };

async function actor(tenantId: string, email: string): Promise<Actor> {
  const organisation = await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId } });
  return db.prisma.person.findFirstOrThrow({ where: { organisationId: organisation.id, email }, include: { organisation: true } });
}

/** The rule the overview follows, written out plainly over everything Prisma reads: the test's own oracle. */
async function expectedStates(organisationId: string): Promise<Map<string, ServiceState>> {
  const services = await db.prisma.service.findMany({
    where: { organisationId },
    include: { portingRequests: { orderBy: { attempt: 'desc' }, take: 1 } },
  });
  const pending: string[] = [PortingState.REQUESTED, PortingState.SUBMITTED, PortingState.ACCEPTED, PortingState.SCHEDULED];
  return new Map(
    services.map((service) => {
      const porting = service.portingRequests[0]?.state;
      const state: ServiceState =
        service.status === 'CANCELLED' || service.status === 'ENDED' ? 'closed'
        : service.status === 'FAILED' ? 'failed'
        : service.status === 'WAITING_FOR_ACTIVATION' ? (service.scheduledStartAt ? 'scheduled' : 'waitingForActivation')
        : porting === 'REFUSED' ? 'portingRefused'
        : service.status === 'WAITING_FOR_SIM' ? 'waitingForSim'
        : service.status === 'ACTIVATING' ? 'activating'
        : porting && pending.includes(porting) ? 'portingInProgress'
        : service.status === 'READY' ? 'activating'
        : 'active';
      return [service.id, state];
    }),
  );
}

function countsOf(states: Map<string, ServiceState>): Record<FleetState, number> {
  const counts = Object.fromEntries(fleetStates.map((state) => [state, 0])) as Record<FleetState, number>;
  for (const state of states.values()) if (state !== 'closed') counts[state]++;
  return counts;
}

async function personId(organisationId: string, email: string): Promise<string> {
  return (await db.prisma.person.findFirstOrThrow({ where: { organisationId, email } })).id;
}

function serviceData(organisationId: string, userId: string, fields: Partial<Prisma.ServiceUncheckedCreateInput> = {}): Prisma.ServiceUncheckedCreateInput {
  return {
    id: crypto.randomUUID(),
    organisationId,
    userId,
    productTypeCode: 'DSTNY_MOBILE',
    serviceTypeCode: 'MOBILE',
    status: ServiceStatus.ACTIVE,
    activationMethod: 'EMAIL',
    activationTiming: 'NOW',
    ...fields,
  };
}

function portingData(serviceId: string, state: PortingState, attempt = 1): Prisma.PortingRequestUncheckedCreateInput {
  return { serviceId, attempt, state, e164: '+32470000001', donorOperator: 'PROXIMUS', holderKind: 'PERSON', holderName: 'Test Holder', lineType: 'PREPAID' };
}

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  demoOrgId = (await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } })).id;
  otherOrgId = (await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: OTHER_TENANT_ID } })).id;
}, 60_000);

afterAll(async () => {
  await db?.close();
});

describe('the counts card', () => {
  test('counts the seeded demo services by state: Jan waits for his SIM, Marie for activation, Pieter is refused, Luc is active', async () => {
    const ann = await actor(DEMO_TENANT_ID, demo.ann.email);
    const overview = await overviewOf(db.prisma, ann, demoOrgId, options);
    const expected = await expectedStates(demoOrgId);
    expect(overview.counts).toEqual(countsOf(expected));
    expect(overview.organisation.name).toBe('Demo Company NV');
    expect(overview.counts.waitingForSim).toBeGreaterThanOrEqual(1);
    expect(overview.counts.waitingForActivation).toBeGreaterThanOrEqual(1);
    expect(overview.counts.portingRefused).toBe(1);
    expect(overview.attention).toEqual({ portingRefused: 1, failed: overview.counts.failed, overdue: 0 });

    const list = async (state: FleetState) => (await listServices(db.prisma, ann, { organisationId: demoOrgId, state }, options)).rows.map((row) => row.email);
    expect(await list('waitingForSim')).toContain(demo.jan.email);
    expect(await list('waitingForActivation')).toContain(demo.marie.email);
    expect(await list('portingRefused')).toEqual([demo.pieter.email]);
    expect(await list('active')).toContain(demo.luc.email);
  });

  test('every state counts the services created in it, and two days of activation make one overdue', async () => {
    const organisation = await db.prisma.organisation.create({ data: { name: 'Counting BV', tenantId: crypto.randomUUID() } });
    await db.prisma.contractProduct.create({ data: { organisationId: organisation.id, productTypeCode: 'DSTNY_MOBILE' } });
    const admin = await db.prisma.person.create({
      data: { organisationId: organisation.id, role: 'ADMINISTRATOR', email: 'admin@counting.example', displayName: 'Counting Admin' },
      include: { organisation: true },
    });
    const user = await db.prisma.person.create({ data: { organisationId: organisation.id, role: 'USER', email: 'u@counting.example', displayName: 'Ursula User' } });
    const now = new Date('2026-11-20T10:00:00Z');
    const make = (fields: Partial<Prisma.ServiceUncheckedCreateInput>) => db.prisma.service.create({ data: serviceData(organisation.id, user.id, fields) });
    await make({ status: 'WAITING_FOR_SIM' });
    await make({ status: 'WAITING_FOR_SIM' });
    await make({ status: 'WAITING_FOR_ACTIVATION' });
    await make({ status: 'WAITING_FOR_ACTIVATION', scheduledStartAt: new Date('2026-11-23T07:00:00Z') });
    const porting = await make({ status: 'READY' });
    await db.prisma.portingRequest.create({ data: portingData(porting.id, 'SUBMITTED') });
    const refusedThenFixed = await make({ status: 'READY' });
    await db.prisma.portingRequest.create({ data: portingData(refusedThenFixed.id, 'REFUSED', 1) });
    await db.prisma.portingRequest.create({ data: portingData(refusedThenFixed.id, 'SUBMITTED', 2) });
    const refused = await make({ status: 'ACTIVE' });
    await db.prisma.portingRequest.create({ data: portingData(refused.id, 'REFUSED') });
    await make({ status: 'ACTIVATING', activationStartedAt: new Date(now.getTime() - 60 * 60_000) });
    await make({ status: 'ACTIVATING', activationStartedAt: new Date(now.getTime() - ACTIVATION_MAX_MS - 60_000) });
    await make({ status: 'READY' });
    await make({ status: 'ACTIVE' });
    await make({ status: 'FAILED', failureReason: 'SIM blocked' });
    await make({ status: 'CANCELLED' });

    const overview = await overviewOf(db.prisma, admin, organisation.id, { clockSpeed: 1, now });
    expect(overview.counts).toEqual({
      waitingForSim: 2,
      waitingForActivation: 1,
      scheduled: 1,
      portingInProgress: 2,
      portingRefused: 1,
      activating: 3,
      active: 1,
      failed: 1,
    });
    expect(overview.counts).toEqual(countsOf(await expectedStates(organisation.id)));
    expect(overview.total).toBe(12);
    expect(overview.attention).toEqual({ portingRefused: 1, failed: 1, overdue: 1 });
    // The demo's clock runs 720 times faster: the hour-old activation is overdue there, as the notifier sees it.
    expect((await overviewOf(db.prisma, admin, organisation.id, { clockSpeed: 720, now })).attention.overdue).toBe(2);
    const overdue = await listServices(db.prisma, admin, { organisationId: organisation.id, state: 'overdue' }, { clockSpeed: 1, now });
    expect(overdue.total).toBe(1);
    expect(overdue.rows[0]!.state).toBe('activating');
  });

  test('10,000 services are counted by the database, right for every state', async () => {
    const organisation = await db.prisma.organisation.create({ data: { name: 'Big Fleet NV', tenantId: crypto.randomUUID() } });
    const admin = await db.prisma.person.create({
      data: { organisationId: organisation.id, role: 'ADMINISTRATOR', email: 'admin@big.example', displayName: 'Big Admin' },
      include: { organisation: true },
    });
    const people = Array.from({ length: 100 }, (_, i) => ({
      id: crypto.randomUUID(), organisationId: organisation.id, role: 'USER' as const, email: `p${i}@big.example`, displayName: `Person ${i}`,
    }));
    await db.prisma.person.createMany({ data: people });
    const shapes: Array<[Partial<Prisma.ServiceUncheckedCreateInput>, PortingState | undefined]> = [
      [{ status: 'WAITING_FOR_SIM' }, undefined],
      [{ status: 'WAITING_FOR_ACTIVATION' }, undefined],
      [{ status: 'WAITING_FOR_ACTIVATION', scheduledStartAt: new Date('2026-12-01T07:00:00Z') }, undefined],
      [{ status: 'READY' }, 'SCHEDULED'],
      [{ status: 'READY' }, 'REFUSED'],
      [{ status: 'ACTIVATING', activationStartedAt: new Date() }, undefined],
      [{ status: 'ACTIVE' }, 'COMPLETED'],
      [{ status: 'FAILED' }, undefined],
      [{ status: 'ENDED' }, undefined],
      [{ status: 'ACTIVE' }, undefined],
    ];
    const services: Prisma.ServiceUncheckedCreateInput[] = [];
    const portings: Prisma.PortingRequestUncheckedCreateInput[] = [];
    for (let i = 0; i < 10_000; i++) {
      const [fields, porting] = shapes[(i * 7919) % shapes.length]!;
      const service = serviceData(organisation.id, people[i % people.length]!.id, fields);
      services.push(service);
      if (porting) portings.push(portingData(service.id!, porting));
    }
    for (let i = 0; i < services.length; i += 2000) await db.prisma.service.createMany({ data: services.slice(i, i + 2000) });
    for (let i = 0; i < portings.length; i += 2000) await db.prisma.portingRequest.createMany({ data: portings.slice(i, i + 2000) });

    const overview = await overviewOf(db.prisma, admin, organisation.id, options);
    expect(overview.counts).toEqual({
      waitingForSim: 1000,
      waitingForActivation: 1000,
      scheduled: 1000,
      portingInProgress: 1000,
      portingRefused: 1000,
      activating: 1000,
      active: 2000,
      failed: 1000,
    });
    expect(overview.total).toBe(9000);
    const page = await listServices(db.prisma, admin, { organisationId: organisation.id, state: 'failed', page: 99 }, options);
    expect(page).toMatchObject({ total: 1000, page: 99, pages: 100 });
    expect(page.rows).toHaveLength(10);
  }, 120_000);
});

describe('lists', () => {
  test('pages of ten, the last page holding the rest; a page past the end shows the last one', async () => {
    const ann = await actor(DEMO_TENANT_ID, demo.ann.email);
    const all = await listServices(db.prisma, ann, { organisationId: demoOrgId }, options);
    const expected = [...(await expectedStates(demoOrgId)).values()].filter((state) => state !== 'closed').length;
    expect(all.total).toBe(expected);
    expect(all.rows).toHaveLength(Math.min(10, expected));
    const seen = new Set<string>();
    for (let page = 0; page < all.pages; page++) {
      const rows = (await listServices(db.prisma, ann, { organisationId: demoOrgId, page }, options)).rows;
      expect(rows.length).toBeLessThanOrEqual(10);
      rows.forEach((row) => seen.add(row.id));
    }
    expect(seen.size).toBe(expected);
    const beyond = await listServices(db.prisma, ann, { organisationId: demoOrgId, page: 500 }, options);
    expect(beyond.page).toBe(all.pages - 1);
    expect(beyond.rows.length).toBeGreaterThan(0);
  });

  test('filters by product and by name, whatever the case and accents', async () => {
    const ann = await actor(DEMO_TENANT_ID, demo.ann.email);
    const smart = await listServices(db.prisma, ann, { organisationId: demoOrgId, product: 'DSTNY_SMARTMOBILE' }, options);
    expect(smart.total).toBe(await db.prisma.service.count({ where: { organisationId: demoOrgId, productTypeCode: 'DSTNY_SMARTMOBILE', status: { notIn: ['CANCELLED', 'ENDED'] } } }));
    expect(smart.rows.every((row) => row.product.en === 'Dstny SmartMobile')).toBe(true);

    const helene = await personId(demoOrgId, (await db.prisma.person.findFirstOrThrow({ where: { organisationId: demoOrgId, displayName: { startsWith: 'Hélène' } } })).email);
    await db.prisma.service.create({ data: serviceData(demoOrgId, helene, { status: 'WAITING_FOR_SIM' }) });
    for (const typed of ['helene', 'HÉLÈNE', 'hélè']) {
      const found = await listServices(db.prisma, ann, { organisationId: demoOrgId, name: typed }, options);
      expect(found.rows.map((row) => row.userName)).toEqual([expect.stringMatching(/^Hélène /)]);
    }
    const jan = await listServices(db.prisma, ann, { organisationId: demoOrgId, name: 'peeters' }, options);
    expect(jan.rows.map((row) => row.email)).toEqual([demo.jan.email]);
    const none = await listServices(db.prisma, ann, { organisationId: demoOrgId, name: '100%_' }, options);
    expect(none.total).toBe(0);
  });
});

describe('who may see what', () => {
  test("Olga sees only Other Org BV's services, and Demo Company NV's overview is refused to her and audited", async () => {
    const olga = await actor(OTHER_TENANT_ID, other.olga.email);
    const overview = await overviewOf(db.prisma, olga, otherOrgId, options);
    expect(overview.counts).toEqual(countsOf(await expectedStates(otherOrgId)));
    const rows = (await exportRows(db.prisma, olga, otherOrgId)).rows;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.email.endsWith('@other.example'))).toBe(true);

    const audited = () => db.prisma.auditEvent.count({ where: { actorId: olga.id, action: 'overview.denied' } });
    const before = await audited();
    await expect(overviewOf(db.prisma, olga, demoOrgId, options)).rejects.toBeInstanceOf(AccessDenied);
    await expect(listServices(db.prisma, olga, { organisationId: demoOrgId, state: 'active' }, options)).rejects.toBeInstanceOf(AccessDenied);
    await expect(exportRows(db.prisma, olga, demoOrgId)).rejects.toBeInstanceOf(AccessDenied);
    await expect(listServices(db.prisma, olga, { organisationId: 'not-a-uuid' }, options)).rejects.toBeInstanceOf(AccessDenied);
    expect(await audited()).toBe(before + 4);
  });

  test('Sam sees the organisations his SupportScope allows, and only those', async () => {
    const sam = await actor(DEMO_TENANT_ID, demo.sam.email);
    expect((await overviewOf(db.prisma, sam, demoOrgId, options)).otherOrganisations).toEqual([]);
    await expect(overviewOf(db.prisma, sam, otherOrgId, options)).rejects.toBeInstanceOf(AccessDenied);

    await db.prisma.supportScope.create({ data: { personId: sam.id, organisationId: otherOrgId } });
    try {
      const mine = await overviewOf(db.prisma, sam, demoOrgId, options);
      expect(mine.otherOrganisations).toEqual([{ id: otherOrgId, name: 'Other Org BV' }]);
      const theirs = await overviewOf(db.prisma, sam, otherOrgId, options);
      expect(theirs.organisation.name).toBe('Other Org BV');
      expect(theirs.otherOrganisations).toEqual([{ id: demoOrgId, name: 'Demo Company NV' }]);
    } finally {
      await db.prisma.supportScope.delete({ where: { personId_organisationId: { personId: sam.id, organisationId: otherOrgId } } });
    }
  });

  test('a user is refused, and the refusal audited', async () => {
    const jan = await actor(DEMO_TENANT_ID, demo.jan.email);
    await expect(overviewOf(db.prisma, jan, demoOrgId, options)).rejects.toBeInstanceOf(AccessDenied);
    await expect(listServices(db.prisma, jan, { organisationId: demoOrgId }, options)).rejects.toBeInstanceOf(AccessDenied);
    await expect(exportRows(db.prisma, jan, demoOrgId)).rejects.toBeInstanceOf(AccessDenied);
    expect(await db.prisma.auditEvent.count({ where: { actorId: jan.id, action: 'overview.denied' } })).toBe(3);
  });
});

describe('the export', () => {
  test("has one row per service of the organisation with the database's state and dates", async () => {
    const ann = await actor(DEMO_TENANT_ID, demo.ann.email);
    const file = await exportFile({ db: db.prisma, clockSpeed: 1 }, ann, 'en', demoOrgId, new Date('2026-11-25T12:00:00Z'));
    expect(file.name).toBe('overview-demo-company-nv-2026-11-25.csv');
    expect(file.csv.startsWith('\uFEFF')).toBe(true);
    expect(file.csv).toContain('\r\n');
    const [header, ...records] = parse(file.csv, { bom: true }) as string[][];
    expect(header).toEqual(['Name', 'Email', 'Product', 'Service type', 'State', 'Mobile number', 'Added', 'Scheduled start', 'Activation started', 'Activated', 'Ended']);

    const services = await db.prisma.service.findMany({
      where: { organisationId: demoOrgId },
      include: { user: true, mobileNumber: true, portingRequests: { orderBy: { attempt: 'desc' }, take: 1 } },
    });
    expect(records).toHaveLength(services.length);
    expect(file.count).toBe(services.length);
    const states = await expectedStates(demoOrgId);
    const stateNames: Record<ServiceState, string> = {
      waitingForSim: 'Waiting for SIM card', waitingForActivation: 'Waiting for activation', scheduled: 'Activation scheduled',
      portingInProgress: 'Porting in progress', portingRefused: 'Porting refused', activating: 'Activating', active: 'Active',
      failed: 'Failed', closed: 'Cancelled or ended',
    };
    const brussels = (at: Date | null) => (at ? at.toLocaleString('sv-SE', { timeZone: 'Europe/Brussels' }).slice(0, 16) : '');
    const fromDatabase = services.map((service) => {
      const number = service.mobileNumber?.e164 ?? service.portingRequests[0]?.e164 ?? '';
      return [service.user.displayName, service.user.email, stateNames[states.get(service.id)!], number.startsWith('+') ? `'${number}` : number, brussels(service.createdAt), brussels(service.activatedAt)].join('|');
    });
    const fromFile = records.map((record) => [record[0], record[1], record[4], record[5], record[6], record[9]].join('|'));
    expect(fromFile.sort()).toEqual(fromDatabase.sort());
    expect(await db.prisma.auditEvent.count({ where: { actorId: ann.id, action: 'overview.exported' } })).toBeGreaterThanOrEqual(1);
  });

  test('quotes as RFC 4180 says and keeps spreadsheets from running a cell as a formula', () => {
    const csv = toCsv(['a', 'b'], [['=HYPERLINK("http://x")', 'Dubois, "Marie"'], ['+32 470', 'line\nbreak'], ['-1', '@SUM(A1)'], ['plain', 'x']]);
    expect(csv).toBe('\uFEFFa,b\r\n"\'=HYPERLINK(""http://x"")","Dubois, ""Marie"""\r\n\'+32 470,"line\nbreak"\r\n\'-1,\'@SUM(A1)\r\nplain,x\r\n');
    expect(parse(csv, { bom: true })).toEqual([['a', 'b'], ['\'=HYPERLINK("http://x")', 'Dubois, "Marie"'], ["'+32 470", 'line\nbreak'], ["'-1", "'@SUM(A1)"], ['plain', 'x']]);
  });
});
