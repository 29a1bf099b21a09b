import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, demoEsimProfiles, demoIccid, demoStockIccids, other, otherEsimProfiles } from '../../prisma/demoData';
import { LinkPurpose, Role, ServiceStatus, SimForm, SimState } from '../../prisma/generated/enums';
import { saveService } from '../../services/addService/orderSaving';
import { startService } from '../../services/lifecycle/activation';
import { recordActivationResult } from '../../services/lifecycle/activationResult';
import { ActivationJobs } from '../../services/lifecycle/jobs';
import { reserveNumber } from '../../services/numbers/numberPool';
import { overviewOf } from '../../services/fleet/overview';
import { OrganisationProblem } from '../../services/organisations/input';
import { ALREADY_IN_STOCK, LISTED_TWICE, OTHER_ORGANISATION, addEsimProfiles } from '../../services/organisations/stock';
import { AccessDenied, type Actor } from '../../services/people/people';
import type { Database } from '../../services/platform/db/database';
import { EsimJobs } from '../../services/simCards/esimJobs';
import { esimToInstall, esimsInStock, recordEsimInstalled, replaceEsim } from '../../services/simCards/esimProfiles';
import { demoActor } from '../support/addServiceDriver';
import { openTestDatabase } from '../support/database';
import { matchingIdOf } from '../support/esimService';
import { rowCounts } from '../support/rowCounts';

let db: Database;
let ann: Actor;
let sam: Actor;
let jan: Actor;
let marie: Actor;
let olga: Actor;
const api = { via: 'api' } as const;
let key = 0;

// A series of the operator's issuer that the demo data does not use.
const freshIccid = (n: number) => demoIccid(10, 9, n);

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  const demoPerson = (person: { aadObjectId: string }) => demoActor(db, DEMO_TENANT_ID, person.aadObjectId);
  [ann, sam, jan, marie] = [await demoPerson(demo.ann), await demoPerson(demo.sam), await demoPerson(demo.jan), await demoPerson(demo.marie)];
  olga = await demoActor(db, OTHER_TENANT_ID, other.olga.aadObjectId);
}, 60_000);
afterAll(async () => db?.close());

/** A Dstny Mobile service for `user` with a new number and an eSIM, saved by Ann as the add-service flow saves it. */
async function savedEsimService(user: Actor, simOption: 'ESIM' | 'USER_ENTERS' = 'ESIM') {
  const number = await reserveNumber(db.prisma, ann, { kind: 'MOBILE' });
  if (!number.ok) throw new Error('no free number');
  const saved = await saveService(db.prisma, ann, {
    userId: user.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE', bundleCode: 'MOB_M', optionCodes: [],
    numberOption: 'NEW', reservedNumberId: number.number.id, simOption, activationMethod: 'EMAIL', activationTiming: 'LATER',
  }, `esim-test:${++key}`);
  if (!saved.ok) throw new Error(`not saved: ${saved.problem.message}`);
  return saved.service;
}

async function startedEsimService(user: Actor) {
  const service = await savedEsimService(user);
  await startService(db.prisma, ann, service.id);
  return db.prisma.service.findUniqueOrThrow({ where: { id: service.id }, include: { simCard: true } });
}

const serviceNow = (id: string) => db.prisma.service.findUniqueOrThrow({ where: { id }, include: { simCard: true } });
const profile = (id: string) => db.prisma.simCard.findUniqueOrThrow({ where: { id } });
const jobsOf = (kind: string, payload: Record<string, string>) => db.prisma.job.findMany({ where: { kind, payload: { equals: payload } } });

/** Everything the service left for others to read: notifications, jobs, timeline and audit trail. */
async function tracesOf(serviceId: string): Promise<string> {
  const service = await db.prisma.service.findUniqueOrThrow({ where: { id: serviceId } });
  const [notifications, events, audits, jobs] = await Promise.all([
    db.prisma.notification.findMany({ where: { serviceId } }),
    db.prisma.serviceEvent.findMany({ where: { serviceId } }),
    db.prisma.auditEvent.findMany({ where: { subjectId: serviceId } }),
    db.prisma.job.findMany({ where: { createdAt: { gte: service.createdAt } } }),
  ]);
  return JSON.stringify({ notifications, events, audits, jobs });
}

