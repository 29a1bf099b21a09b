import crypto from 'node:crypto';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import type { Prisma } from '../../prisma/generated/client';
import { PortingState, ServiceStatus } from '../../prisma/generated/enums';
import type { Database } from '../../services/platform/db/database';
import { ESCALATION_KIND, escalateToAdministrators } from '../../services/lifecycle/escalation';
import { queueDeadlineNotices } from '../../services/lifecycle/deadlines';
import { ACTIVATION_MAX_MS } from '../../services/lifecycle/table';
import type { Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';

/**
 * Nothing stuck in silence: an activation past two days, a porting past its window or held back for over a day, a
 * request for help open for a working day are each told once to whoever can unblock them, with a line on the
 * service's timeline; running again, or in several processes at once, tells nothing more.
 */

let db: Database;
let ann: Actor;
let bart: Actor;
let jan: Actor;
let sam: Actor;
let lucId: string;
let demoOrgId: string;

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
/** Monday 14 December 2026, 10:00 in Brussels. */
const monday = new Date('2026-12-14T09:00:00Z');

const actor = (email: string) => db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  [ann, jan, sam] = await Promise.all([actor(demo.ann.email), actor(demo.jan.email), actor(demo.sam.email)]);
  bart = await db.prisma.person.create({
    data: { organisationId: ann.organisationId, role: 'ADMINISTRATOR', email: 'bart.beheer@demo.example', displayName: 'Bart Beheer' },
    include: { organisation: true },
  });
  lucId = (await actor(demo.luc.email)).id;
  demoOrgId = (await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } })).id;
}, 60_000);

afterAll(async () => {
  await db?.close();
});

function service(fields: Partial<Prisma.ServiceUncheckedCreateInput>) {
  return db.prisma.service.create({
    data: {
      organisationId: demoOrgId, userId: lucId, createdById: ann.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE',
      status: ServiceStatus.ACTIVATING, activationMethod: 'AUTOMATIC', activationTiming: 'NOW', ...fields,
    },
  });
}

function porting(serviceId: string, state: PortingState, updatedAt: Date, window?: { scheduledAt: Date; windowEndsAt: Date }) {
  return db.prisma.portingRequest.create({
    data: {
      serviceId, state, updatedAt, createdAt: updatedAt, e164: '+32470000001', donorOperator: 'PROXIMUS', holderKind: 'PERSON', holderName: 'Luc Lemaire',
      lineType: 'PREPAID', ...window,
    },
  });
}

/** Who was told of `kind` about `serviceId`, by audience. */
async function told(kind: string, serviceId: string) {
  const notifications = await db.prisma.notification.findMany({ where: { kind, serviceId }, orderBy: { recipientId: 'asc' } });
  return notifications.map((notification) => ({ recipientId: notification.recipientId, audience: (notification.payload as { audience: string }).audience }));
}

const timeline = (serviceId: string, kind: string) => db.prisma.serviceEvent.count({ where: { serviceId, kind } });
const byId = (people: Array<{ recipientId: string; audience: string }>) => [...people].sort((a, b) => a.recipientId.localeCompare(b.recipientId));

