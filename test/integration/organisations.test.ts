import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, demoStockIccids, freeMobileNumbers, other } from '../../prisma/demoData';
import { OrganisationProblem } from '../../services/organisations/input';
import { randomUUID } from 'node:crypto';
import { LinkPurpose, ServiceStatus } from '../../prisma/generated/enums';
import { scheduleStart } from '../../services/lifecycle/activation';
import { scheduledStartJob } from '../../services/lifecycle/activationJobs';
import { ActivationJobs } from '../../services/lifecycle/jobs';
import { notificationReads } from '../../services/notifications/notificationSubjects';
import { deactivateOrganisation, inspectOrganisation, listOrganisations, putOrganisation, reactivateOrganisation } from '../../services/organisations/organisations';
import { createAccessLink } from '../../services/people/accessLinks';
import { openActivationLink } from '../../services/people/activationLinks';
import { ALREADY_IN_STOCK, LISTED_TWICE, OTHER_ORGANISATION, addNumbers, addSimCards } from '../../services/organisations/stock';
import { canSeeOrganisation, recognise } from '../../services/people/people';
import type { Database } from '../../services/platform/db/database';
import { luhnCheckDigit } from '../../services/simCards/simNumber';
import { openTestDatabase } from '../support/database';

/** The operator brings a real organisation in: the domain on a real database (PGlite, or PostgreSQL with DATABASE_URL). */

const TENANT = '7c1e4d2a-5b3f-4a6e-9d8c-1f2e3a4b5c6d';
const api = { via: 'api', keyFingerprint: 'f00d' } as const;
const iccid = (n: number) => {
  const payload = `8932777${String(n).padStart(11, '0')}`;
  return payload + luhnCheckDigit(payload);
};
const acme = {
  name: 'Acme Logistics NV',
  vatNumber: 'BE 0123.456.749',
  productTypes: ['DSTNY_MOBILE'],
  administrators: [{ displayName: 'Alice Acme', email: 'Alice@Acme.example', preferredLanguage: 'nl' }],
};

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
});
afterAll(async () => {
  await db.close();
});

const trail = (action: string) => db.prisma.auditEvent.findMany({ where: { action }, orderBy: { createdAt: 'asc' } });

/** The problem a call was refused with: its kind, message and the fields named. */
async function problemOf(call: Promise<unknown>): Promise<OrganisationProblem> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof OrganisationProblem)) throw new Error(`expected an OrganisationProblem, got ${String(error)}`);
  return error;
}