describe('importing eSIM profiles', () => {
  it('adds the valid profiles and refuses each other with its reason', async () => {
    const before = await esimsInStock(db.prisma, ann.organisationId);
    const valid = { iccid: freshIccid(1), activationCode: ' LPA:1$smdp.operator.example$AB-1234-CDEF ' };
    const withConfirmation = { iccid: freshIccid(2), activationCode: 'LPA:1$smdp.operator.example$AB-1234-CDEG$1.3.6.1.4.1.31746$1', confirmationCode: '4821' };
    const refusedProfiles = [
      { iccid: '8932', activationCode: 'LPA:1$smdp.operator.example$AB-1' },
      { iccid: freshIccid(3), activationCode: 'smdp.operator.example$AB-1234' },
      { iccid: freshIccid(4), activationCode: 'LPA:1$not a host$AB-1234' },
      { iccid: freshIccid(5), activationCode: 'LPA:1$smdp.operator.example$AB 1234' },
      { iccid: freshIccid(6), activationCode: `LPA:1$smdp.operator.example$${'X'.repeat(360)}` },
      { iccid: freshIccid(7), activationCode: 'LPA:1$smdp.operator.example$AB$1.2$1$junk$$$' },
      { iccid: freshIccid(8), activationCode: 'LPA:1$smdp.operator.example$AB-1234-CDEH$$1' },
      { iccid: freshIccid(9), activationCode: 'LPA:1$smdp.operator.example$AB-1234-CDEI', confirmationCode: '12a4' },
      { iccid: freshIccid(1), activationCode: 'LPA:1$smdp.operator.example$AB-1234-CDEJ' },
      { iccid: freshIccid(10), activationCode: valid.activationCode.trim() },
      { iccid: otherEsimProfiles[0]!.iccid, activationCode: 'LPA:1$smdp.operator.example$AB-1234-CDEK' },
      { iccid: demoEsimProfiles[0]!.iccid, activationCode: 'LPA:1$smdp.operator.example$AB-1234-CDEL' },
    ];
    const report = await addEsimProfiles(db.prisma, api, DEMO_TENANT_ID, { profiles: [valid, withConfirmation, ...refusedProfiles] });

    expect(report.added).toBe(2);
    expect(report.refused).toEqual(expect.arrayContaining([
      { iccid: '8932', reason: 'A SIM card number has 19 or 20 digits; this one has 4.' },
      { iccid: freshIccid(3), reason: 'the activation code must read LPA:1$<SM-DP+ address>$<matching id>' },
      { iccid: freshIccid(4), reason: "the activation code's SM-DP+ address is not a host name" },
      { iccid: freshIccid(5), reason: "the activation code's matching id must be 1 to 64 letters, digits or dashes" },
      { iccid: freshIccid(6), reason: "the activation code's matching id must be 1 to 64 letters, digits or dashes" },
      { iccid: freshIccid(7), reason: 'the activation code must read LPA:1$<SM-DP+ address>$<matching id>' },
      { iccid: freshIccid(8), reason: 'its activation code asks for a confirmation code, and none is given' },
      { iccid: freshIccid(9), reason: 'a confirmation code is 4 to 8 digits' },
      { iccid: freshIccid(1), reason: LISTED_TWICE },
      { iccid: freshIccid(10), reason: LISTED_TWICE },
      { iccid: otherEsimProfiles[0]!.iccid, reason: OTHER_ORGANISATION },
      { iccid: demoEsimProfiles[0]!.iccid, reason: ALREADY_IN_STOCK },
    ]));
    expect(report.refused).toHaveLength(refusedProfiles.length);
    // The report names profiles by ICCID only: no activation code is echoed back.
    expect(JSON.stringify(report)).not.toContain('AB-1234-CDE');

    const stored = await db.prisma.simCard.findMany({ where: { iccid: { in: [valid.iccid, withConfirmation.iccid] } }, orderBy: { iccid: 'asc' } });
    expect(stored.map(({ form, state, activationCode, confirmationCode }) => ({ form, state, activationCode, confirmationCode }))).toEqual([
      { form: SimForm.ESIM, state: SimState.IN_STOCK, activationCode: valid.activationCode.trim(), confirmationCode: null },
      { form: SimForm.ESIM, state: SimState.IN_STOCK, activationCode: withConfirmation.activationCode, confirmationCode: '4821' },
    ]);
    expect(await db.prisma.simCard.count({ where: { iccid: { in: refusedProfiles.slice(1, 8).map((p) => p.iccid) } } })).toBe(0);
    expect(await esimsInStock(db.prisma, ann.organisationId)).toBe(before + 2);
    const audit = await db.prisma.auditEvent.findMany({ where: { action: 'operator.esimProfiles.added' } });
    expect(audit.map((event) => event.after)).toEqual([expect.objectContaining({ added: 2, refused: refusedProfiles.length })]);
    const otherProfile = await db.prisma.simCard.findUniqueOrThrow({ where: { iccid: otherEsimProfiles[0]!.iccid }, include: { organisation: true } });
    expect(otherProfile.organisation.tenantId).not.toBe(DEMO_TENANT_ID);
  });

  it('refuses a call whose code is longer than any activation code, adding nothing', async () => {
    const counts = await rowCounts(db);
    const call = addEsimProfiles(db.prisma, api, DEMO_TENANT_ID, {
      profiles: [{ iccid: freshIccid(20), activationCode: 'LPA:1$smdp.operator.example$AB-1' }, { iccid: freshIccid(21), activationCode: `LPA:1$${'\u0000'.repeat(5000)}` }],
    });
    await expect(call).rejects.toBeInstanceOf(OrganisationProblem);
    await expect(call).rejects.toMatchObject({ issues: [{ path: 'profiles.1.activationCode', message: 'expected at most 400 characters' }] });
    expect(await rowCounts(db)).toEqual(counts);
  });
});

