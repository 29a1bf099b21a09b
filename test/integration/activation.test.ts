import { demo, demoStockIccids, other } from '../../prisma/demoData';
import { LinkPurpose, ServiceStatus, SimState } from '../../prisma/generated/enums';
import { recordActivationResult } from '../../services/lifecycle/activationResult';
import { resendActivationEmail, scheduleStart, startService } from '../../services/lifecycle/activation';
import { submitSimNumber } from '../../services/lifecycle/userActivation';
import type { Database } from '../../services/platform/db/database';
import { ActivationJobs } from '../../services/lifecycle/jobs';
import { AccessDenied, type Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';

let db: Database;
let ann: Actor;
let sam: Actor;
let jan: Actor;
let marie: Actor;
let olga: Actor;
const now = new Date('2026-03-06T17:00:00Z');

async function person(email: string): Promise<Actor> {
  return db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });
}

async function serviceOf(who: Actor) {
  return db.prisma.service.findFirstOrThrow({ where: { userId: who.id }, orderBy: { createdAt: 'desc' } });
}

/** A fresh service of `who`, waiting for activation, as the add-service flow leaves it with "start later". */
async function waitingService(who: Actor, data: { activationMethod?: 'EMAIL' | 'AUTOMATIC'; simCardId?: string } = {}) {
  return db.prisma.service.create({
    data: {
      organisationId: who.organisationId, userId: who.id, createdById: ann.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE',
      status: ServiceStatus.WAITING_FOR_ACTIVATION, activationMethod: data.activationMethod ?? 'EMAIL', activationTiming: 'LATER',
      simCardId: data.simCardId,
    },
  });
}

const eventKinds = async (serviceId: string) =>
  (await db.prisma.serviceEvent.findMany({ where: { serviceId }, orderBy: { createdAt: 'asc' } })).map((e) => e.kind);

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ann = await person(demo.ann.email);
  sam = await person(demo.sam.email);
  jan = await person(demo.jan.email);
  marie = await person(demo.marie.email);
  olga = await person(other.olga.email);
});

afterAll(async () => {
  await db?.close();
});

describe('startService', () => {
  it('emails Marie a link when Ann starts her waiting service, once however often it is started', async () => {
    const service = await serviceOf(marie);
    const first = await startService(db.prisma, ann, service.id, { now });
    expect(first).toEqual({ started: true, status: ServiceStatus.WAITING_FOR_SIM, emailQueued: true, portingQueued: false });
    const again = await startService(db.prisma, ann, service.id, { now });
    expect(again).toEqual({ started: false, reason: 'already-started', status: ServiceStatus.WAITING_FOR_SIM });

    const links = await db.prisma.accessLink.findMany({ where: { serviceId: service.id, purpose: LinkPurpose.ACTIVATION } });
    expect(links).toHaveLength(1);
    expect(links[0]!.expiresAt.getTime() - now.getTime()).toBe(14 * 24 * 60 * 60 * 1000);
    const jobs = await db.prisma.job.findMany({ where: { kind: ActivationJobs.sendEmail } });
    expect(jobs.map((job) => job.payload)).toEqual([{ serviceId: service.id, linkId: links[0]!.id }]);
    expect(await eventKinds(service.id)).toContain('service_started');
  });

  it('starts automatic activation when the administrator already gave the SIM card', async () => {
    const sim = await db.prisma.simCard.findUniqueOrThrow({ where: { iccid: demoStockIccids[40]! } });
    await db.prisma.simCard.update({ where: { id: sim.id }, data: { state: SimState.ASSIGNED } });
    const service = await waitingService(jan, { activationMethod: 'AUTOMATIC', simCardId: sim.id });
    const result = await startService(db.prisma, ann, service.id, { now });
    expect(result).toMatchObject({ started: true, status: ServiceStatus.ACTIVATING, emailQueued: false });
    expect(await eventKinds(service.id)).toEqual(['service_started']);
    const notified = await db.prisma.notification.findMany({ where: { serviceId: service.id } });
    expect(notified.map((n) => [n.kind, n.recipientId]).sort()).toEqual(
      [['activation.started', ann.id], ['activation.started', jan.id]].sort(),
    );
    expect(await db.prisma.job.count({ where: { kind: ActivationJobs.provision, payload: { equals: { serviceId: service.id } } } })).toBe(1);
  });

  it('refuses users, support and other organisations, and records each attempt', async () => {
    const service = await waitingService(jan);
    for (const who of [jan, sam, olga]) {
      await expect(startService(db.prisma, who, service.id, { now })).rejects.toBeInstanceOf(AccessDenied);
    }
    await expect(startService(db.prisma, ann, 'not-a-uuid', { now })).rejects.toBeInstanceOf(AccessDenied);
    const audits = await db.prisma.auditEvent.findMany({ where: { action: 'service.start.denied' } });
    expect(audits.map((a) => a.actorId).sort()).toEqual([jan.id, sam.id, olga.id, ann.id].sort());
    expect((await db.prisma.service.findUniqueOrThrow({ where: { id: service.id } })).status).toBe(ServiceStatus.WAITING_FOR_ACTIVATION);
  });
});

