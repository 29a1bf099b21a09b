import crypto from 'node:crypto';
import type { Database } from '../../services/db/database';
import {
  LinkPurpose,
  createAccessLink,
  findUsableLink,
  hashToken,
  newToken,
  redeemOneTimeLink,
  revokeLinks,
} from '../../services/accessLinks';
import { demo } from '../../prisma/demoData';
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
  expect(await revokeLinks(db.prisma, { personId: annId, purpose: LinkPurpose.ACTIVATION })).toBe(1);
  expect(await findUsableLink(db.prisma, revoked.token, LinkPurpose.ACTIVATION)).toBeNull();

  expect(await findUsableLink(db.prisma, newToken(), LinkPurpose.ACTIVATION)).toBeNull();
  for (const malformed of ['', 'abc', `${used.token}x`, used.token.slice(1), `${used.token.slice(0, 42)}!`, '../../etc/passwd']) {
    expect(await findUsableLink(db.prisma, malformed, LinkPurpose.ACTIVATION)).toBeNull();
  }
});

test('revoking leaves used links and other people alone', async () => {
  const janLink = await activation(janId);
  const annLink = await activation(annId);
  await revokeLinks(db.prisma, { personId: annId, purpose: LinkPurpose.ACTIVATION });
  expect(await findUsableLink(db.prisma, janLink.token, LinkPurpose.ACTIVATION)).not.toBeNull();
  expect(await findUsableLink(db.prisma, annLink.token, LinkPurpose.ACTIVATION)).toBeNull();
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
