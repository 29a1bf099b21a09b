import { DEMO_TENANT_ID, demo, other } from '../../prisma/demoData';
import type { Database } from '../../services/platform/db/database';
import { AccessDenied, recognise, type Actor } from '../../services/people/people';
import { addEmployee, changeEmployee, employeesNamedIn, findEmployees, removalPlan, removeEmployee } from '../../services/people/peopleAdmin';
import { findPeople } from '../../services/people/userSearch';
import { openTestDatabase } from '../support/database';

/**
 * An administrator's employees on a real database: every refusal audited, the fields checked with a code per field,
 * an address unique in the organisation, and a removal that keeps the person's services and history.
 */

let db: Database;
let ann: Actor;
let jan: Actor;
let sam: Actor;
let olga: Actor;

const actor = (email: string) => db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });
const audits = (action: string, subjectId?: string) => db.prisma.auditEvent.findMany({ where: { action, ...(subjectId ? { subjectId } : {}) } });
const nora = { displayName: 'Nora New', email: 'Nora.New@demo.example', language: 'en' };

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  [ann, jan, sam, olga] = await Promise.all([actor(demo.ann.email), actor(demo.jan.email), actor(demo.sam.email), actor(other.olga.email)]);
}, 60_000);

afterAll(async () => {
  await db?.close();
});

describe('refusals', () => {
  test('an employee and support may not add anyone: refused and audited', async () => {
    for (const who of [jan, sam]) {
      await expect(addEmployee(db.prisma, who, nora)).rejects.toBeInstanceOf(AccessDenied);
    }
    expect((await audits('person.add.denied')).map((event) => event.actorId).sort()).toEqual([jan.id, sam.id].sort());
    expect(await db.prisma.person.count({ where: { email: 'nora.new@demo.example' } })).toBe(0);
  });

  test("another organisation's administrator may neither change nor remove Jan: refused and audited", async () => {
    await expect(changeEmployee(db.prisma, olga, jan.id, { ...nora, email: 'x@other.example' })).rejects.toBeInstanceOf(AccessDenied);
    await expect(removeEmployee(db.prisma, olga, jan.id)).rejects.toBeInstanceOf(AccessDenied);
    expect(await audits('person.change.denied', jan.id)).toHaveLength(1);
    expect(await audits('person.remove.denied', jan.id)).toHaveLength(1);
    expect((await actor(demo.jan.email)).displayName).toBe('Jan Peeters');
  });

  test('administrators and support are the operator\'s: Ann may not change or remove Sam', async () => {
    await expect(removalPlan(db.prisma, ann, sam.id)).rejects.toThrow('administrators and support are managed by the operator');
    await expect(changeEmployee(db.prisma, ann, sam.id, { displayName: 'Sam', email: sam.email, language: 'en' })).rejects.toBeInstanceOf(AccessDenied);
  });

  test('every field is checked, each with its own code, nothing written', async () => {
    const result = await addEmployee(db.prisma, ann, { displayName: '  ', email: 'not-an-address', language: 'de', directoryId: 'someone' });
    expect(result).toEqual({
      ok: false,
      problems: [
        { field: 'displayName', code: 'missing' },
        { field: 'email', code: 'invalid' },
        { field: 'language', code: 'invalid' },
        { field: 'directoryId', code: 'invalid' },
      ],
    });
    expect(await addEmployee(db.prisma, ann, { displayName: 'x'.repeat(101), email: '', language: 'nl' })).toEqual({
      ok: false,
      problems: [{ field: 'displayName', code: 'tooLong' }, { field: 'email', code: 'missing' }],
    });
  });

  test("an address someone of the organisation has, in any case, is refused naming them; another organisation's is free", async () => {
    expect(await addEmployee(db.prisma, ann, { displayName: 'Jan Bis', email: 'JAN.PEETERS@demo.example', language: 'nl' }))
      .toEqual({ ok: false, problems: [{ field: 'email', code: 'taken', takenBy: 'Jan Peeters' }] });
    expect(await changeEmployee(db.prisma, ann, jan.id, { displayName: 'Jan Peeters', email: demo.marie.email, language: 'nl' }))
      .toEqual({ ok: false, problems: [{ field: 'email', code: 'taken', takenBy: 'Marie Dubois' }] });
    const added = await addEmployee(db.prisma, olga, { displayName: 'Jan Other', email: demo.jan.email, language: 'en' });
    expect(added).toMatchObject({ ok: true, employee: { email: demo.jan.email } });
  });

  test('a Teams account someone has is refused naming them', async () => {
    expect(await addEmployee(db.prisma, ann, { displayName: 'Someone', email: 'someone@demo.example', language: 'en', directoryId: demo.marie.aadObjectId.toUpperCase() }))
      .toEqual({ ok: false, problems: [{ field: 'directoryId', code: 'taken', takenBy: 'Marie Dubois' }] });
  });
});