describe('the SIM card number and the lifecycle', () => {
  it('takes the user\'s own number as their go: waiting for SIM → activating → active', async () => {
    const service = await waitingService(jan);
    await startService(db.prisma, ann, service.id, { now });
    const iccid = demoStockIccids[41]!;
    const typed = iccid.replace(/(\d{4})/g, '$1 ');
    const submitted = await submitSimNumber(db.prisma, jan, service.id, typed, { now });
    expect(submitted).toEqual({ ok: true, status: ServiceStatus.ACTIVATING, iccid, alreadyDone: false, portingPending: false });
    expect(await submitSimNumber(db.prisma, jan, service.id, iccid, { now })).toMatchObject({ ok: true, alreadyDone: true });
    expect(await db.prisma.job.count({ where: { kind: ActivationJobs.provision, payload: { equals: { serviceId: service.id } } } })).toBe(1);

    expect(await recordActivationResult(db.prisma, service.id, { outcome: 'ACTIVE' }, { now })).toEqual({ applied: true, status: ServiceStatus.ACTIVE });
    expect(await recordActivationResult(db.prisma, service.id, { outcome: 'ACTIVE' }, { now })).toMatchObject({ applied: false, reason: 'already' });

    expect(await eventKinds(service.id)).toEqual(['service_started', 'sim_submitted', 'activated']);
    expect((await db.prisma.simCard.findUniqueOrThrow({ where: { iccid } })).state).toBe(SimState.ACTIVE);
    const kinds = (await db.prisma.notification.findMany({ where: { serviceId: service.id, recipientId: jan.id } })).map((n) => n.kind);
    expect(kinds.sort()).toEqual(['activation.completed', 'activation.started']);
  });

  it('records a failure with its reason for both people', async () => {
    const sim = await db.prisma.simCard.findUniqueOrThrow({ where: { iccid: demoStockIccids[42]! } });
    const service = await waitingService(jan, { activationMethod: 'AUTOMATIC', simCardId: sim.id });
    await startService(db.prisma, ann, service.id, { now });
    expect(await recordActivationResult(db.prisma, service.id, { outcome: 'FAILED', reason: 'SIM card blocked' }, { now }))
      .toEqual({ applied: true, status: ServiceStatus.FAILED });
    const failed = await db.prisma.notification.findMany({ where: { serviceId: service.id, kind: 'activation.failed' } });
    expect(failed.map((n) => n.payload)).toEqual(expect.arrayContaining([
      { serviceId: service.id, reason: 'SIM card blocked', audience: 'user' },
      { serviceId: service.id, reason: 'SIM card blocked', audience: 'administrator' },
    ]));
    expect(failed).toHaveLength(2);
  });

  it('refuses numbers that are malformed, not in stock or taken, suggesting the card one typo away', async () => {
    const service = await waitingService(jan);
    await startService(db.prisma, ann, service.id, { now });
    const right = demoStockIccids[43]!;
    const wrongDigit = right.slice(0, 10) + String((Number(right[10]) + 1) % 10) + right.slice(11);
    const swapped = right.slice(0, 12) + right[13] + right[12] + right.slice(14);
    expect(await submitSimNumber(db.prisma, jan, service.id, '', { now })).toEqual({ ok: false, problem: 'empty' });
    expect(await submitSimNumber(db.prisma, jan, service.id, '89321O', { now })).toEqual({ ok: false, problem: 'not-digits' });
    expect(await submitSimNumber(db.prisma, jan, service.id, '8932', { now })).toEqual({ ok: false, problem: 'length' });
    expect(await submitSimNumber(db.prisma, jan, service.id, '1'.repeat(19), { now })).toEqual({ ok: false, problem: 'prefix' });
    expect(await submitSimNumber(db.prisma, jan, service.id, wrongDigit, { now })).toMatchObject({
      ok: false, suggestion: { iccid: right, kind: 'digit' },
    });
    if (right[12] !== right[13]) {
      expect(await submitSimNumber(db.prisma, jan, service.id, swapped, { now })).toMatchObject({
        ok: false, suggestion: { iccid: right, kind: 'swap' },
      });
    }
    // Pieter's card belongs to his service; Other Org's stock is not Demo's.
    const pieterSim = await db.prisma.simCard.findFirstOrThrow({ where: { service: { user: { email: demo.pieter.email } } } });
    expect(await submitSimNumber(db.prisma, jan, service.id, pieterSim.iccid, { now })).toEqual({ ok: false, problem: 'assigned-elsewhere' });
    const otherStock = await db.prisma.simCard.findFirstOrThrow({ where: { organisation: { tenantId: olga.organisation.tenantId }, state: SimState.IN_STOCK } });
    expect(await submitSimNumber(db.prisma, jan, service.id, otherStock.iccid, { now })).toMatchObject({ ok: false, problem: 'not-in-stock' });
    // Somebody else's service is refused outright.
    await expect(submitSimNumber(db.prisma, marie, service.id, right, { now })).rejects.toBeInstanceOf(AccessDenied);
    await expect(submitSimNumber(db.prisma, olga, service.id, right, { now })).rejects.toBeInstanceOf(AccessDenied);
  });
});

