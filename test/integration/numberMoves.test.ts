import { ActivationMethod, ActivationTiming, NumberOption, ServiceStatus, SimState } from '../../prisma/generated/enums';
import { convergedServices, demo, demoScenario, demoStockIccids } from '../../prisma/demoData';
import { recordActivationResult } from '../../services/lifecycle/activationResult';
import { startService } from '../../services/lifecycle/activation';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';

/**
 * Numbers taken from colleagues ("port an existing Dstny service", an active fixed number): nothing changes for the
 * colleague when the new service is saved; they are told when its activation starts, and the number moves when it
 * activates, through the lifecycle's own events.
 */

let db: Database;
let ann: Actor;
let marie: Actor;

const actor = (email: string) => db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  [ann, marie] = await Promise.all([actor(demo.ann.email), actor(demo.marie.email)]);
});

afterAll(async () => {
  await db.close();
});

/** A service saved with "start later" and automatic activation, with a SIM card from stock when its type has one. */
async function newService(data: { productTypeCode: string; serviceTypeCode: string; numberOption: NumberOption; movedFromServiceId?: string; plannedFixedNumberId?: string }) {
  const { hasSim } = await db.prisma.serviceType.findUniqueOrThrow({ where: { code: data.serviceTypeCode } });
  const sim = hasSim
    ? await db.prisma.simCard.update({ where: { iccid: demoStockIccids[30]! }, data: { state: SimState.ASSIGNED } })
    : null;
  return db.prisma.service.create({
    data: {
      ...data, organisationId: ann.organisationId, userId: marie.id, createdById: ann.id, status: ServiceStatus.WAITING_FOR_ACTIVATION,
      activationMethod: ActivationMethod.AUTOMATIC, activationTiming: ActivationTiming.LATER, simCardId: sim?.id,
    },
  });
}

const notices = (kind: string) => db.prisma.notification.findMany({ where: { kind }, orderBy: { createdAt: 'asc' } });

describe('moving a number within the organisation', () => {
  test('the colleague keeps the number until the new service works, is told before and when it moves, and their service ends', async () => {
    const luc = await db.prisma.service.findFirstOrThrow({ where: { user: { email: demo.luc.email }, status: ServiceStatus.ACTIVE }, include: { mobileNumber: true } });
    expect(luc.mobileNumber?.e164).toBe(demoScenario.luc.mobileNumber);
    const moving = await newService({ productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE', numberOption: NumberOption.MOVE, movedFromServiceId: luc.id });

    // Started and activating: Luc still calls on his number, and knows what will happen.
    const startedAt = new Date('2026-03-02T08:00:00Z');
    expect(await startService(db.prisma, ann, moving.id, { now: startedAt })).toMatchObject({ started: true, status: ServiceStatus.ACTIVATING });
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: luc.id } })).toMatchObject({ status: ServiceStatus.ACTIVE, mobileNumberId: luc.mobileNumberId, endedAt: null });
    expect(await notices('number.movePlanned')).toMatchObject([{
      recipientId: luc.userId, serviceId: luc.id, payload: { audience: 'previousUser', number: demoScenario.luc.mobileNumber, newUser: 'Marie Dubois' },
    }]);

    const activatedAt = new Date('2026-03-02T09:00:00Z');
    expect(await recordActivationResult(db.prisma, moving.id, { outcome: 'ACTIVE' }, { now: activatedAt })).toEqual({ applied: true, status: ServiceStatus.ACTIVE });

    const ended = await db.prisma.service.findUniqueOrThrow({ where: { id: luc.id }, include: { simCard: true } });
    expect(ended).toMatchObject({ status: ServiceStatus.ENDED, endedAt: activatedAt, mobileNumberId: null, simCard: { state: SimState.DEACTIVATED } });
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: moving.id } })).toMatchObject({ mobileNumberId: luc.mobileNumberId });
    const timeline = await db.prisma.serviceEvent.findMany({ where: { serviceId: { in: [luc.id, moving.id] }, createdAt: activatedAt } });
    expect(timeline.map((e) => [e.serviceId === luc.id ? 'old' : 'new', e.kind]).sort()).toEqual([
      ['new', 'activated'], ['new', 'number_moved_in'], ['old', 'number_moved_out'], ['old', 'service_ended'],
    ]);
    const moved = await notices('number.moved');
    expect(moved.map((n) => [n.recipientId, (n.payload as { audience: string }).audience]).sort()).toEqual([[ann.id, 'administrator'], [luc.userId, 'previousUser']].sort());

    // The backend's answer may come again (a retried job, a webhook): nothing more happens.
    expect(await recordActivationResult(db.prisma, moving.id, { outcome: 'ACTIVE' })).toMatchObject({ applied: false, reason: 'already' });
    expect(await db.prisma.serviceEvent.count({ where: { serviceId: luc.id, kind: 'service_ended' } })).toBe(1);
  });
});

describe('taking an active fixed number from its user', () => {
  const holderOf = (e164: string) =>
    db.prisma.service.findFirstOrThrow({ where: { fixedNumber: { e164 } }, include: { user: true, fixedNumber: true } });

  test('the number stays with its user until the new service works; then it moves and its user is told', async () => {
    const holder = await holderOf(convergedServices[0]!.fixedNumber);
    const target = await newService({ productTypeCode: 'DSTNY_SMARTMOBILE', serviceTypeCode: 'SM_UC_USER', numberOption: NumberOption.NEW, plannedFixedNumberId: holder.fixedNumberId! });

    await startService(db.prisma, ann, target.id, { now: new Date('2026-03-03T08:00:00Z') });
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: holder.id } })).toMatchObject({ fixedNumberId: holder.fixedNumberId, status: ServiceStatus.ACTIVE });
    expect(await notices('fixedNumber.takePlanned')).toMatchObject([{
      recipientId: holder.userId, serviceId: holder.id, payload: { audience: 'previousUser', number: convergedServices[0]!.fixedNumber, newUser: 'Marie Dubois' },
    }]);
    expect(await notices('fixedNumber.taken')).toEqual([]);

    await recordActivationResult(db.prisma, target.id, { outcome: 'ACTIVE' }, { now: new Date('2026-03-03T09:00:00Z') });
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: holder.id } })).toMatchObject({ fixedNumberId: null, status: ServiceStatus.ACTIVE });
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({ fixedNumberId: holder.fixedNumberId, plannedFixedNumberId: null });
    const told = await notices('fixedNumber.taken');
    expect(told.map((n) => [n.recipientId, (n.payload as { audience: string }).audience]).sort()).toEqual([[ann.id, 'administrator'], [holder.userId, 'previousUser']].sort());

    // Told once, however often the backend's answer comes.
    await recordActivationResult(db.prisma, target.id, { outcome: 'ACTIVE' });
    expect(await db.prisma.notification.count({ where: { kind: 'fixedNumber.taken' } })).toBe(2);
  });
});
