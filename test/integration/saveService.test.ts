import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, demoStockIccids, donorExamples, other, otherStockIccids } from '../../prisma/demoData';
import type { Database } from '../../services/platform/db/database';
import { listFixedNumbersInUse, listFreeFixedNumbers, reserveNumber } from '../../services/numbers/numberPool';
import { AccessDenied, type Actor } from '../../services/people/people';
import type { ServiceDraft } from '../../services/addService/orderDraft';
import { saveService } from '../../services/addService/orderSaving';
import { serviceSummary } from '../../services/addService/summaryCard';
import { demoActor } from '../support/addServiceDriver';
import { openTestDatabase } from '../support/database';

let db: Database;
let ann: Actor;
let olga: Actor;
let jan: Actor;
let key = 0;
const nextKey = () => `addService:test-${++key}`;

const actor = (tenantId: string, aadObjectId: string) => demoActor(db, tenantId, aadObjectId);

async function personId(email: string): Promise<string> {
  return (await db.prisma.person.findFirstOrThrow({ where: { email } })).id;
}

async function newNumber(who: Actor = ann): Promise<string> {
  const reserved = await reserveNumber(db.prisma, who, { kind: 'MOBILE' });
  if (!reserved.ok) throw new Error('no free number');
  return reserved.number.id;
}

async function mobileDraft(values: Partial<ServiceDraft> = {}): Promise<ServiceDraft> {
  return {
    userId: await personId(demo.marie.email),
    productTypeCode: 'DSTNY_MOBILE',
    serviceTypeCode: 'MOBILE',
    bundleCode: 'MOB_M',
    optionCodes: ['INTL_100'],
    numberOption: 'NEW',
    reservedNumberId: await newNumber(),
    simOption: 'USER_ENTERS',
    activationMethod: 'EMAIL',
    activationTiming: 'LATER',
    ...values,
  };
}

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ann = await actor(DEMO_TENANT_ID, demo.ann.aadObjectId);
  jan = await actor(DEMO_TENANT_ID, demo.jan.aadObjectId);
  olga = await actor(OTHER_TENANT_ID, other.olga.aadObjectId);
}, 60_000);
afterAll(async () => db.close());