describe('scheduling and resending', () => {
  it('schedules one start for the chosen moment, however often it is asked', async () => {
    const a = await waitingService(jan);
    const b = await waitingService(marie);
    const monday = new Date('2026-03-09T07:00:00Z');
    expect(await scheduleStart(db.prisma, ann, [a.id, b.id], monday, { now })).toEqual({ scheduled: 2, created: true });
    expect(await scheduleStart(db.prisma, ann, [b.id, a.id], monday, { now })).toEqual({ scheduled: 2, created: false });
    const jobs = await db.prisma.job.findMany({ where: { kind: ActivationJobs.scheduledStart } });
    expect(jobs.map((job) => job.runAt)).toEqual([monday]);
    expect((await db.prisma.service.findUniqueOrThrow({ where: { id: a.id } })).scheduledStartAt).toEqual(monday);
  });

  it('revokes the old link when support resends the email', async () => {
    const service = await waitingService(jan);
    await startService(db.prisma, ann, service.id, { now });
    expect(await resendActivationEmail(db.prisma, sam, service.id, { now })).toEqual({ sent: true, revoked: 1, repeated: false });
    const links = await db.prisma.accessLink.findMany({ where: { serviceId: service.id }, orderBy: { createdAt: 'asc' } });
    expect(links.map((link) => link.revokedAt !== null)).toEqual([true, false]);
    await expect(resendActivationEmail(db.prisma, jan, service.id, { now })).rejects.toBeInstanceOf(AccessDenied);
  });
});
