import type { Database } from '../../services/platform/db/database';
import { AccessDenied, Role, canSeeOrganisation, recognise, refuse, requireRole, type Actor } from '../../services/people/people';
import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, other } from '../../prisma/demoData';
import { openTestDatabase } from '../support/database';

let db: Database;
let demoOrgId: string;
let otherOrgId: string;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  demoOrgId = (await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } })).id;
  otherOrgId = (await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: OTHER_TENANT_ID } })).id;
});
afterAll(async () => {
  await db.close();
});

async function actor(tenantId: string, aadObjectId: string): Promise<Actor> {
  const result = await recognise(db.prisma, { kind: 'aad', tenantId, aadObjectId });
  if (result.status !== 'known') throw new Error(`expected a known person, got ${result.status}`);
  return result.actor;
}

describe('recognise', () => {
  test.each([
    ['administrator', demo.ann, 'ADMINISTRATOR'],
    ['support agent', demo.sam, 'SUPPORT'],
    ['user', demo.jan, 'USER'],
  ])('knows the demo %s', async (_label, person, role) => {
    const found = await actor(DEMO_TENANT_ID, person.aadObjectId);
    expect(found).toMatchObject({ email: person.email, role, organisation: { tenantId: DEMO_TENANT_ID, name: 'Demo Company NV' } });
  });

  test('tenant and object ids are compared without regard to case', async () => {
    const found = await actor(DEMO_TENANT_ID.toUpperCase(), demo.ann.aadObjectId.toUpperCase());
    expect(found.email).toBe(demo.ann.email);
  });

  test('an unknown tenant is an unknown organisation, even with a known object id', async () => {
    expect(await recognise(db.prisma, { kind: 'aad', tenantId: 'de300000-0000-4000-8000-0000000000ee', aadObjectId: demo.ann.aadObjectId }))
      .toEqual({ status: 'unknown-organisation' });
  });

  test('a person of one organisation is not found through the other tenant', async () => {
    const result = await recognise(db.prisma, { kind: 'aad', tenantId: OTHER_TENANT_ID, aadObjectId: demo.jan.aadObjectId });
    expect(result).toMatchObject({ status: 'unknown-person', organisation: { tenantId: OTHER_TENANT_ID } });
  });

  test('an unknown person in a known tenant gets the administrators to ask', async () => {
    const result = await recognise(db.prisma, { kind: 'aad', tenantId: DEMO_TENANT_ID, aadObjectId: 'ffffffff-0000-4000-8000-000000000000' });
    expect(result).toEqual({
      status: 'unknown-person',
      organisation: expect.objectContaining({ id: demoOrgId }),
      administrators: [{ displayName: 'Ann Admin', email: demo.ann.email }],
    });
  });

  test("the 'person' identity of a web chat leads to that person; an unknown id is anonymous", async () => {
    const luc = await actor(DEMO_TENANT_ID, demo.luc.aadObjectId);
    const result = await recognise(db.prisma, { kind: 'person', personId: luc.id });
    expect(result).toMatchObject({ status: 'known', actor: { id: luc.id, organisation: { id: demoOrgId } } });
    expect(await recognise(db.prisma, { kind: 'person', personId: '00000000-0000-4000-8000-000000000000' })).toEqual({ status: 'anonymous' });
  });

  test('anonymous stays anonymous, and malformed identities are refused', async () => {
    expect(await recognise(db.prisma, { kind: 'anonymous' })).toEqual({ status: 'anonymous' });
    await expect(recognise(db.prisma, { kind: 'person', personId: 'not-a-uuid' })).rejects.toThrow();
    await expect(recognise(db.prisma, { kind: 'aad', tenantId: ' ', aadObjectId: demo.ann.aadObjectId })).rejects.toThrow();
  });
});

describe('requireRole', () => {
  test('lets listed roles through and names the needed ones otherwise', async () => {
    const ann = await actor(DEMO_TENANT_ID, demo.ann.aadObjectId);
    const jan = await actor(DEMO_TENANT_ID, demo.jan.aadObjectId);
    expect(() => requireRole(ann, Role.ADMINISTRATOR)).not.toThrow();
    expect(() => requireRole(ann, Role.SUPPORT, Role.ADMINISTRATOR)).not.toThrow();
    expect(() => requireRole(jan, Role.ADMINISTRATOR, Role.SUPPORT)).toThrow(AccessDenied);
    expect(() => requireRole(jan, Role.ADMINISTRATOR, Role.SUPPORT)).toThrow('role USER may not do this (needs ADMINISTRATOR or SUPPORT)');
  });
});

describe('canSeeOrganisation', () => {
  test('an administrator sees their own organisation only', async () => {
    const ann = await actor(DEMO_TENANT_ID, demo.ann.aadObjectId);
    const olga = await actor(OTHER_TENANT_ID, other.olga.aadObjectId);
    expect(await canSeeOrganisation(db.prisma, ann, demoOrgId)).toBe(true);
    expect(await canSeeOrganisation(db.prisma, ann, otherOrgId)).toBe(false);
    expect(await canSeeOrganisation(db.prisma, olga, otherOrgId)).toBe(true);
    expect(await canSeeOrganisation(db.prisma, olga, demoOrgId)).toBe(false);
  });

  test('a user does not see organisation data, not even their own', async () => {
    const jan = await actor(DEMO_TENANT_ID, demo.jan.aadObjectId);
    expect(await canSeeOrganisation(db.prisma, jan, demoOrgId)).toBe(false);
  });

  test('support sees the organisations in its scope, and another one once it is added', async () => {
    const sam = await actor(DEMO_TENANT_ID, demo.sam.aadObjectId);
    expect(await canSeeOrganisation(db.prisma, sam, demoOrgId)).toBe(true);
    expect(await canSeeOrganisation(db.prisma, sam, otherOrgId)).toBe(false);
    await db.prisma.supportScope.create({ data: { personId: sam.id, organisationId: otherOrgId } });
    expect(await canSeeOrganisation(db.prisma, sam, otherOrgId)).toBe(true);
    await db.prisma.supportScope.delete({ where: { personId_organisationId: { personId: sam.id, organisationId: otherOrgId } } });
  });
});

describe('refuse', () => {
  test('throws AccessDenied with the reason, after writing the audit event with the reason and the role', async () => {
    const jan = await actor(DEMO_TENANT_ID, demo.jan.aadObjectId);
    const subjectId = '00000000-0000-4000-8000-0000000000aa';
    await expect(refuse(db.prisma, jan, { action: 'test.denied', subjectType: 'Service', subjectId, reason: 'a user may not do this' }))
      .rejects.toThrow(new AccessDenied('a user may not do this'));
    expect(await db.prisma.auditEvent.findMany({ where: { action: 'test.denied' } })).toMatchObject([
      { organisationId: demoOrgId, actorId: jan.id, subjectType: 'Service', subjectId, after: { reason: 'a user may not do this', role: 'USER' } },
    ]);
  });

  test('a forged subject (control characters, NUL, a huge string) is audited shortened and cleaned, still refused', async () => {
    const jan = await actor(DEMO_TENANT_ID, demo.jan.aadObjectId);
    const forged = `org\u0000\u0007-${'x'.repeat(500)}`;
    await expect(refuse(db.prisma, jan, { action: 'test.forged', subjectType: 'Organisation', subjectId: forged, reason: 'no such organisation' }))
      .rejects.toThrow(AccessDenied);
    const [event] = await db.prisma.auditEvent.findMany({ where: { action: 'test.forged' } });
    expect(event!.subjectId).toBe(`org-${'x'.repeat(196)}`);
  });
});