describe('adding and changing', () => {
  test('Ann adds Nora with her Teams account: recognised from her first message, audited, a repeated press adds nothing', async () => {
    const directoryId = 'F0000000-0000-4000-8000-0000000000AA';
    const result = await addEmployee(db.prisma, ann, { ...nora, directoryId }, { requestKey: 'add-nora-1' });
    expect(result).toMatchObject({ ok: true, restored: false, repeated: false, employee: { displayName: 'Nora New', email: 'nora.new@demo.example', language: 'en', aadObjectId: directoryId.toLowerCase() } });
    const recognition = await recognise(db.prisma, { kind: 'aad', tenantId: DEMO_TENANT_ID, aadObjectId: directoryId });
    expect(recognition).toMatchObject({ status: 'known', actor: { displayName: 'Nora New', role: 'USER' } });
    expect(await addEmployee(db.prisma, ann, { ...nora, directoryId }, { requestKey: 'add-nora-1' })).toMatchObject({ ok: true, repeated: true });
    const [audit, ...more] = await audits('person.added', result.ok ? result.employee.id : '');
    expect(more).toEqual([]);
    expect(audit).toMatchObject({ actorId: ann.id, after: { displayName: 'Nora New', email: 'nora.new@demo.example', role: 'USER' } });
  });

  test('Ann changes Luc: only what differs is written and audited, before and after', async () => {
    const luc = await actor(demo.luc.email);
    const result = await changeEmployee(db.prisma, ann, luc.id, { displayName: 'Luc Lemaire', email: 'luc.lemaire@new.example', language: 'nl' });
    expect(result).toMatchObject({ ok: true, changed: ['email', 'preferredLanguage'] });
    const [audit] = await audits('person.changed', luc.id);
    expect(audit).toMatchObject({ before: { email: demo.luc.email, preferredLanguage: 'fr' }, after: { email: 'luc.lemaire@new.example', preferredLanguage: 'nl' } });
    expect(await changeEmployee(db.prisma, ann, luc.id, { displayName: 'Luc Lemaire', email: 'luc.lemaire@new.example', language: 'nl' })).toMatchObject({ ok: true, changed: [] });
    expect(await audits('person.changed', luc.id)).toHaveLength(1);
  });
});

describe('removing', () => {
  test('Jan has an open service: the plan lists his services by state and the removal is refused, nothing changed', async () => {
    const plan = await removalPlan(db.prisma, ann, jan.id);
    expect(plan).toMatchObject({ blocked: true, byState: [{ status: 'WAITING_FOR_SIM', count: 1 }] });
    expect(await removeEmployee(db.prisma, ann, jan.id)).toMatchObject({ ok: false, plan: { blocked: true } });
    expect((await actor(demo.jan.email)).removedAt).toBeNull();
  });

  test('a person whose services are all over is removed: unrecognised, unsearchable, links revoked, history kept; re-adding brings them back', async () => {
    const added = await addEmployee(db.prisma, ann, { displayName: 'Rita Removed', email: 'rita.removed@demo.example', language: 'nl', directoryId: 'f0000000-0000-4000-8000-0000000000bb' });
    if (!added.ok) throw new Error('not added');
    const rita = added.employee;
    const service = await db.prisma.service.create({
      data: { organisationId: ann.organisationId, userId: rita.id, createdById: ann.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE', activationMethod: 'EMAIL', activationTiming: 'NOW', status: 'CANCELLED' },
    });
    const link = await db.prisma.accessLink.create({ data: { tokenHash: 'rita-link-hash', purpose: 'ACTIVATION', personId: rita.id, serviceId: service.id, expiresAt: new Date(Date.now() + 86_400_000) } });

    expect(await removalPlan(db.prisma, ann, rita.id)).toMatchObject({ blocked: false, byState: [{ status: 'CANCELLED', count: 1 }] });
    expect(await removeEmployee(db.prisma, ann, rita.id)).toMatchObject({ ok: true, already: false });
    expect(await removeEmployee(db.prisma, ann, rita.id)).toMatchObject({ ok: true, already: true });

    expect(await recognise(db.prisma, { kind: 'aad', tenantId: DEMO_TENANT_ID, aadObjectId: rita.aadObjectId! })).toMatchObject({ status: 'unknown-person' });
    expect(await recognise(db.prisma, { kind: 'person', personId: rita.id })).toEqual({ status: 'anonymous' });
    expect(await findPeople(db.prisma, ann, 'Rita')).toEqual([]);
    expect(await findEmployees(db.prisma, ann, 'rita.removed@demo.example')).toEqual([]);
    expect(await employeesNamedIn(db.prisma, ann, 'remove Rita Removed')).toEqual([]);
    expect((await db.prisma.accessLink.findUniqueOrThrow({ where: { id: link.id } })).revokedAt).not.toBeNull();
    expect(await db.prisma.service.count({ where: { userId: rita.id } })).toBe(1);
    const [audit] = await audits('person.removed', rita.id);
    expect(audit).toMatchObject({ actorId: ann.id, before: { displayName: 'Rita Removed', services: [{ status: 'CANCELLED', count: 1 }] } });

    const ritaBack = { displayName: 'Rita Back', email: 'Rita.Removed@demo.example', language: 'fr' } as const;
    const back = await addEmployee(db.prisma, ann, ritaBack, { requestKey: 'add-rita-back' });
    expect(back).toMatchObject({ ok: true, restored: true, repeated: false, employee: { id: rita.id, displayName: 'Rita Back', language: 'fr' } });
    // The same press again answers as the first did: brought back, not "taken" and not "added".
    expect(await addEmployee(db.prisma, ann, ritaBack, { requestKey: 'add-rita-back' })).toMatchObject({ ok: true, restored: true, repeated: true });
    expect(await audits('person.restored', rita.id)).toHaveLength(1);
  });

  test('the typed name finds employees only, never administrators or support', async () => {
    expect((await employeesNamedIn(db.prisma, ann, 'remove Jan Peeters')).map((person) => person.displayName)).toEqual(['Jan Peeters']);
    expect(await employeesNamedIn(db.prisma, ann, 'remove Sam Support')).toEqual([]);
  });
});