describe('putOrganisation', () => {
  test('creates the organisation with its contract and administrators, and a repeat changes and audits nothing', async () => {
    const first = await putOrganisation(db.prisma, api, TENANT.toUpperCase(), acme);
    expect(first.created).toBe(true);
    expect(first.organisation).toMatchObject({
      tenantId: TENANT,
      name: 'Acme Logistics NV',
      vatNumber: 'BE0123456749',
      productTypes: ['DSTNY_MOBILE'],
      administrators: [{ displayName: 'Alice Acme', email: 'alice@acme.example', preferredLanguage: 'nl' }],
      support: [],
      deactivatedAt: null,
    });
    const again = await putOrganisation(db.prisma, api, TENANT, acme);
    expect(again).toEqual({ created: false, organisation: first.organisation });
    const created = await trail('operator.organisation.created');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ actorId: null, subjectType: 'Organisation', after: { name: 'Acme Logistics NV', by: 'operator', via: 'api', key: 'f00d' } });
    expect(await trail('operator.organisation.updated')).toHaveLength(0);
  });

  test('an update keeps exactly the product types listed, adds administrators without removing any, and is audited with before and after', async () => {
    const { created, organisation } = await putOrganisation(db.prisma, api, TENANT, {
      ...acme,
      name: 'Acme Logistics',
      productTypes: ['DSTNY_MOBILE', 'DSTNY_FMC'],
      administrators: [{ displayName: 'Bart Acme', email: 'bart@acme.example', preferredLanguage: 'fr' }],
    });
    expect(created).toBe(false);
    expect(organisation.productTypes).toEqual(['DSTNY_FMC', 'DSTNY_MOBILE']);
    expect(organisation.administrators.map((admin) => admin.email)).toEqual(['alice@acme.example', 'bart@acme.example']);
    const [updated] = await trail('operator.organisation.updated');
    expect(updated).toMatchObject({ before: { name: 'Acme Logistics NV' }, after: { name: 'Acme Logistics' } });
  });

  test('support people listed may look into the organisation; others are refused by name', async () => {
    const { organisation } = await putOrganisation(db.prisma, api, TENANT, { ...acme, support: [{ tenantId: DEMO_TENANT_ID, email: demo.sam.email }] });
    expect(organisation.support).toEqual([{ tenantId: DEMO_TENANT_ID, email: demo.sam.email, displayName: 'Sam Support' }]);
    const sam = await db.prisma.person.findFirstOrThrow({ where: { email: demo.sam.email }, include: { organisation: true } });
    const acmeId = (await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: TENANT } })).id;
    expect(await canSeeOrganisation(db.prisma, sam, acmeId)).toBe(true);

    const refused = await problemOf(putOrganisation(db.prisma, api, TENANT, { ...acme, support: [{ tenantId: DEMO_TENANT_ID, email: demo.ann.email }, { tenantId: DEMO_TENANT_ID, email: 'nobody@demo.example' }] }));
    expect(refused.issues).toEqual([
      { path: 'support.0', message: `expected a support person; ${demo.ann.email} is administrator` },
      { path: 'support.1', message: `expected a person of the organisation with tenant id ${DEMO_TENANT_ID}; there is no nobody@demo.example` },
    ]);
  });

  test('invalid input names each field and what is expected, and writes nothing', async () => {
    const before = await db.prisma.organisation.count();
    const problem = await problemOf(
      putOrganisation(db.prisma, api, '9d8c7b6a-1111-4222-8333-444455556666', {
        name: '',
        vatNumber: 'BE 0123.456.748',
        productTypes: ['DSTNY_MOBILE', 'NO_SUCH_PRODUCT'],
        administrators: [
          { displayName: 'A', email: 'not-an-address', preferredLanguage: 'de' },
          { displayName: 'B', email: 'b@x.example', preferredLanguage: 'en', role: 'ADMINISTRATOR' },
        ],
      }),
    );
    expect(problem.kind).toBe('invalid');
    expect(problem.issues).toEqual(
      expect.arrayContaining([
        { path: 'name', message: 'expected a name of at least one character' },
        { path: 'vatNumber', message: expect.stringContaining('its last two digits do not match') },
        { path: 'administrators.0.email', message: 'expected an email address such as ann@company.example' },
        { path: 'administrators.0.preferredLanguage', message: 'expected one of en, nl, fr' },
        { path: 'administrators.1', message: expect.stringContaining('role') },
      ]),
    );
    const unknownProduct = await problemOf(putOrganisation(db.prisma, api, TENANT, { ...acme, productTypes: ['NO_SUCH_PRODUCT'] }));
    expect(unknownProduct.issues).toEqual([{ path: 'productTypes.0', message: expect.stringMatching(/^unknown product type NO_SUCH_PRODUCT: the catalog holds .*DSTNY_MOBILE/) }]);
    const notATenant = await problemOf(putOrganisation(db.prisma, api, 'acme', acme));
    expect(notATenant.issues).toEqual([{ path: 'tenantId', message: expect.stringContaining('Microsoft Entra tenant id, a GUID') }]);
    expect(await db.prisma.organisation.count()).toBe(before);
  });
});

