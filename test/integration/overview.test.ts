import crypto from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, other, pieterPorting } from '../../prisma/demoData';
import type { Prisma } from '../../prisma/generated/client';
import { LinkPurpose, ServiceStatus, PortingState } from '../../prisma/generated/enums';
import { exportFile } from '../../dialogs/overview';
import { retryActivation, resendActivationEmail, startService } from '../../services/lifecycle/activation';
import { LINK_ATTEMPT_LIMIT } from '../../services/people/activationLinks';
import type { Database } from '../../services/platform/db/database';
import { escalateToAdministrators, markEscalationHandled } from '../../services/lifecycle/escalation';
import { ACTIVATION_MAX_MS } from '../../services/lifecycle/table';
import {
  exportRows,
  listServices,
  overviewOf,
  type AttentionKind,
  type Overview,
} from '../../services/fleet/overview';
import { fleetStateOf, fleetStates, type FleetState, type ServiceState } from '../../services/fleet/fleetStates';
import { toCsv } from '../../services/fleet/csv';
import { AccessDenied, type Actor } from '../../services/people/people';
import { portingDetailsOf } from '../../services/numbers/portingDetails';
import { resubmitPorting } from '../../services/numbers/portingRequests';
import { openTestDatabase } from '../support/database';

let db: Database;
let demoOrgId: string;
let otherOrgId: string;
const options = { clockSpeed: 1 };

async function actor(tenantId: string, email: string): Promise<Actor> {
  const organisation = await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId } });
  return db.prisma.person.findFirstOrThrow({ where: { organisationId: organisation.id, email }, include: { organisation: true } });
}

/** Each service's state as the TypeScript rules name it, from what Prisma reads: the SQL must agree. */
async function expectedStates(organisationId: string): Promise<Map<string, ServiceState>> {
  const services = await db.prisma.service.findMany({
    where: { organisationId },
    include: { portingRequests: { orderBy: { attempt: 'desc' }, take: 1 } },
  });
  return new Map(services.map((service) => [
    service.id,
    fleetStateOf({ status: service.status, scheduledStartAt: service.scheduledStartAt, porting: service.portingRequests[0]?.state ?? null }),
  ]));
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

/** A service's porting attempts, in these states, the last one latest. */
function attempts(...states: PortingState[]): Prisma.PortingRequestCreateWithoutServiceInput[] {
  return states.map((state, n) => ({ attempt: n + 1, state, e164: '+32470000001', donorOperator: 'PROXIMUS', holderKind: 'PERSON', holderName: 'Test Holder', lineType: 'PREPAID' }));
}

function portingData(serviceId: string, state: PortingState): Prisma.PortingRequestUncheckedCreateInput {
  return { serviceId, ...attempts(state)[0]! };
}

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  demoOrgId = (await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } })).id;
  otherOrgId = (await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: OTHER_TENANT_ID } })).id;
}, 60_000);

afterAll(async () => {
  await db?.close();
});

/** The entry of one kind of "Needs you now", if there is any of it. */
const attentionOf = (overview: Overview, kind: AttentionKind) => overview.attention.find((entry) => entry.kind === kind);
const totalsOf = (overview: Overview) => Object.fromEntries(overview.attention.map((entry) => [entry.kind, entry.total]));

