import crypto from 'node:crypto';
import type { Database } from '../../services/platform/db/database';
import {
  LinkPurpose,
  createAccessLink,
  findUsableLink,
  hashToken,
  newToken,
  redeemOneTimeLink,
} from '../../services/people/accessLinks';
import { recordActivationResult } from '../../services/lifecycle/activationResult';
import { resendActivationEmail } from '../../services/lifecycle/activation';
import {
  LINK_ATTEMPT_LIMIT,
  lockedActivationLinks,
  openActivationLink,
  startOnLink,
  submitOnLink,
} from '../../services/people/activationLinks';
import { demo, demoStockIccids, generatedDemoEmployees, other } from '../../prisma/demoData';
import { Role, ServiceStatus, SimState } from '../../prisma/generated/enums';
import { openTestDatabase } from '../support/database';

let db: Database;
let janId: string;
let annId: string;
const HOUR = 3_600_000;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  janId = (await db.prisma.person.findFirstOrThrow({ where: { email: demo.jan.email } })).id;
  annId = (await db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email } })).id;
});
afterAll(async () => {
  await db.close();
});

const activation = (personId = janId, ttlMs = HOUR) => createAccessLink(db.prisma, { purpose: LinkPurpose.ACTIVATION, personId, ttlMs });

test('a token carries at least 128 random bits and is URL-safe', () => {
  const tokens = Array.from({ length: 50 }, newToken);
  for (const token of tokens) {
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  }
  expect(new Set(tokens).size).toBe(tokens.length);
});

test('only the SHA-256 of the token is stored', async () => {
  const { token, expiresAt } = await activation();
  const rows = await db.sql.query<Record<string, unknown>>(`SELECT * FROM "AccessLink"`);
  const stored = JSON.stringify(rows);
  expect(stored).not.toContain(token);
  const expected = crypto.createHash('sha256').update(token).digest('hex');
  expect(hashToken(token)).toBe(expected);
  const row = await db.prisma.accessLink.findUniqueOrThrow({ where: { tokenHash: expected } });
  expect(row).toMatchObject({ personId: janId, purpose: 'ACTIVATION', usedAt: null, revokedAt: null, expiresAt });
});

test('a usable link is found with its person, for its own purpose only', async () => {
  const { token } = await activation();
  expect(await findUsableLink(db.prisma, token, LinkPurpose.ACTIVATION)).toMatchObject({ personId: janId, person: { email: demo.jan.email } });
  expect(await findUsableLink(db.prisma, token, LinkPurpose.ADMIN_SIGN_IN)).toBeNull();
});

test('expired, used, revoked, unknown and malformed tokens all give null', async () => {
  const expired = await activation(janId, HOUR);
  expect(await findUsableLink(db.prisma, expired.token, LinkPurpose.ACTIVATION, new Date(Date.now() + 2 * HOUR))).toBeNull();
  expect(await findUsableLink(db.prisma, expired.token, LinkPurpose.ACTIVATION, expired.expiresAt)).toBeNull();

  const used = await activation();
  expect(await redeemOneTimeLink(db.prisma, used.token, LinkPurpose.ACTIVATION)).not.toBeNull();
  expect(await findUsableLink(db.prisma, used.token, LinkPurpose.ACTIVATION)).toBeNull();
  expect(await redeemOneTimeLink(db.prisma, used.token, LinkPurpose.ACTIVATION)).toBeNull();

  const revoked = await activation(annId);
  await db.prisma.accessLink.update({ where: { tokenHash: hashToken(revoked.token) }, data: { revokedAt: new Date() } });
  expect(await findUsableLink(db.prisma, revoked.token, LinkPurpose.ACTIVATION)).toBeNull();

  expect(await findUsableLink(db.prisma, newToken(), LinkPurpose.ACTIVATION)).toBeNull();
  for (const malformed of ['', 'abc', `${used.token}x`, used.token.slice(1), `${used.token.slice(0, 42)}!`, '../../etc/passwd']) {
    expect(await findUsableLink(db.prisma, malformed, LinkPurpose.ACTIVATION)).toBeNull();
  }
});

test('under concurrency a one-time link is redeemed exactly once', async () => {
  for (let round = 0; round < 5; round += 1) {
    const { token } = await createAccessLink(db.prisma, { purpose: LinkPurpose.ADMIN_SIGN_IN, personId: annId, ttlMs: HOUR });
    const results = await Promise.all(Array.from({ length: 8 }, () => redeemOneTimeLink(db.prisma, token, LinkPurpose.ADMIN_SIGN_IN)));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const row = await db.prisma.accessLink.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
    expect(row.usedAt).not.toBeNull();
  }
});