test('an activation running for over two days is told once to its administrator, support and user; a retried one has two days of its own', async () => {
  const overdue = await service({ activationStartedAt: new Date(monday.getTime() - ACTIVATION_MAX_MS - 60_000) });
  const young = await service({ activationStartedAt: new Date(monday.getTime() - HOUR) });

  expect(await queueDeadlineNotices(db.prisma, { clockSpeed: 1, now: monday })).toEqual({ activations: 1, portings: 0, escalations: 0 });
  expect(await told('activation.overdue', overdue.id)).toEqual(byId([
    { recipientId: lucId, audience: 'user' },
    { recipientId: ann.id, audience: 'administrator' },
    { recipientId: sam.id, audience: 'support' },
  ]));
  expect(await timeline(overdue.id, 'activation_overdue')).toBe(1);
  expect(await told('activation.overdue', young.id)).toEqual([]);

  // Twice: nothing more.
  expect(await queueDeadlineNotices(db.prisma, { clockSpeed: 1, now: new Date(monday.getTime() + HOUR) })).toEqual({ activations: 0, portings: 0, escalations: 0 });
  expect(await told('activation.overdue', overdue.id)).toHaveLength(3);
  expect(await timeline(overdue.id, 'activation_overdue')).toBe(1);

  // The demo's clock runs 720 times faster: the hour-old one is two days old there.
  expect((await queueDeadlineNotices(db.prisma, { clockSpeed: 720, now: monday })).activations).toBe(1);
  expect(await told('activation.overdue', young.id)).toHaveLength(3);

  // Tried again after a failure: a new activation, told again when it too runs over.
  const retriedAt = new Date(monday.getTime() + DAY);
  await db.prisma.service.update({ where: { id: overdue.id }, data: { activationStartedAt: retriedAt } });
  expect((await queueDeadlineNotices(db.prisma, { clockSpeed: 1, now: new Date(retriedAt.getTime() + DAY) })).activations).toBe(0);
  expect((await queueDeadlineNotices(db.prisma, { clockSpeed: 1, now: new Date(retriedAt.getTime() + ACTIVATION_MAX_MS) })).activations).toBe(1);
  expect(await told('activation.overdue', overdue.id)).toHaveLength(6);
  expect(await timeline(overdue.id, 'activation_overdue')).toBe(2);
  await db.prisma.service.updateMany({ where: { id: { in: [overdue.id, young.id] } }, data: { status: ServiceStatus.FAILED } });
});

test("a porting past its window, or held back for over a day, is told to the service's administrator, else to the organisation's", async () => {
  const windowed = await service({ status: ServiceStatus.WAITING_FOR_PORTING });
  const window = { scheduledAt: new Date(monday.getTime() - 3 * HOUR), windowEndsAt: new Date(monday.getTime() - HOUR) };
  await porting(windowed.id, PortingState.SCHEDULED, new Date(monday.getTime() - 2 * DAY), window);
  const comingWindow = await service({ status: ServiceStatus.WAITING_FOR_PORTING });
  await porting(comingWindow.id, PortingState.SCHEDULED, new Date(monday.getTime() - DAY), { scheduledAt: new Date(monday.getTime() + HOUR), windowEndsAt: new Date(monday.getTime() + 3 * HOUR) });
  // Held back at its window because the line did not work; nobody created this one in the assistant.
  const held = await service({ status: ServiceStatus.ACTIVATING, createdById: null, activationStartedAt: new Date(monday.getTime() - HOUR) });
  await porting(held.id, PortingState.HELD, new Date(monday.getTime() - DAY - HOUR));
  const heldLately = await service({ status: ServiceStatus.ACTIVATING, activationStartedAt: new Date(monday.getTime() - HOUR) });
  await porting(heldLately.id, PortingState.HELD, new Date(monday.getTime() - 2 * HOUR));

  expect(await queueDeadlineNotices(db.prisma, { clockSpeed: 1, now: monday })).toEqual({ activations: 0, portings: 2, escalations: 0 });
  expect(await told('porting.overdue', windowed.id)).toEqual([{ recipientId: ann.id, audience: 'administrator' }]);
  expect(await told('porting.overdue', held.id)).toEqual(byId([{ recipientId: ann.id, audience: 'administrator' }, { recipientId: bart.id, audience: 'administrator' }]));
  expect(await told('porting.overdue', comingWindow.id)).toEqual([]);
  expect(await told('porting.overdue', heldLately.id)).toEqual([]);
  expect(await timeline(windowed.id, 'porting_overdue')).toBe(1);
  const [notice] = await db.prisma.notification.findMany({ where: { kind: 'porting.overdue', serviceId: windowed.id } });
  expect(notice!.payload).toMatchObject({ number: '+32470000001', operator: 'PROXIMUS', state: 'SCHEDULED', windowEndsAt: window.windowEndsAt.toISOString() });

  expect((await queueDeadlineNotices(db.prisma, { clockSpeed: 1, now: new Date(monday.getTime() + HOUR) })).portings).toBe(0);
  expect(await timeline(windowed.id, 'porting_overdue')).toBe(1);
  await db.prisma.service.updateMany({ where: { id: { in: [held.id, heldLately.id] } }, data: { status: ServiceStatus.FAILED } });
  await db.prisma.service.updateMany({ where: { id: { in: [windowed.id, comingWindow.id] } }, data: { status: ServiceStatus.CANCELLED } });
});