describe('saveService', () => {
  it('creates the service with its reserved number, timeline and audit trail, once per key', async () => {
    const draft = await mobileDraft();
    const idempotencyKey = nextKey();
    const first = await saveService(db.prisma, ann, draft, idempotencyKey);
    const second = await saveService(db.prisma, ann, draft, idempotencyKey);

    if (!first.ok || !second.ok) throw new Error('not saved');
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, service: { id: first.service.id } });
    expect(await db.prisma.service.count({ where: { idempotencyKey } })).toBe(1);
    expect(first.service).toMatchObject({
      status: 'WAITING_FOR_ACTIVATION',
      mobileNumberId: draft.reservedNumberId,
      optionCodes: ['INTL_100'],
      createdById: ann.id,
      activationTiming: 'LATER',
    });
    const events = await db.prisma.serviceEvent.findMany({ where: { serviceId: first.service.id }, orderBy: { createdAt: 'asc' } });
    expect(events.map((event) => event.kind)).toEqual(expect.arrayContaining(['service_created', 'number_reserved', 'activation_deferred']));
    expect(await db.prisma.auditEvent.count({ where: { action: 'service.created', subjectId: first.service.id } })).toBe(1);
  });

  it('two saves with the same key at the same moment create one service', async () => {
    const draft = await mobileDraft();
    const idempotencyKey = nextKey();
    const results = await Promise.all([1, 2, 3].map(() => saveService(db.prisma, ann, draft, idempotencyKey)));
    const ids = new Set(results.map((result) => (result.ok ? result.service.id : 'failed')));
    expect([...ids]).toHaveLength(1);
    expect(ids.has('failed')).toBe(false);
    expect(await db.prisma.service.count({ where: { idempotencyKey } })).toBe(1);
  });

  it('starts at once when asked: the email is queued and the service waits for the SIM card number', async () => {
    const result = await saveService(db.prisma, ann, await mobileDraft({ activationTiming: 'NOW' }), nextKey());
    expect(result).toMatchObject({ ok: true, started: { started: true, emailQueued: true }, service: { status: 'WAITING_FOR_SIM' } });
  });

  it('ports a number: the request is recorded, not submitted, while the service waits', async () => {
    const line = donorExamples.personPrepaid;
    const porting = { number: line.e164, donorOperator: line.operatorCode, holderKind: line.holderKind, holderName: line.holderName, lineType: line.lineType, currentSimNumber: line.simNumber! };
    const later = await saveService(db.prisma, ann, await mobileDraft({ numberOption: 'PORT', reservedNumberId: undefined, porting }), nextKey());
    if (!later.ok) throw new Error(JSON.stringify(later.problem));
    const requests = await db.prisma.portingRequest.findMany({ where: { serviceId: later.service.id } });
    expect(requests).toEqual([expect.objectContaining({ e164: line.e164, state: 'REQUESTED', attempt: 1 })]);
    // The reservation made for the draft is given back: this service ports its own number.
    expect(later.service.mobileNumberId).toBeNull();
  });

  it('commits the service and its porting request together: when the request cannot be written, nothing is', async () => {
    const line = donorExamples.personSubscription;
    const porting = { number: line.e164, donorOperator: line.operatorCode, holderKind: line.holderKind, holderName: line.holderName, lineType: line.lineType, customerNumber: line.customerNumber! };
    const draft = await mobileDraft({ numberOption: 'PORT', reservedNumberId: undefined, porting });
    const idempotencyKey = nextKey();
    // The database itself refuses the porting request's row, as a failure between the two writes would.
    await db.sql.exec(`
      CREATE FUNCTION refuse_porting_request() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$;
      CREATE TRIGGER refuse_porting_request BEFORE INSERT ON "PortingRequest" FOR EACH ROW EXECUTE FUNCTION refuse_porting_request();`);
    try {
      await expect(saveService(db.prisma, ann, draft, idempotencyKey)).rejects.toThrow(/refused by test/);
    } finally {
      await db.sql.exec('DROP TRIGGER refuse_porting_request ON "PortingRequest"; DROP FUNCTION refuse_porting_request();');
    }
    expect(await db.prisma.service.count({ where: { idempotencyKey } })).toBe(0);

    const saved = await saveService(db.prisma, ann, draft, idempotencyKey);
    if (!saved.ok) throw new Error(JSON.stringify(saved.problem));
    expect(await db.prisma.portingRequest.count({ where: { serviceId: saved.service.id } })).toBe(1);
  });

  it('refuses porting details the pre-check refuses, with the warnings, and creates nothing', async () => {
    const before = await db.prisma.service.count();
    const porting = { number: '0470 12', donorOperator: 'PROXIMUS', holderKind: 'COMPANY' as const, holderName: 'Acme', lineType: 'SUBSCRIPTION' as const };
    const result = await saveService(db.prisma, ann, await mobileDraft({ numberOption: 'PORT', porting }), nextKey());
    expect(result).toMatchObject({ ok: false, problem: { step: 'porting', portingWarnings: expect.arrayContaining([expect.objectContaining({ code: 'number-invalid' })]) } });
    expect(await db.prisma.service.count()).toBe(before);
  });

  it('assigns an unused SIM card of the organisation, and refuses another organisation\'s card as not in stock', async () => {
    const mine = await saveService(db.prisma, ann, await mobileDraft({ simOption: 'ADMIN_ENTERS', iccid: demoStockIccids[30], activationMethod: 'AUTOMATIC' }), nextKey());
    if (!mine.ok) throw new Error(JSON.stringify(mine.problem));
    expect(await db.prisma.simCard.findUniqueOrThrow({ where: { iccid: demoStockIccids[30] } })).toMatchObject({ state: 'ASSIGNED' });

    const taken = await saveService(db.prisma, ann, await mobileDraft({ simOption: 'ADMIN_ENTERS', iccid: demoStockIccids[30] }), nextKey());
    expect(taken).toMatchObject({ ok: false, problem: { step: 'sim', message: 'addService.error.iccid.assigned' } });
    const foreign = await saveService(db.prisma, ann, await mobileDraft({ simOption: 'ADMIN_ENTERS', iccid: otherStockIccids[5] }), nextKey());
    expect(foreign).toMatchObject({ ok: false, problem: { step: 'sim', message: 'addService.error.iccid.notInStock' } });
    expect(await db.prisma.simCard.findUniqueOrThrow({ where: { iccid: otherStockIccids[5] } })).toMatchObject({ state: 'IN_STOCK' });
  });

  it('automatic activation needs the SIM card number', async () => {
    const result = await saveService(db.prisma, ann, await mobileDraft({ activationMethod: 'AUTOMATIC' }), nextKey());
    expect(result).toMatchObject({ ok: false, problem: { step: 'activation', message: 'addService.error.automaticNeedsSim' } });
  });

  it('a reservation lost meanwhile rolls everything back and sends the administrator to step 5', async () => {
    const draft = await mobileDraft();
    await db.prisma.phoneNumber.update({ where: { id: draft.reservedNumberId! }, data: { state: 'FREE', organisationId: null } });
    const before = await db.prisma.service.count();
    const result = await saveService(db.prisma, ann, draft, nextKey());
    expect(result).toMatchObject({ ok: false, problem: { step: 'number', message: 'addService.error.numberLost' } });
    expect(await db.prisma.service.count()).toBe(before);
  });

  it('a UC user gets a free fixed number and neither mobile number nor SIM card', async () => {
    const [free] = await listFreeFixedNumbers(db.prisma, ann, ann.organisationId);
    const result = await saveService(
      db.prisma,
      ann,
      { userId: await personId(demo.luc.email), productTypeCode: 'DSTNY_SMARTMOBILE', serviceTypeCode: 'SM_UC_USER', bundleCode: 'SM_UC', optionCodes: [], fixedOption: 'FREE', fixedNumberId: free!.id, activationMethod: 'AUTOMATIC', activationTiming: 'LATER' },
      nextKey(),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problem));
    expect(result.service).toMatchObject({ fixedNumberId: free!.id, mobileNumberId: null, simCardId: null, numberOption: null });
    expect(await db.prisma.phoneNumber.findUniqueOrThrow({ where: { id: free!.id } })).toMatchObject({ state: 'RESERVED', organisationId: ann.organisationId });
  });

  it('a fixed number in use is planned at save and stays with its user until the new service activates', async () => {
    const [inUse] = await listFixedNumbersInUse(db.prisma, ann, ann.organisationId);
    const draft = await mobileDraft({ productTypeCode: 'DSTNY_SMARTMOBILE', serviceTypeCode: 'SM_CONVERGED', bundleCode: 'SM_CONV_10', optionCodes: [], fixedOption: 'IN_USE', fixedNumberId: inUse!.id });
    const unconfirmed = await saveService(db.prisma, ann, draft, nextKey());
    expect(unconfirmed).toMatchObject({ ok: false, problem: { step: 'fixedNumber', message: 'addService.error.confirmTakeOver' } });

    const result = await saveService(db.prisma, ann, { ...draft, takeOverConfirmed: true }, nextKey());
    if (!result.ok) throw new Error(JSON.stringify(result.problem));
    expect(result.service).toMatchObject({ fixedNumberId: null, plannedFixedNumberId: inUse!.id });
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: inUse!.serviceId } })).toMatchObject({ fixedNumberId: inUse!.id, status: 'ACTIVE' });
    expect(await db.prisma.notification.findFirst({ where: { kind: 'fixedNumber.taken', recipientId: inUse!.user.id } })).toBeNull();
    const summary = await serviceSummary(db.prisma, ann, result.service.id);
    expect(summary.fixedNumber).toBe(inUse!.e164);
    // Claimed once: it is no longer offered to another new service.
    expect((await listFixedNumbersInUse(db.prisma, ann, ann.organisationId)).map((number) => number.id)).not.toContain(inUse!.id);
  });

  it('refuses a non-administrator and another organisation\'s person, number or product, auditing each; nothing is created', async () => {
    const before = await db.prisma.service.count();
    const audits = await db.prisma.auditEvent.count({ where: { action: 'addService.denied' } });
    const draft = await mobileDraft();
    await expect(saveService(db.prisma, jan, draft, nextKey())).rejects.toThrow(AccessDenied);
    await expect(saveService(db.prisma, ann, { ...draft, userId: await personId(other.oscar.email) }, nextKey())).rejects.toThrow(AccessDenied);
    await expect(saveService(db.prisma, ann, { ...draft, productTypeCode: 'DSTNY_FMC', serviceTypeCode: 'FMC_CONVERGED', bundleCode: 'FMC_10' }, nextKey())).rejects.toThrow(AccessDenied);
    const tom = await db.prisma.service.findFirstOrThrow({ where: { idempotencyKey: 'seed:other:tom' } });
    await expect(
      saveService(db.prisma, ann, { ...draft, productTypeCode: 'DSTNY_SMARTMOBILE', serviceTypeCode: 'SM_CONVERGED', bundleCode: 'SM_CONV_10', optionCodes: [], fixedOption: 'IN_USE', fixedNumberId: tom.fixedNumberId!, takeOverConfirmed: true }, nextKey()),
    ).rejects.toThrow(AccessDenied);
    await expect(saveService(db.prisma, ann, { ...draft, numberOption: 'MOVE', moveFromServiceId: tom.id }, nextKey())).rejects.toThrow(AccessDenied);
    // Olga replaying Ann's saved order by its key gets nothing of it.
    const saved = await saveService(db.prisma, ann, draft, 'addService:replayed');
    expect(saved.ok).toBe(true);
    await expect(saveService(db.prisma, olga, draft, 'addService:replayed')).rejects.toThrow(AccessDenied);

    expect(await db.prisma.service.count()).toBe(before + 1);
    expect(await db.prisma.auditEvent.count({ where: { action: 'addService.denied' } })).toBe(audits + 6);
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: tom.id } })).toMatchObject({ fixedNumberId: tom.fixedNumberId });
  });
});
