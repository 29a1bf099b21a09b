import { demo, other } from '../../prisma/demoData';
import type { Database } from '../../services/platform/db/database';
import { ESCALATION_KIND, escalateToAdministrators, markEscalationHandled, openEscalations, type EscalationRequest } from '../../services/lifecycle/escalation';
import { AccessDenied, type Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';

/**
 * A request for help is kept as an Escalation until an administrator marks it handled, and each administrator of the
 * organisation gets a notification of it, written in the same transaction.
 */

let db: Database;
let ann: Actor;
let bart: Actor;
let jan: Actor;
let sam: Actor;
let olga: Actor;
let nina: Actor;

const actor = (email: string) => db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });
const audits = (action: string) => db.prisma.auditEvent.count({ where: { action } });

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  [ann, jan, sam, olga] = await Promise.all([actor(demo.ann.email), actor(demo.jan.email), actor(demo.sam.email), actor(other.olga.email)]);
  // A second administrator, and a newcomer who has no service yet.
  const person = (email: string, displayName: string, role: 'ADMINISTRATOR' | 'USER') =>
    db.prisma.person.create({ data: { organisationId: ann.organisationId, role, email, displayName }, include: { organisation: true } });
  bart = await person('bart.beheer@demo.example', 'Bart Beheer', 'ADMINISTRATOR');
  nina = await person('nina.nieuw@demo.example', 'Nina Nieuw', 'USER');
});

afterAll(async () => {
  await db.close();
});

describe('escalating', () => {
  test('Jan asks about his own service: one escalation, a notification to each administrator carrying its id', async () => {
    const tried = ['Restart your phone.'];
    expect(await escalateToAdministrators(db.prisma, jan, { requestKey: 'jan-calls-1', topic: 'calls', tried })).toEqual({
      sent: true,
      administrators: ['Ann Admin', 'Bart Beheer'],
    });
    const service = await db.prisma.service.findFirstOrThrow({ where: { userId: jan.id }, orderBy: { createdAt: 'desc' } });
    const escalation = await db.prisma.escalation.findUniqueOrThrow({ where: { requestKey: 'jan-calls-1' } });
    expect(escalation).toMatchObject({ organisationId: jan.organisationId, serviceId: service.id, requestedById: jan.id, topic: 'calls', tried, handledAt: null });

    const notifications = await db.prisma.notification.findMany({ where: { kind: ESCALATION_KIND, payload: { path: ['escalationId'], equals: escalation.id } } });
    expect(notifications.map((notification) => notification.recipientId).sort()).toEqual([ann.id, bart.id].sort());
    for (const notification of notifications) {
      expect(notification).toMatchObject({
        serviceId: service.id,
        payload: { audience: 'administrator', requestedBy: { name: 'Jan Peeters' }, user: { name: 'Jan Peeters' }, topic: 'calls', tried, service: { status: service.status } },
      });
    }
    expect(await db.prisma.serviceEvent.count({ where: { serviceId: service.id, kind: 'escalated' } })).toBe(1);
  });

  test('the same request twice, even at once, is one escalation and one notification per administrator', async () => {
    const request: EscalationRequest = { requestKey: 'jan-data-1', topic: 'data', tried: [] };
    const results = await Promise.all([escalateToAdministrators(db.prisma, jan, request), escalateToAdministrators(db.prisma, jan, request)]);
    expect(results.map((result) => result.sent).sort()).toEqual([false, true]);
    expect(await escalateToAdministrators(db.prisma, jan, request)).toEqual({ sent: false, reason: 'already-sent', administrators: ['Ann Admin', 'Bart Beheer'] });
    const escalation = await db.prisma.escalation.findUniqueOrThrow({ where: { requestKey: request.requestKey } });
    expect(await db.prisma.notification.count({ where: { kind: ESCALATION_KIND, payload: { path: ['escalationId'], equals: escalation.id } } })).toBe(2);
  });

  test('someone without a service still reaches the administrators, about no service', async () => {
    expect(await escalateToAdministrators(db.prisma, nina, { requestKey: 'nina-general-1', topic: 'general', tried: [] })).toMatchObject({ sent: true });
    const escalation = await db.prisma.escalation.findUniqueOrThrow({ where: { requestKey: 'nina-general-1' } });
    expect(escalation).toMatchObject({ serviceId: null, requestedById: nina.id, organisationId: nina.organisationId });
    const notifications = await db.prisma.notification.findMany({ where: { kind: ESCALATION_KIND, payload: { path: ['escalationId'], equals: escalation.id } } });
    expect(notifications).toHaveLength(2);
    expect(notifications[0]).toMatchObject({ serviceId: null, payload: { user: { name: 'Nina Nieuw' }, service: null } });
  });

  test('support escalates a service it may see, for its user', async () => {
    const service = await db.prisma.service.findFirstOrThrow({ where: { user: { email: demo.marie.email } } });
    await escalateToAdministrators(db.prisma, sam, { requestKey: 'sam-marie-1', serviceId: service.id, topic: 'support', tried: [] });
    expect(await db.prisma.escalation.findUniqueOrThrow({ where: { requestKey: 'sam-marie-1' } })).toMatchObject({ serviceId: service.id, requestedById: sam.id, topic: 'support' });
  });
});

