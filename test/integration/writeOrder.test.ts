import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { timelineOf } from '../../services/fleet/lookUp';
import type { Actor } from '../../services/people/people';
import type { Database } from '../../services/platform/db/database';
import { ESIM_AWAITS_STOCK, servicesAwaitingEsimStock } from '../../services/simCards/esimProfiles';
import { demoActor } from '../support/addServiceDriver';
import { openTestDatabase } from '../support/database';
import { moveRows } from '../support/rowMoves';

/**
 * One step of a service writes several timeline entries and audit records with one clock reading: what reads them
 * back in order (support's timeline, the changes, the eSIM asked for while out of stock) tells them apart by the
 * order they were written, never by where the database happens to keep the rows.
 */

let db: Database;
let ann: Actor;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ann = await demoActor(db, DEMO_TENANT_ID, demo.ann.aadObjectId);
});
afterAll(async () => {
  await db?.close();
});

const AT = new Date('2026-12-01T09:00:00.000Z');

async function aService(): Promise<{ id: string; organisationId: string }> {
  return db.prisma.service.findFirstOrThrow({ where: { organisation: { tenantId: DEMO_TENANT_ID } }, select: { id: true, organisationId: true } });
}

test("a service's timeline and its changes, written at one moment, read in the order written", async () => {
  const service = await aService();
  const kinds = ['sim_entered', 'provisioned', 'activation_started', 'activation_email_sent', 'porting_completed', 'activated'].map((kind, i) => `${kind}_${i}`);
  await db.prisma.serviceEvent.deleteMany({ where: { serviceId: service.id } });
  await db.prisma.serviceEvent.createMany({ data: kinds.map((kind) => ({ serviceId: service.id, kind, createdAt: AT })) });
  const actions = ['service.changed', 'service.started', 'service.reassigned', 'service.ended'].map((action, i) => `${action}.${i}`);
  await db.prisma.auditEvent.deleteMany({ where: { subjectType: 'Service', subjectId: service.id } });
  await db.prisma.auditEvent.createMany({ data: actions.map((action) => ({ organisationId: service.organisationId, actorId: ann.id, action, subjectType: 'Service', subjectId: service.id, createdAt: AT })) });
  const written = async (table: 'serviceEvent' | 'auditEvent') =>
    table === 'serviceEvent'
      ? (await db.prisma.serviceEvent.findMany({ where: { serviceId: service.id }, select: { id: true } })).map((row) => row.id)
      : (await db.prisma.auditEvent.findMany({ where: { subjectId: service.id }, select: { id: true } })).map((row) => row.id);
  await moveRows(db.prisma, 'ServiceEvent', 'createdAt', (await written('serviceEvent')).slice(0, 3));
  await moveRows(db.prisma, 'AuditEvent', 'createdAt', (await written('auditEvent')).slice(0, 2));

  const timeline = await timelineOf(db.prisma, ann, service.id);

  expect(timeline.events.map((event) => event.kind)).toEqual(kinds);
  expect(timeline.changes.map((change) => change.action)).toEqual(actions);
});

test('a new eSIM asked for and one sent at the same moment: the one written last says whether it still waits', async () => {
  const services = await db.prisma.service.findMany({ where: { organisation: { tenantId: DEMO_TENANT_ID }, status: { notIn: ['ENDED', 'CANCELLED'] } }, select: { id: true, organisationId: true }, take: 10 });
  expect(services.length).toBe(10);
  await db.prisma.serviceEvent.deleteMany({ where: { kind: { in: [ESIM_AWAITS_STOCK, 'esim_replaced'] } } });
  const stillWaiting = services.filter((_, i) => i % 2 === 0).map((service) => service.id);
  for (const [i, service] of services.entries()) {
    // Asked, then sent, then (every other one) asked again: all at one moment.
    const kinds = i % 2 === 0 ? [ESIM_AWAITS_STOCK, 'esim_replaced', ESIM_AWAITS_STOCK] : [ESIM_AWAITS_STOCK, 'esim_replaced'];
    for (const kind of kinds) await db.prisma.serviceEvent.create({ data: { serviceId: service.id, kind, createdAt: AT } });
    const ids = (await db.prisma.serviceEvent.findMany({ where: { serviceId: service.id, kind: { in: kinds } }, select: { id: true } })).map((row) => row.id);
    await moveRows(db.prisma, 'ServiceEvent', 'createdAt', ids.slice(0, 1));
  }

  expect((await servicesAwaitingEsimStock(db.prisma, services[0]!.organisationId)).sort()).toEqual(stillWaiting.sort());
});