describe('an eSIM service', () => {
  it('reserves a profile at save and sends it at the start: the code goes to its user only', async () => {
    const saved = await savedEsimService(jan);
    const reserved = await profile(saved.simCardId!);
    expect(reserved).toMatchObject({ form: SimForm.ESIM, state: SimState.ASSIGNED, installedAt: null });
    expect(await esimToInstall(db.prisma, jan.id, saved.id)).toBeNull();

    expect(await startService(db.prisma, ann, saved.id)).toEqual({ started: true, status: ServiceStatus.WAITING_FOR_ESIM_INSTALL, emailQueued: true, portingQueued: false });
    const links = await db.prisma.accessLink.findMany({ where: { serviceId: saved.id, purpose: LinkPurpose.ACTIVATION } });
    expect(links).toHaveLength(1);
    expect((await jobsOf(ActivationJobs.sendEmail, { serviceId: saved.id, linkId: links[0]!.id }))).toHaveLength(1);
    expect(await jobsOf(EsimJobs.release, { simCardId: reserved.id })).toHaveLength(1);

    const sent = await db.prisma.notification.findMany({ where: { serviceId: saved.id, kind: 'esim.sent' } });
    expect(sent.map((n) => [n.recipientId, n.payload]).sort()).toEqual([
      [ann.id, { serviceId: saved.id, simCardId: reserved.id, audience: 'administrator' }],
      [jan.id, { serviceId: saved.id, simCardId: reserved.id, audience: 'user' }],
    ].sort());
    const traces = await tracesOf(saved.id);
    expect(traces).not.toContain(reserved.activationCode!);
    expect(traces).not.toContain(matchingIdOf(reserved.activationCode!));

    expect(await esimToInstall(db.prisma, jan.id, saved.id)).toEqual({
      serviceId: saved.id, iccid: reserved.iccid, activationCode: reserved.activationCode, confirmationCode: reserved.confirmationCode,
    });
    for (const who of [ann, sam, marie, olga]) expect(await esimToInstall(db.prisma, who.id, saved.id)).toBeNull();
  });

  it('activates once installed, and the profile is the working line\'s', async () => {
    const service = await startedEsimService(marie);
    const { iccid } = service.simCard!;
    expect(await recordEsimInstalled(db.prisma, iccid)).toEqual({ applied: true, status: ServiceStatus.ACTIVATING });
    expect(await recordEsimInstalled(db.prisma, iccid)).toEqual({ applied: false, reason: 'already' });
    expect(await db.prisma.job.count({ where: { kind: ActivationJobs.provision, payload: { equals: { serviceId: service.id } } } })).toBe(1);
    expect((await profile(service.simCardId!)).installedAt).not.toBeNull();
    // Installed: there is nothing left to show.
    expect(await esimToInstall(db.prisma, marie.id, service.id)).toBeNull();

    expect(await recordActivationResult(db.prisma, service.id, { outcome: 'ACTIVE' })).toEqual({ applied: true, status: ServiceStatus.ACTIVE });
    expect(await profile(service.simCardId!)).toMatchObject({ state: SimState.ACTIVE });
    const timeline = await db.prisma.serviceEvent.findMany({ where: { serviceId: service.id }, orderBy: { createdAt: 'asc' } });
    expect(timeline.map((event) => event.kind)).toEqual(expect.arrayContaining(['esim_reserved', 'service_started', 'esim_installed', 'activated']));
  });
});