test("a request for help left open for a working day reminds each administrator once, in the request's own words", async () => {
  const janService = await db.prisma.service.findFirstOrThrow({ where: { userId: jan.id } });
  await escalateToAdministrators(db.prisma, jan, { requestKey: 'deadline-friday-1', serviceId: janService.id, topic: 'data', tried: ['Restart your phone.'] });
  await escalateToAdministrators(db.prisma, jan, { requestKey: 'deadline-friday-2', serviceId: janService.id, topic: 'calls', tried: [] });
  const [open, handled] = await db.prisma.escalation.findMany({ where: { requestKey: { in: ['deadline-friday-1', 'deadline-friday-2'] } }, orderBy: { requestKey: 'asc' } });
  // Friday 11 December, 15:00 in Brussels: a working day later is Monday at 15:00.
  const friday = new Date('2026-12-11T14:00:00Z');
  await db.prisma.escalation.update({ where: { id: open!.id }, data: { createdAt: friday } });
  await db.prisma.escalation.update({ where: { id: handled!.id }, data: { createdAt: friday, handledAt: new Date('2026-12-11T16:00:00Z'), handledById: ann.id } });

  expect((await queueDeadlineNotices(db.prisma, { clockSpeed: 1, now: new Date('2026-12-12T15:00:00Z') })).escalations).toBe(0);
  expect((await queueDeadlineNotices(db.prisma, { clockSpeed: 1, now: new Date('2026-12-14T13:59:00Z') })).escalations).toBe(0);
  expect((await queueDeadlineNotices(db.prisma, { clockSpeed: 1, now: new Date('2026-12-14T14:01:00Z') })).escalations).toBe(1);

  const reminders = await db.prisma.notification.findMany({ where: { kind: 'help.escalationOpen' }, orderBy: { recipientId: 'asc' } });
  expect(reminders.map((reminder) => reminder.recipientId)).toEqual([ann.id, bart.id].sort());
  const asked = await db.prisma.notification.findFirstOrThrow({ where: { kind: ESCALATION_KIND, recipientId: ann.id, payload: { path: ['escalationId'], equals: open!.id } } });
  expect(reminders[0]!.payload).toEqual(asked.payload);
  expect(reminders[0]!.serviceId).toBe(janService.id);
  expect(await timeline(janService.id, 'escalation_overdue')).toBe(1);

  expect((await queueDeadlineNotices(db.prisma, { clockSpeed: 1, now: new Date('2026-12-15T14:01:00Z') })).escalations).toBe(0);
  expect(await db.prisma.notification.count({ where: { kind: 'help.escalationOpen' } })).toBe(2);
  await db.prisma.escalation.update({ where: { id: open!.id }, data: { handledAt: new Date('2026-12-15T15:00:00Z'), handledById: ann.id } });
});

test('several processes finding the same deadlines at once tell each of them once', async () => {
  const activation = await service({ activationStartedAt: new Date(monday.getTime() - ACTIVATION_MAX_MS - HOUR) });
  const held = await service({ status: ServiceStatus.ACTIVATING, activationStartedAt: new Date(monday.getTime() - HOUR) });
  await porting(held.id, PortingState.HELD, new Date(monday.getTime() - 2 * DAY));
  const requestKey = `deadline-${crypto.randomUUID()}`;
  await escalateToAdministrators(db.prisma, jan, { requestKey, topic: 'general', tried: [] });
  await db.prisma.escalation.update({ where: { requestKey }, data: { createdAt: new Date(monday.getTime() - 7 * DAY) } });

  const runs = await Promise.all([1, 2, 3].map(() => queueDeadlineNotices(db.prisma, { clockSpeed: 1, now: monday })));
  const sum = (key: 'activations' | 'portings' | 'escalations') => runs.reduce((total, run) => total + run[key], 0);
  expect({ activations: sum('activations'), portings: sum('portings'), escalations: sum('escalations') }).toEqual({ activations: 1, portings: 1, escalations: 1 });
  expect(await told('activation.overdue', activation.id)).toHaveLength(3);
  expect(await timeline(activation.id, 'activation_overdue')).toBe(1);
  expect(await told('porting.overdue', held.id)).toHaveLength(1);
  expect(await timeline(held.id, 'porting_overdue')).toBe(1);
  expect(await db.prisma.notification.count({ where: { kind: 'help.escalationOpen', payload: { path: ['topic'], equals: 'general' } } })).toBe(2);
});