describe('the personal activation link of a service', () => {
  let organisationId: string;
  let ann: Awaited<ReturnType<typeof person>>;
  let employee = 10;
  const person = (email: string) => db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });

  beforeAll(async () => {
    ann = await person(demo.ann.email);
    organisationId = ann.organisationId;
  });

  /** A new service of the next demo employee, in `status`, with its link; the administrator entered `iccid`, if given. */
  async function linkedService(status: ServiceStatus, order: { serviceTypeCode?: string; iccid?: string } = {}) {
    const user = await person(generatedDemoEmployees[employee++]!.email);
    const sim = order.iccid ? await db.prisma.simCard.update({ where: { iccid: order.iccid }, data: { state: SimState.ASSIGNED } }) : null;
    const service = await db.prisma.service.create({
      data: {
        organisationId, userId: user.id, createdById: ann.id, status, activationMethod: 'EMAIL', activationTiming: 'NOW',
        productTypeCode: order.serviceTypeCode === 'SM_UC_USER' ? 'DSTNY_SMARTMOBILE' : 'DSTNY_MOBILE',
        serviceTypeCode: order.serviceTypeCode ?? 'MOBILE',
        simCardId: sim?.id,
      },
    });
    const { token } = await createAccessLink(db.prisma, { purpose: LinkPurpose.ACTIVATION, personId: user.id, serviceId: service.id, ttlMs: HOUR });
    return { service, token };
  }

  const statusOf = async (id: string) => (await db.prisma.service.findUniqueOrThrow({ where: { id } })).status;

  test('stays usable through the activation and shows each state of its service', async () => {
    const { service, token } = await linkedService(ServiceStatus.WAITING_FOR_SIM);
    const entered = await submitOnLink(db.prisma, token, demoStockIccids[20]!, 'address-1');
    expect(entered).toMatchObject({ kind: 'answered', result: { ok: true, status: ServiceStatus.ACTIVATING } });
    expect((await openActivationLink(db.prisma, token))?.status).toBe(ServiceStatus.ACTIVATING);
    await recordActivationResult(db.prisma, service.id, { outcome: 'ACTIVE' });
    expect(await openActivationLink(db.prisma, token)).toMatchObject({ status: ServiceStatus.ACTIVE, hasSim: true, locked: false });
    expect(await findUsableLink(db.prisma, token, LinkPurpose.ACTIVATION)).toMatchObject({ usedAt: null, revokedAt: null });
  });

  test('acts only while its service waits for its user: a forwarded link of an active service takes no number and no Start', async () => {
    const { service, token } = await linkedService(ServiceStatus.ACTIVE, { iccid: demoStockIccids[21]! });
    expect(await submitOnLink(db.prisma, token, '8932 1001', 'address-2')).toMatchObject({ kind: 'not-waiting' });
    expect(await submitOnLink(db.prisma, token, demoStockIccids[22]!, 'address-2')).toMatchObject({ kind: 'not-waiting' });
    expect(await startOnLink(db.prisma, token)).toMatchObject({ kind: 'pressed' });
    expect(await statusOf(service.id)).toBe(ServiceStatus.ACTIVE);
    expect(await db.prisma.accessLink.findFirstOrThrow({ where: { serviceId: service.id } })).toMatchObject({ failedAttempts: 0 });
    expect(await db.prisma.attemptWindow.aggregate({ _sum: { count: true } })).toEqual({ _sum: { count: 0 } });
  });

  test('a service whose SIM card the administrator entered starts with Start, pressed once; its link takes no number', async () => {
    const { service, token } = await linkedService(ServiceStatus.READY, { iccid: demoStockIccids[23]! });
    expect(await submitOnLink(db.prisma, token, demoStockIccids[23]!, 'address-3')).toMatchObject({ kind: 'not-waiting' });
    expect(await statusOf(service.id)).toBe(ServiceStatus.READY);
    const pressed = await Promise.all([startOnLink(db.prisma, token), startOnLink(db.prisma, token)]);
    expect(pressed.map((press) => press.kind)).toEqual(['pressed', 'pressed']);
    expect(await statusOf(service.id)).toBe(ServiceStatus.ACTIVATING);
    expect(await db.prisma.serviceEvent.count({ where: { serviceId: service.id, kind: 'activation_confirmed' } })).toBe(1);
  });

  test('a UC user\'s service, which has no SIM card, starts from its link', async () => {
    const { service, token } = await linkedService(ServiceStatus.READY, { serviceTypeCode: 'SM_UC_USER' });
    expect(await openActivationLink(db.prisma, token)).toMatchObject({ status: ServiceStatus.READY, hasSim: false });
    await startOnLink(db.prisma, token);
    expect(await statusOf(service.id)).toBe(ServiceStatus.ACTIVATING);
  });

  test('says how many tries are left, locks at the last wrong number, and tells the organisation\'s administrators once', async () => {
    const second = await db.prisma.person.create({
      data: { organisationId, role: Role.ADMINISTRATOR, email: 'second.admin@demo.example', displayName: 'Second Admin' },
    });
    const { service, token } = await linkedService(ServiceStatus.WAITING_FOR_SIM);
    const answers = [];
    for (let attempt = 1; attempt <= LINK_ATTEMPT_LIMIT; attempt++) answers.push(await submitOnLink(db.prisma, token, '8932 1001', 'address-4'));
    expect(answers.map((answer) => (answer.kind === 'answered' ? answer.triesLeft ?? '-' : answer.kind))).toEqual(['-', '-', '-', '-', '-', '-', '-', 2, 1, 'locked']);
    expect(await lockedActivationLinks(db.prisma, organisationId)).toEqual([service.id]);

    const told = () => db.prisma.notification.findMany({ where: { kind: 'activation.linkLocked', serviceId: service.id }, orderBy: { recipientId: 'asc' } });
    const recipients = [ann.id, second.id].sort();
    expect((await told()).map((notice) => [notice.recipientId, (notice.payload as { audience: string }).audience])).toEqual(recipients.map((id) => [id, 'administrator']));
    // The locked link answers every number alike, and nobody is told twice.
    expect(await submitOnLink(db.prisma, token, demoStockIccids[24]!, 'address-4')).toMatchObject({ kind: 'locked' });
    expect(await startOnLink(db.prisma, token)).toMatchObject({ kind: 'locked' });
    expect(await told()).toHaveLength(2);
    expect(await statusOf(service.id)).toBe(ServiceStatus.WAITING_FOR_SIM);
    // Another organisation's administrator sees nothing of it.
    const olga = await person(other.olga.email);
    expect(await lockedActivationLinks(db.prisma, olga.organisationId)).toEqual([]);

    // The administrator sends a new email: its link is the latest, and it is not locked.
    await resendActivationEmail(db.prisma, ann, service.id);
    expect(await lockedActivationLinks(db.prisma, organisationId)).toEqual([]);
  });
});
