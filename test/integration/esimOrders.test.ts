import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import type { Database } from '../../services/platform/db/database';
import { listFreeFixedNumbers, reserveNumber } from '../../services/numbers/numberPool';
import type { Actor } from '../../services/people/people';
import type { ServiceDraft } from '../../services/addService/orderDraft';
import { saveService } from '../../services/addService/orderSaving';
import { serviceSummary } from '../../services/addService/summaryCard';
import { demoActor, leaveEsimsInStock } from '../support/addServiceDriver';
import { openTestDatabase } from '../support/database';

/** Orders for an eSIM: a profile of the organisation's stock reserved at save, and never one profile for two orders. */

let db: Database;
let ann: Actor;
let key = 0;
const nextKey = () => `addService:esim-${++key}`;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ann = await demoActor(db, DEMO_TENANT_ID, demo.ann.aadObjectId);
}, 60_000);
afterAll(async () => db.close());

const personId = async (email: string) => (await db.prisma.person.findFirstOrThrow({ where: { email } })).id;
const esimsInStock = () => db.prisma.simCard.count({ where: { organisationId: ann.organisationId, form: 'ESIM', state: 'IN_STOCK', service: { is: null } } });

async function esimDraft(values: Partial<ServiceDraft> = {}): Promise<ServiceDraft> {
  const reserved = await reserveNumber(db.prisma, ann, { kind: 'MOBILE' });
  if (!reserved.ok) throw new Error('no free number');
  return {
    userId: await personId(demo.marie.email),
    productTypeCode: 'DSTNY_MOBILE',
    serviceTypeCode: 'MOBILE',
    bundleCode: 'MOB_M',
    optionCodes: [],
    numberOption: 'NEW',
    reservedNumberId: reserved.number.id,
    simOption: 'ESIM',
    activationMethod: 'AUTOMATIC',
    activationTiming: 'LATER',
    ...values,
  };
}

test('an eSIM order reserves a profile of the stock: assigned to the service, on its timeline and in the audit trail', async () => {
  const before = await esimsInStock();
  const saved = await saveService(db.prisma, ann, await esimDraft(), nextKey());
  if (!saved.ok) throw new Error(JSON.stringify(saved.problem));
  const service = await db.prisma.service.findUniqueOrThrow({ where: { id: saved.service.id }, include: { simCard: true, events: true } });
  expect(service.simCard).toMatchObject({ form: 'ESIM', state: 'ASSIGNED', organisationId: ann.organisationId });
  expect(service.events.map((event) => event.kind)).toEqual(expect.arrayContaining(['service_created', 'esim_reserved']));
  expect(await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'service.created', subjectId: service.id } })).toMatchObject({ after: expect.objectContaining({ esim: true, simEntered: false }) });
  expect(await esimsInStock()).toBe(before - 1);
  expect(await serviceSummary(db.prisma, ann, service.id)).toMatchObject({ esim: true });
});

test('a UC user has no SIM card: an eSIM left in its draft from another service type takes nothing from stock', async () => {
  const before = await esimsInStock();
  const [free] = await listFreeFixedNumbers(db.prisma, ann, ann.organisationId);
  const saved = await saveService(
    db.prisma,
    ann,
    { userId: await personId(demo.luc.email), productTypeCode: 'DSTNY_SMARTMOBILE', serviceTypeCode: 'SM_UC_USER', bundleCode: 'SM_UC', optionCodes: [], simOption: 'ESIM', fixedOption: 'FREE', fixedNumberId: free!.id, activationMethod: 'EMAIL', activationTiming: 'LATER' },
    nextKey(),
  );
  if (!saved.ok) throw new Error(JSON.stringify(saved.problem));
  expect(saved.service.simCardId).toBeNull();
  expect(await esimsInStock()).toBe(before);
  expect(await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'service.created', subjectId: saved.service.id } })).toMatchObject({ after: expect.objectContaining({ esim: false }) });
});

describe('the last eSIM', () => {
  let putBack: () => Promise<void>;
  beforeEach(async () => {
    putBack = await leaveEsimsInStock(db.prisma, ann.organisationId, 1);
  });
  afterEach(async () => putBack());

  test('two orders saved at the same moment: one gets it, the other is told there is none left and nothing of it is kept', async () => {
    const drafts = [await esimDraft(), await esimDraft({ userId: await personId(demo.jan.email) })];
    const before = await db.prisma.service.count();
    const results = await Promise.all(drafts.map((draft) => saveService(db.prisma, ann, draft, nextKey())));

    const saved = results.filter((result) => result.ok);
    const refused = results.filter((result) => !result.ok);
    expect(saved).toHaveLength(1);
    expect(refused).toEqual([{ ok: false, problem: { step: 'sim', message: 'addService.error.noEsimInStock' } }]);
    expect(await db.prisma.service.count()).toBe(before + 1);
    expect(await esimsInStock()).toBe(0);
  });

  test('with none left, an eSIM order is refused before anything is written', async () => {
    await saveService(db.prisma, ann, await esimDraft(), nextKey());
    const before = await db.prisma.service.count();
    const result = await saveService(db.prisma, ann, await esimDraft(), nextKey());
    expect(result).toEqual({ ok: false, problem: { step: 'sim', message: 'addService.error.noEsimInStock' } });
    expect(await db.prisma.service.count()).toBe(before);
  });
});