async function organisationWithAdmin(name: string) {
  const organisation = await db.prisma.organisation.create({ data: { name, tenantId: crypto.randomUUID() } });
  await db.prisma.contractProduct.create({ data: { organisationId: organisation.id, productTypeCode: 'DSTNY_MOBILE' } });
  const slug = name.toLowerCase().replace(/\W+/g, '-');
  const admin = await db.prisma.person.create({
    data: { organisationId: organisation.id, role: 'ADMINISTRATOR', email: `admin@${slug}.example`, displayName: `${name} Admin` },
    include: { organisation: true },
  });
  const user = await db.prisma.person.create({ data: { organisationId: organisation.id, role: 'USER', email: `u@${slug}.example`, displayName: 'Ursula User' } });
  return { organisation, admin, user };
}

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
    expect(overview.attention.map((entry) => entry.kind)).toEqual(['portingIssue', 'notStarted']);
    expect(totalsOf(overview)).toEqual({ portingIssue: 1, notStarted: overview.counts.waitingForActivation });

    const list = async (state: FleetState) => (await listServices(db.prisma, ann, { organisationId: demoOrgId, state }, options)).rows.map((row) => row.email);
    expect(await list('waitingForSim')).toContain(demo.jan.email);
    expect(await list('waitingForActivation')).toContain(demo.marie.email);
    expect(await list('portingRefused')).toEqual([demo.pieter.email]);
    expect(await list('active')).toContain(demo.luc.email);
  });

  test('every state counts the services created in it, and two days of activation make one overdue', async () => {
    const { organisation, admin, user } = await organisationWithAdmin('Counting BV');
    const now = new Date('2026-11-20T10:00:00Z');
    const make = (fields: Partial<Prisma.ServiceUncheckedCreateInput>, ...portings: PortingState[]) =>
      db.prisma.service.create({
        data: { ...serviceData(organisation.id, user.id, fields), portingRequests: { create: attempts(...portings) } },
      });
    await make({ status: 'WAITING_FOR_SIM' });
    // Refused by the donor before the user entered the SIM card: the user is next, and the porting waits for the administrator.
    await make({ status: 'WAITING_FOR_SIM' }, 'REFUSED');
    await make({ status: 'WAITING_FOR_ACTIVATION' });
    await make({ status: 'WAITING_FOR_ACTIVATION', scheduledStartAt: new Date('2026-11-23T07:00:00Z') });
    await make({ status: 'READY' });
    await make({ status: 'READY' }, 'SUBMITTED');
    await make({ status: 'WAITING_FOR_ESIM_INSTALL' });
    await make({ status: 'ACTIVATING', activationStartedAt: new Date(now.getTime() - 60 * 60_000) });
    await make({ status: 'ACTIVATING', activationStartedAt: new Date(now.getTime() - ACTIVATION_MAX_MS - 60_000) });
    await make({ status: 'WAITING_FOR_PORTING' }, 'SUBMITTED');
    await make({ status: 'WAITING_FOR_PORTING' }, 'SCHEDULED');
    await make({ status: 'WAITING_FOR_PORTING' }, 'REFUSED', 'SUBMITTED');
    await make({ status: 'WAITING_FOR_PORTING' }, 'CANCELLED');
    await make({ status: 'ACTIVE' });
    await make({ status: 'FAILED', failureReason: 'SIM blocked' });
    await make({ status: 'CANCELLED' });

    const overview = await overviewOf(db.prisma, admin, organisation.id, { clockSpeed: 1, now });
    expect(overview.counts).toEqual({
      waitingForActivation: 1,
      scheduled: 1,
      waitingForSim: 2,
      waitingForEsimInstall: 1,
      waitingForStart: 2,
      activating: 2,
      waitingForPorting: 3,
      portingRefused: 1,
      failed: 1,
      active: 1,
    });
    expect(overview.counts).toEqual(countsOf(await expectedStates(organisation.id)));
    expect(overview.total).toBe(15);
    expect(totalsOf(overview)).toEqual({ portingIssue: 2, failed: 1, notStarted: 1, overdue: 1 });
    // The demo's clock runs 720 times faster: the hour-old activation is overdue there, as the notifier sees it.
    expect(attentionOf(await overviewOf(db.prisma, admin, organisation.id, { clockSpeed: 720, now }), 'overdue')?.total).toBe(2);
    const overdue = await listServices(db.prisma, admin, { organisationId: organisation.id, state: 'overdue' }, { clockSpeed: 1, now });
    expect(overdue.total).toBe(1);
    expect(overdue.rows[0]!.state).toBe('activating');
  });

  test('the database derives the state the TypeScript rules name, for every status, schedule and latest porting state', async () => {
    const { organisation, admin, user } = await organisationWithAdmin('Every Case BV');
    const cases = Object.values(ServiceStatus).flatMap((status) =>
      [null, new Date('2026-11-23T07:00:00Z')].flatMap((scheduledStartAt) => [null, ...Object.values(PortingState)].map((porting) => ({ status, scheduledStartAt, porting }))));
    for (const { status, scheduledStartAt, porting } of cases) {
      await db.prisma.service.create({
        data: {
          ...serviceData(organisation.id, user.id, { status, scheduledStartAt }),
          // An older attempt in another state: only the latest one counts.
          portingRequests: { create: porting ? attempts(PortingState.REFUSED, porting) : [] },
        },
      });
    }
    const expected = await expectedStates(organisation.id);
    expect(expected.size).toBe(cases.length);
    const { rows } = await exportRows(db.prisma, admin, organisation.id);
    expect(new Map(rows.map((row) => [row.id, row.state]))).toEqual(expected);
    expect((await overviewOf(db.prisma, admin, organisation.id, options)).counts).toEqual(countsOf(expected));
  });

  test('11,000 services are counted by the database, right for every state', async () => {
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
      [{ status: 'WAITING_FOR_PORTING' }, 'SCHEDULED'],
      [{ status: 'WAITING_FOR_PORTING' }, 'REFUSED'],
      [{ status: 'ACTIVATING', activationStartedAt: new Date() }, undefined],
      [{ status: 'ACTIVE' }, 'COMPLETED'],
      [{ status: 'FAILED' }, undefined],
      [{ status: 'ENDED' }, undefined],
      [{ status: 'READY' }, undefined],
      [{ status: 'WAITING_FOR_ESIM_INSTALL' }, undefined],
    ];
    const services: Prisma.ServiceUncheckedCreateInput[] = [];
    const portings: Prisma.PortingRequestUncheckedCreateInput[] = [];
    for (let i = 0; i < 11_000; i++) {
      const [fields, porting] = shapes[(i * 7919) % shapes.length]!;
      const service = serviceData(organisation.id, people[i % people.length]!.id, fields);
      services.push(service);
      if (porting) portings.push(portingData(service.id!, porting));
    }
    for (let i = 0; i < services.length; i += 2000) await db.prisma.service.createMany({ data: services.slice(i, i + 2000) });
    for (let i = 0; i < portings.length; i += 2000) await db.prisma.portingRequest.createMany({ data: portings.slice(i, i + 2000) });

    const overview = await overviewOf(db.prisma, admin, organisation.id, options);
    expect(overview.counts).toEqual({
      waitingForActivation: 1000,
      scheduled: 1000,
      waitingForSim: 1000,
      waitingForEsimInstall: 1000,
      waitingForStart: 1000,
      activating: 1000,
      waitingForPorting: 1000,
      portingRefused: 1000,
      failed: 1000,
      active: 1000,
    });
    expect(overview.total).toBe(10_000);
    // What needs the administrator is counted in full, and named a few at a time.
    expect(totalsOf(overview)).toEqual({ portingIssue: 1000, failed: 1000, notStarted: 1000 });
    expect(overview.attention.every((entry) => entry.items.length === 3)).toBe(true);
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
      waitingForActivation: 'Waiting for activation', scheduled: 'Activation scheduled', waitingForSim: "Waiting for the user's SIM number",
      waitingForEsimInstall: 'Waiting for the user to install the eSIM',
      waitingForStart: 'Waiting for the user to press Start', activating: 'Activating', waitingForPorting: 'Waiting for the ported number',
      portingRefused: 'Porting refused or cancelled', failed: 'Failed', active: 'Active', closed: 'Cancelled or ended',
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

describe('needs you now', () => {
  test("the seed's steps: each thing waiting for Ann is there with what unblocks it, and leaves once she has done it", async () => {
    const ann = await actor(DEMO_TENANT_ID, demo.ann.email);
    const jan = await actor(DEMO_TENANT_ID, demo.jan.email);
    const look = () => overviewOf(db.prisma, ann, demoOrgId, options);
    const idsOf = async (kind: AttentionKind) => (attentionOf(await look(), kind)?.items ?? []).map((item) => item.id);
    const serviceOf = (email: string) => db.prisma.service.findFirstOrThrow({ where: { user: { email } }, orderBy: { createdAt: 'asc' } });

    // Pieter's porting, refused by Proximus: Fix sends the right customer number.
    const pieter = await serviceOf(demo.pieter.email);
    const refused = await db.prisma.portingRequest.findFirstOrThrow({ where: { serviceId: pieter.id }, orderBy: { attempt: 'desc' } });
    expect(attentionOf(await look(), 'portingIssue')).toEqual({
      kind: 'portingIssue',
      total: 1,
      items: [{
        id: refused.id,
        serviceId: pieter.id,
        userName: 'Pieter Janssens',
        service: { product: expect.objectContaining({ en: 'Dstny Mobile' }), serviceType: expect.objectContaining({ en: 'Mobile' }), mobileNumber: '+32475381946' },
      }],
    });
    const fixed = await resubmitPorting(db.prisma, ann, refused.id, { ...portingDetailsOf(refused), customerNumber: pieterPorting.customerNumber }, { alsoInTransaction: async () => {} });
    expect(fixed.status).toBe('resubmitted');
    expect(attentionOf(await look(), 'portingIssue')).toBeUndefined();

    // Marie's service, saved to be started later: Start.
    const marie = await serviceOf(demo.marie.email);
    expect(await idsOf('notStarted')).toContain(marie.id);
    await startService(db.prisma, ann, marie.id);
    expect(await idsOf('notStarted')).not.toContain(marie.id);

    // An activation the backend could not do: Try again.
    const luc = await db.prisma.person.findFirstOrThrow({ where: { email: demo.luc.email } });
    const failed = await db.prisma.service.create({ data: serviceData(demoOrgId, luc.id, { status: 'FAILED', failureReason: 'SIM blocked', createdById: ann.id }) });
    expect(await idsOf('failed')).toEqual([failed.id]);
    expect(await retryActivation(db.prisma, ann, failed.id)).toEqual({ retried: true });
    expect(attentionOf(await look(), 'failed')).toBeUndefined();

    // Jan typed ten wrong SIM card numbers on his link, which locked: a new activation email.
    const janService = await serviceOf(demo.jan.email);
    await db.prisma.accessLink.create({
      data: {
        tokenHash: crypto.randomBytes(32).toString('hex'), purpose: LinkPurpose.ACTIVATION, personId: jan.id, serviceId: janService.id,
        expiresAt: new Date(Date.now() + 86_400_000), failedAttempts: LINK_ATTEMPT_LIMIT,
      },
    });
    expect(await idsOf('lockedLink')).toEqual([janService.id]);
    expect(await resendActivationEmail(db.prisma, ann, janService.id, { requestKey: 'needs-you-resend-1' })).toMatchObject({ sent: true });
    expect(attentionOf(await look(), 'lockedLink')).toBeUndefined();

    // Jan asks his administrator for help: Mark handled, once dealt with.
    await escalateToAdministrators(db.prisma, jan, { requestKey: 'needs-you-escalation-1', serviceId: janService.id, topic: 'data', tried: [] });
    const escalation = attentionOf(await look(), 'escalation');
    expect(escalation).toMatchObject({ total: 1, items: [{ serviceId: janService.id, userName: 'Jan Peeters' }] });
    await markEscalationHandled(db.prisma, ann, escalation!.items[0]!.id);
    expect(attentionOf(await look(), 'escalation')).toBeUndefined();
  });
});