describe('the open escalations', () => {
  test("the organisation's administrators and support see them, oldest first: who asked, for whom, about what", async () => {
    const open = await openEscalations(db.prisma, ann, ann.organisationId);
    expect(open.map((escalation) => [escalation.requestedBy?.name, escalation.user?.name, escalation.topic])).toEqual([
      ['Jan Peeters', 'Jan Peeters', 'calls'],
      ['Jan Peeters', 'Jan Peeters', 'data'],
      ['Nina Nieuw', 'Nina Nieuw', 'general'],
      ['Sam Support', 'Marie Dubois', 'support'],
    ]);
    expect(open[0]).toMatchObject({ tried: ['Restart your phone.'], service: { product: { en: 'Mobile' } } });
    expect(open[2]!.service).toBeNull();
    expect(await openEscalations(db.prisma, sam, ann.organisationId)).toEqual(open);
  });

  test('a user, another organisation or a made-up id is refused, and the attempt audited', async () => {
    const before = await audits('escalation.denied');
    await expect(openEscalations(db.prisma, jan, jan.organisationId)).rejects.toThrow(AccessDenied);
    await expect(openEscalations(db.prisma, olga, ann.organisationId)).rejects.toThrow(AccessDenied);
    await expect(openEscalations(db.prisma, ann, olga.organisationId)).rejects.toThrow(AccessDenied);
    await expect(openEscalations(db.prisma, ann, 'not-an-id')).rejects.toThrow(AccessDenied);
    expect(await audits('escalation.denied')).toBe(before + 4);
  });
});

describe('marking one handled', () => {
  test('an administrator marks it handled once; again changes nothing; it leaves the open list', async () => {
    const escalation = await db.prisma.escalation.findUniqueOrThrow({ where: { requestKey: 'jan-calls-1' } });
    const first = await markEscalationHandled(db.prisma, bart, escalation.id);
    expect(first).toMatchObject({ already: false, handledById: bart.id });
    expect(await markEscalationHandled(db.prisma, ann, escalation.id)).toEqual({ ...first, already: true });

    const audit = await db.prisma.auditEvent.findMany({ where: { action: 'escalation.handled', subjectId: escalation.id } });
    expect(audit).toMatchObject([{ actorId: bart.id, organisationId: bart.organisationId, subjectType: 'Escalation' }]);
    expect((await openEscalations(db.prisma, ann, ann.organisationId)).map((open) => open.id)).not.toContain(escalation.id);
  });

  test("another organisation's escalation reads as missing: refused and audited, and it stays open", async () => {
    const escalation = await db.prisma.escalation.findUniqueOrThrow({ where: { requestKey: 'nina-general-1' } });
    const before = await audits('escalation.denied');
    await expect(markEscalationHandled(db.prisma, olga, escalation.id)).rejects.toThrow('no such escalation in this organisation');
    await expect(markEscalationHandled(db.prisma, ann, '00000000-0000-4000-8000-000000000000')).rejects.toThrow('no such escalation in this organisation');
    await expect(markEscalationHandled(db.prisma, sam, escalation.id)).rejects.toThrow(AccessDenied);
    await expect(markEscalationHandled(db.prisma, jan, escalation.id)).rejects.toThrow(AccessDenied);
    expect(await audits('escalation.denied')).toBe(before + 4);
    expect(await db.prisma.escalation.findUniqueOrThrow({ where: { id: escalation.id } })).toMatchObject({ handledAt: null });
  });
});