describe('stock', () => {
  test('SIM cards: added once; bad, repeated, already present and foreign cards refused with their reason', async () => {
    const report = await addSimCards(db.prisma, api, TENANT, { iccids: [iccid(1), `${iccid(2).slice(0, 4)} ${iccid(2).slice(4)}`, iccid(1), '8932', demoStockIccids[0]!] });
    expect(report.added).toBe(2);
    expect(report.refused).toEqual(
      expect.arrayContaining([
        { iccid: iccid(1), reason: LISTED_TWICE },
        { iccid: '8932', reason: 'A SIM card number has 19 or 20 digits; this one has 4.' },
        { iccid: demoStockIccids[0], reason: OTHER_ORGANISATION },
      ]),
    );
    expect(report.refused).toHaveLength(3);
    const repeat = await addSimCards(db.prisma, api, TENANT, { iccids: [iccid(1), iccid(2)] });
    expect(repeat).toEqual({ added: 0, refused: [{ iccid: iccid(1), reason: ALREADY_IN_STOCK }, { iccid: iccid(2), reason: ALREADY_IN_STOCK }] });
    expect(await trail('operator.simCards.added')).toEqual([expect.objectContaining({ after: expect.objectContaining({ added: 2, refused: 3 }) })]);
    const demoCard = await db.prisma.simCard.findUniqueOrThrow({ where: { iccid: demoStockIccids[0]! }, include: { organisation: true } });
    expect(demoCard.organisation.tenantId).toBe(DEMO_TENANT_ID);
  });

  test("numbers: new ones and the pool's free ones become the organisation's; wrong kinds and other organisations' refused", async () => {
    const demoHeld = await db.prisma.phoneNumber.findFirstOrThrow({ where: { organisation: { tenantId: DEMO_TENANT_ID }, kind: 'MOBILE' } });
    const report = await addNumbers(db.prisma, api, TENANT, {
      mobile: ['0470 99 88 77', freeMobileNumbers[0]!, demoHeld.e164, '02 640 10 00'],
      fixed: ['+32 2 640 10 00', '+3224019700'],
    });
    expect(report.added).toBe(4);
    expect(report.refused).toEqual(
      expect.arrayContaining([
        { number: '02 640 10 00', reason: expect.stringContaining('This is not a Belgian mobile number') },
        { number: demoHeld.e164, reason: OTHER_ORGANISATION },
      ]),
    );
    expect(report.refused).toHaveLength(2);
    const pooled = await db.prisma.phoneNumber.findUniqueOrThrow({ where: { e164: freeMobileNumbers[0]! }, include: { organisation: true } });
    expect(pooled).toMatchObject({ state: 'FREE', organisation: { tenantId: TENANT } });
    const repeat = await addNumbers(db.prisma, api, TENANT, { mobile: ['+32470998877'] });
    expect(repeat).toEqual({ added: 0, refused: [{ number: '+32470998877', reason: ALREADY_IN_STOCK }] });
    expect(await problemOf(addNumbers(db.prisma, api, TENANT, { mobile: [] }))).toMatchObject({ issues: [{ path: 'body', message: 'expected at least one number in mobile or fixed' }] });
  });

  test('an unknown organisation is not found', async () => {
    const problem = await problemOf(addSimCards(db.prisma, api, '00000000-0000-4000-8000-000000000999', { iccids: [iccid(3)] }));
    expect(problem).toMatchObject({ kind: 'not-found', message: 'no organisation has tenant id 00000000-0000-4000-8000-000000000999' });
  });
});

test('inspect and list: the counts of people, stock, numbers and services by state', async () => {
  const acmeView = await inspectOrganisation(db.prisma, TENANT);
  expect(acmeView.counts).toEqual({
    people: { ADMINISTRATOR: 2, SUPPORT: 0, USER: 0 },
    simCards: { IN_STOCK: 2, ASSIGNED: 0, ACTIVE: 0, DEACTIVATED: 0 },
    numbers: { MOBILE: { FREE: 2, RESERVED: 0, IN_USE: 0 }, FIXED: { FREE: 2, RESERVED: 0, IN_USE: 0 } },
    services: expect.objectContaining({ ACTIVE: 0, WAITING_FOR_ACTIVATION: 0 }),
  });
  const demoView = await inspectOrganisation(db.prisma, DEMO_TENANT_ID);
  expect(demoView.counts.services.ACTIVE).toBeGreaterThan(0);
  expect((await listOrganisations(db.prisma)).map((o) => o.name)).toEqual(['Acme Logistics NV', 'Demo Company NV', expect.any(String)]);
});

