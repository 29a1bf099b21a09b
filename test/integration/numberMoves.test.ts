import { ActivationMethod, ActivationTiming, NumberOption, ServiceStatus, SimState } from '../../prisma/generated/enums';
import { convergedServices, demo, demoScenario, other } from '../../prisma/demoData';
import type { Database } from '../../services/db/database';
import { takeFixedNumber } from '../../services/fixedNumbers';
import { completeNumberMove } from '../../services/numberMove';
import { AccessDenied, type Actor } from '../../services/people';
import { openTestDatabase } from '../support/database';

let db: Database;
let ann: Actor;
let olga: Actor;
let marie: Actor;

const actor = (email: string) => db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  [ann, olga, marie] = await Promise.all([actor(demo.ann.email), actor(other.olga.email), actor(demo.marie.email)]);
});

afterAll(async () => {
  await db.close();
});

function newService(data: { productTypeCode: string; serviceTypeCode: string; numberOption: NumberOption; movedFromServiceId?: string }) {
  return db.prisma.service.create({
    data: {
      ...data, organisationId: ann.organisationId, userId: marie.id, createdById: ann.id, status: ServiceStatus.ACTIVATING,
      activationMethod: ActivationMethod.AUTOMATIC, activationTiming: ActivationTiming.NOW,
    },
  });
}

describe('moving a number within the organisation', () => {
  test('the old service keeps its number until the new one is activated; then it ends and the number moves', async () => {
    const luc = await db.prisma.service.findFirstOrThrow({ where: { user: { email: demo.luc.email }, status: ServiceStatus.ACTIVE }, include: { mobileNumber: true } });
    expect(luc.mobileNumber?.e164).toBe(demoScenario.luc.mobileNumber);
    const moving = await newService({ productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE', numberOption: NumberOption.MOVE, movedFromServiceId: luc.id });

    // Saved and activating: Luc still calls on his number.
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: luc.id } })).toMatchObject({ status: ServiceStatus.ACTIVE, mobileNumberId: luc.mobileNumberId, endedAt: null });

    const activatedAt = new Date('2026-03-02T09:00:00Z');
    const result = await db.prisma.$transaction((tx) => completeNumberMove(tx, moving.id, activatedAt));
    expect(result).toEqual({ moved: true, numberId: luc.mobileNumberId, fromServiceId: luc.id });

    const ended = await db.prisma.service.findUniqueOrThrow({ where: { id: luc.id }, include: { simCard: true } });
    expect(ended).toMatchObject({ status: ServiceStatus.ENDED, endedAt: activatedAt, mobileNumberId: null, simCard: { state: SimState.DEACTIVATED } });
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: moving.id } })).toMatchObject({ mobileNumberId: luc.mobileNumberId });
    const timeline = await db.prisma.serviceEvent.findMany({ where: { serviceId: { in: [luc.id, moving.id] }, createdAt: activatedAt } });
    expect(timeline.map((e) => [e.serviceId === luc.id ? 'old' : 'new', e.kind]).sort()).toEqual([
      ['new', 'number_moved_in'], ['old', 'number_moved_out'], ['old', 'service_ended'],
    ]);

    // The completion transaction may run again (a retried job): nothing more happens.
    expect(await db.prisma.$transaction((tx) => completeNumberMove(tx, moving.id))).toEqual({ moved: false, reason: 'already' });
    expect(await db.prisma.serviceEvent.count({ where: { serviceId: luc.id, kind: 'service_ended' } })).toBe(1);
  });

  test('a service that is not a move is left alone', async () => {
    const fresh = await newService({ productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE', numberOption: NumberOption.NEW });
    expect(await db.prisma.$transaction((tx) => completeNumberMove(tx, fresh.id))).toEqual({ moved: false, reason: 'not-a-move' });
  });
});

describe('taking an active fixed number from its user', () => {
  const holderOf = (e164: string) =>
    db.prisma.service.findFirstOrThrow({ where: { fixedNumber: { e164 } }, include: { user: true, fixedNumber: true } });

  test('the number moves to the new service and its previous user is told', async () => {
    const holder = await holderOf(convergedServices[0]!.fixedNumber);
    const target = await newService({ productTypeCode: 'DSTNY_SMARTMOBILE', serviceTypeCode: 'SM_CONVERGED', numberOption: NumberOption.NEW });

    const result = await db.prisma.$transaction((tx) => takeFixedNumber(tx, ann, holder.fixedNumberId!, target.id));
    expect(result).toEqual({ taken: true, fromServiceId: holder.id, previousUserId: holder.userId });

    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: holder.id } })).toMatchObject({ fixedNumberId: null, status: ServiceStatus.ACTIVE });
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({ fixedNumberId: holder.fixedNumberId });
    const told = await db.prisma.notification.findMany({ where: { kind: 'fixedNumber.taken' } });
    expect(told).toMatchObject([{
      recipientId: holder.userId, serviceId: holder.id,
      payload: { audience: 'previousUser', number: convergedServices[0]!.fixedNumber, newUser: 'Marie Dubois' },
    }]);
    expect(await db.prisma.auditEvent.findFirst({ where: { action: 'fixedNumber.taken', subjectId: holder.fixedNumberId! } })).toMatchObject({ actorId: ann.id });

    // A repeated save: no second move, no second message.
    expect(await db.prisma.$transaction((tx) => takeFixedNumber(tx, ann, holder.fixedNumberId!, target.id))).toEqual({ taken: false, reason: 'already' });
    expect(await db.prisma.notification.count({ where: { kind: 'fixedNumber.taken' } })).toBe(1);
  });

  test('another organisation\'s administrator and a user may not take it; nothing changes', async () => {
    const holder = await holderOf(convergedServices[1]!.fixedNumber);
    const target = await newService({ productTypeCode: 'DSTNY_SMARTMOBILE', serviceTypeCode: 'SM_CONVERGED', numberOption: NumberOption.NEW });

    for (const intruder of [olga, marie]) {
      await expect(db.prisma.$transaction((tx) => takeFixedNumber(tx, intruder, holder.fixedNumberId!, target.id))).rejects.toBeInstanceOf(AccessDenied);
    }
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: holder.id } })).toMatchObject({ fixedNumberId: holder.fixedNumberId });
    expect(await db.prisma.service.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({ fixedNumberId: null });
  });
});