describe('replacing an eSIM', () => {
  /** The new profile is attached in the call that revokes the old one, and sent as the first one was. */
  async function expectReplaced(serviceId: string, old: { id: string; activationCode: string | null }, status: ServiceStatus, linksBefore: string[]) {
    const after = await serviceNow(serviceId);
    expect(after.status).toBe(status);
    expect(after.simCardId).not.toBe(old.id);
    expect(after.simCard).toMatchObject({ form: SimForm.ESIM, state: SimState.ASSIGNED, installedAt: null });
    expect(after.simCard!.activationCode).not.toBe(old.activationCode);
    expect(await profile(old.id)).toMatchObject({ state: SimState.DEACTIVATED });
    expect(await jobsOf(EsimJobs.revoke, { simCardId: old.id })).toHaveLength(1);
    expect(await jobsOf(EsimJobs.release, { simCardId: after.simCardId! })).toHaveLength(1);

    const links = await db.prisma.accessLink.findMany({ where: { serviceId, purpose: LinkPurpose.ACTIVATION } });
    expect(links.filter((link) => linksBefore.includes(link.id)).every((link) => link.revokedAt !== null)).toBe(true);
    const fresh = links.filter((link) => !linksBefore.includes(link.id));
    expect(fresh).toEqual([expect.objectContaining({ revokedAt: null })]);
    expect(await jobsOf(ActivationJobs.sendEmail, { serviceId, linkId: fresh[0]!.id })).toHaveLength(1);

    const sent = await db.prisma.notification.findMany({ where: { serviceId, kind: 'esim.sent', payload: { path: ['simCardId'], equals: after.simCardId! } } });
    expect(sent.map((n) => n.recipientId).sort()).toEqual([after.userId, ann.id].sort());
    const traces = await tracesOf(serviceId);
    for (const code of [old.activationCode!, after.simCard!.activationCode!]) {
      expect(traces).not.toContain(code);
      expect(traces).not.toContain(matchingIdOf(code));
    }
    expect(await esimToInstall(db.prisma, after.userId, serviceId)).toMatchObject({ activationCode: after.simCard!.activationCode });
    return after;
  }

  const activationLinkIds = async (serviceId: string) =>
    (await db.prisma.accessLink.findMany({ where: { serviceId, purpose: LinkPurpose.ACTIVATION } })).map((link) => link.id);

  it('by the user on a working line: the old profile stops, a new one is sent, the line stays active', async () => {
    const service = await startedEsimService(jan);
    await recordEsimInstalled(db.prisma, service.simCard!.iccid);
    await recordActivationResult(db.prisma, service.id, { outcome: 'ACTIVE' });
    const links = await activationLinkIds(service.id);

    expect(await replaceEsim(db.prisma, jan, service.id)).toEqual({ ok: true, serviceId: service.id });
    const after = await expectReplaced(service.id, service.simCard!, ServiceStatus.ACTIVE, links);
    expect(await db.prisma.auditEvent.findMany({ where: { action: 'esim.replaced', subjectId: service.id } })).toEqual([
      expect.objectContaining({ actorId: jan.id, after: { by: 'USER' } }),
    ]);

    // The old phone reporting its profile again changes nothing; the new one installed is the line's SIM.
    expect(await recordEsimInstalled(db.prisma, service.simCard!.iccid)).toEqual({ applied: false, reason: 'already' });
    expect(await recordEsimInstalled(db.prisma, after.simCard!.iccid)).toEqual({ applied: true, status: ServiceStatus.ACTIVE });
    expect(await profile(after.simCardId!)).toMatchObject({ state: SimState.ACTIVE, installedAt: expect.any(Date) });
    expect(await profile(service.simCardId!)).toMatchObject({ state: SimState.DEACTIVATED });
  });

  it('by an administrator before it was installed: the old profile\'s install report changes nothing', async () => {
    const service = await startedEsimService(marie);
    const links = await activationLinkIds(service.id);
    expect(await replaceEsim(db.prisma, ann, service.id)).toEqual({ ok: true, serviceId: service.id });
    await expectReplaced(service.id, service.simCard!, ServiceStatus.WAITING_FOR_ESIM_INSTALL, links);
    expect(await db.prisma.auditEvent.count({ where: { action: 'esim.replaced', subjectId: service.id, actorId: ann.id } })).toBe(1);

    const counts = await rowCounts(db);
    expect(await recordEsimInstalled(db.prisma, service.simCard!.iccid)).toEqual({ applied: false, reason: 'revoked' });
    expect(await rowCounts(db)).toEqual(counts);
    expect(await profile(service.simCardId!)).toMatchObject({ state: SimState.DEACTIVATED, installedAt: null });
    expect((await serviceNow(service.id)).status).toBe(ServiceStatus.WAITING_FOR_ESIM_INSTALL);
  });

  it('once for one press, however often it arrives; a new press replaces again', async () => {
    const service = await startedEsimService(jan);
    const press = () => replaceEsim(db.prisma, jan, service.id, { requestKey: 'esim-replace:press-1' });
    const answers = await Promise.all([press(), press()]);
    expect(answers).toEqual(expect.arrayContaining([{ ok: true, serviceId: service.id }, { ok: true, serviceId: service.id, repeated: true }]));
    expect(await press()).toEqual({ ok: true, serviceId: service.id, repeated: true });
    const replaced = await db.prisma.serviceEvent.count({ where: { serviceId: service.id, kind: 'esim_replaced' } });
    expect(replaced).toBe(1);
    const first = await serviceNow(service.id);
    expect(await replaceEsim(db.prisma, jan, service.id, { requestKey: 'esim-replace:press-2' })).toEqual({ ok: true, serviceId: service.id });
    expect((await serviceNow(service.id)).simCardId).not.toBe(first.simCardId);
    expect(await profile(first.simCardId!)).toMatchObject({ state: SimState.DEACTIVATED });
  });

  it('is refused to other organisations, support and other users, and audited', async () => {
    const service = await startedEsimService(jan);
    const counts = await rowCounts(db, ['AuditEvent']);
    for (const who of [olga, sam, marie]) await expect(replaceEsim(db.prisma, who, service.id)).rejects.toBeInstanceOf(AccessDenied);
    const denied = await db.prisma.auditEvent.findMany({ where: { action: 'esim.replace.denied', subjectId: service.id } });
    expect(denied.map((event) => event.actorId).sort()).toEqual([olga.id, sam.id, marie.id].sort());
    expect(await rowCounts(db, ['AuditEvent'])).toEqual(counts);
    expect((await serviceNow(service.id)).simCardId).toBe(service.simCardId);
  });

  it('says why when there is nothing to replace: a physical SIM card, not sent yet', async () => {
    const physical = await savedEsimService(jan, 'USER_ENTERS');
    await startService(db.prisma, ann, physical.id);
    const sim = await db.prisma.simCard.findUniqueOrThrow({ where: { iccid: demoStockIccids[50]! } });
    await db.prisma.$transaction([
      db.prisma.simCard.update({ where: { id: sim.id }, data: { state: SimState.ASSIGNED } }),
      db.prisma.service.update({ where: { id: physical.id }, data: { simCardId: sim.id } }),
    ]);
    expect(await replaceEsim(db.prisma, ann, physical.id)).toEqual({ ok: false, problem: 'not-esim' });
    expect(await replaceEsim(db.prisma, jan, physical.id)).toEqual({ ok: false, problem: 'not-esim' });

    const notStarted = await savedEsimService(marie);
    expect(await replaceEsim(db.prisma, ann, notStarted.id)).toEqual({ ok: false, problem: 'not-sent' });
    expect((await serviceNow(notStarted.id)).simCardId).toBe(notStarted.simCardId);
  });

  it("with no profile left in stock changes nothing but telling the administrators, once a day, that the user's new eSIM waits for them, until it is sent", async () => {
    const service = await startedEsimService(marie);
    const left = await db.prisma.simCard.findMany({ where: { organisationId: ann.organisationId, form: SimForm.ESIM, state: SimState.IN_STOCK }, select: { id: true } });
    await db.prisma.simCard.updateMany({ where: { id: { in: left.map((card) => card.id) } }, data: { state: SimState.DEACTIVATED } });
    const told = () => db.prisma.notification.findMany({ where: { kind: 'esim.outOfStock', serviceId: service.id }, select: { recipientId: true, payload: true } });
    try {
      expect(await esimsInStock(db.prisma, ann.organisationId)).toBe(0);
      // The administrator asking hears it at once: nobody else is told.
      expect(await replaceEsim(db.prisma, ann, service.id)).toEqual({ ok: false, problem: 'no-stock' });
      expect(await told()).toEqual([]);
      const counts = await rowCounts(db);
      const today = new Date('2026-12-06T09:00:00Z');
      expect(await replaceEsim(db.prisma, marie, service.id, { now: today, requestKey: 'esim-replace:first' })).toEqual({ ok: false, problem: 'no-stock' });
      expect(await replaceEsim(db.prisma, marie, service.id, { now: new Date('2026-12-06T17:00:00Z'), requestKey: 'esim-replace:again' })).toEqual({ ok: false, problem: 'no-stock' });
      const administrators = await db.prisma.person.findMany({ where: { organisationId: ann.organisationId, role: Role.ADMINISTRATOR }, select: { id: true } });
      expect(administrators.length).toBeGreaterThan(0);
      expect((await told()).map((notice) => [notice.recipientId, (notice.payload as { audience: string }).audience]).sort())
        .toEqual(administrators.map(({ id }) => [id, 'administrator']).sort());
      // One timeline entry for the open ask, and the service in the administrators' "Needs you now".
      expect(await rowCounts(db)).toEqual({ ...counts, Notification: counts.Notification! + administrators.length, ServiceEvent: counts.ServiceEvent! + 1 });
      const awaiting = async () => (await overviewOf(db.prisma, ann, ann.organisationId, { clockSpeed: 1 })).attention.find((entry) => entry.kind === 'esimAwaitsStock')?.items.map((item) => item.serviceId);
      expect(await awaiting()).toEqual([service.id]);
      // Asked again the next day, they are reminded; the entry stays one.
      await replaceEsim(db.prisma, marie, service.id, { now: new Date('2026-12-07T09:00:00Z') });
      expect(await told()).toHaveLength(2 * administrators.length);
      expect(await db.prisma.serviceEvent.count({ where: { serviceId: service.id, kind: 'esim_awaits_stock' } })).toBe(1);
      const after = await serviceNow(service.id);
      expect(after).toMatchObject({ status: ServiceStatus.WAITING_FOR_ESIM_INSTALL, simCardId: service.simCardId, simCard: { state: SimState.ASSIGNED } });
      expect(await esimToInstall(db.prisma, marie.id, service.id)).toMatchObject({ activationCode: service.simCard!.activationCode });

      // More stock, and the administrator sends it: nothing waits any more.
      await db.prisma.simCard.updateMany({ where: { id: { in: left.map((card) => card.id) } }, data: { state: SimState.IN_STOCK } });
      expect(await replaceEsim(db.prisma, ann, service.id, { now: new Date('2026-12-08T09:00:00Z') })).toMatchObject({ ok: true });
      expect(await awaiting()).toBeUndefined();
    } finally {
      await db.prisma.simCard.updateMany({ where: { id: { in: left.map((card) => card.id) }, state: SimState.DEACTIVATED }, data: { state: SimState.IN_STOCK } });
    }
  });
});