test("deactivating: its people are refused, it receives no stock, nothing is deleted, and a repeat audits nothing", async () => {
  const olga = { kind: 'aad', tenantId: OTHER_TENANT_ID, aadObjectId: other.olga.aadObjectId } as const;
  expect((await recognise(db.prisma, olga)).status).toBe('known');
  const otherOrg = await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: OTHER_TENANT_ID }, include: { _count: { select: { people: true, services: true, simCards: true } } } });

  const view = await deactivateOrganisation(db.prisma, api, OTHER_TENANT_ID);
  expect(view.deactivatedAt).toEqual(expect.any(String));
  expect(await deactivateOrganisation(db.prisma, api, OTHER_TENANT_ID)).toEqual(view);
  expect(await trail('operator.organisation.deactivated')).toHaveLength(1);

  expect(await recognise(db.prisma, olga)).toEqual({ status: 'unknown-organisation', deactivated: true });
  expect(await recognise(db.prisma, { ...olga, aadObjectId: '0f0f0f0f-0000-4000-8000-000000000000' })).toEqual({ status: 'unknown-organisation', deactivated: true });
  const olgaPerson = await db.prisma.person.findFirstOrThrow({ where: { email: other.olga.email } });
  expect(await recognise(db.prisma, { kind: 'person', personId: olgaPerson.id })).toEqual({ status: 'unknown-organisation', deactivated: true });
  expect(await problemOf(addSimCards(db.prisma, api, OTHER_TENANT_ID, { iccids: [iccid(4)] }))).toMatchObject({ kind: 'deactivated' });

  const after = await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: OTHER_TENANT_ID }, include: { _count: { select: { people: true, services: true, simCards: true } } } });
  expect(after._count).toEqual(otherOrg._count);
  // The other organisations' people are untouched.
  expect((await recognise(db.prisma, { kind: 'aad', tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId })).status).toBe('known');
});

test('a deactivated organisation: nothing is started, linked or delivered for it; reactivated, its people act again with what they had', async () => {
  const ann = await db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email }, include: { organisation: true } });
  const waiting = await db.prisma.service.findFirstOrThrow({ where: { organisationId: ann.organisationId, status: ServiceStatus.WAITING_FOR_ACTIVATION } });
  await scheduleStart(db.prisma, ann, [waiting.id], new Date(Date.now() + 60_000));
  const job = await db.prisma.job.findFirstOrThrow({ where: { kind: ActivationJobs.scheduledStart }, orderBy: { createdAt: 'desc' } });
  const forSim = await db.prisma.service.findFirstOrThrow({ where: { organisationId: ann.organisationId, status: ServiceStatus.WAITING_FOR_SIM } });
  const { token } = await createAccessLink(db.prisma, { purpose: LinkPurpose.ACTIVATION, personId: forSim.userId, serviceId: forSim.id, ttlMs: 3_600_000 });
  const toAnn = { id: randomUUID(), idempotencyKey: randomUUID(), recipientId: ann.id, serviceId: forSim.id, kind: 'service.activated', payload: {}, attempt: 1 };
  const deliveryProblem = () => notificationReads(db.prisma).subjectOf(toAnn).then(() => 'none', (error: unknown) => String(error));
  expect(await deliveryProblem()).not.toMatch(/deactivated/);

  await deactivateOrganisation(db.prisma, api, DEMO_TENANT_ID);
  // The scheduled time comes while the contract is off: nothing starts, and the service no longer reads as scheduled.
  await scheduledStartJob(db.prisma, 14).run(job.payload as { actorId: string; serviceIds: string[] }, { id: job.id, kind: job.kind, attempt: 1, workerId: 'test' });
  expect(await db.prisma.service.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject({ status: ServiceStatus.WAITING_FOR_ACTIVATION, scheduledStartAt: null });
  expect(await db.prisma.serviceEvent.count({ where: { serviceId: waiting.id, kind: 'activation_schedule_dropped' } })).toBe(1);
  expect(await openActivationLink(db.prisma, token)).toBeNull();
  expect(await deliveryProblem()).toMatch(/organisation is deactivated/);

  const view = await reactivateOrganisation(db.prisma, api, DEMO_TENANT_ID);
  expect(view.deactivatedAt).toBeNull();
  expect(await reactivateOrganisation(db.prisma, api, DEMO_TENANT_ID)).toEqual(view);
  expect(await trail('operator.organisation.reactivated')).toHaveLength(1);
  expect((await recognise(db.prisma, { kind: 'aad', tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId })).status).toBe('known');
  expect(await openActivationLink(db.prisma, token)).toMatchObject({ serviceId: forSim.id });
  expect(await deliveryProblem()).not.toMatch(/deactivated/);
});
