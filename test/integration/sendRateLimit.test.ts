import type { Database } from '../../services/platform/db/database';
import { takeSendSlot, type RateLimit } from '../../services/notifications/sendRateLimit';
import { openTestDatabase } from '../support/database';

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

const conversation = (id: string): RateLimit => ({
  key: `teams:conversation:${id}`,
  windows: [
    { limit: 7, perMs: 1_000 },
    { limit: 8, perMs: 2_000 },
  ],
});
const tenant: RateLimit = { key: 'teams:tenant:t1', windows: [{ limit: 50, perMs: 1_000 }] };
const at = (ms: number) => new Date(Date.UTC(2026, 0, 5, 9, 0, 0) + ms);

test('seven a second and eight per two seconds in one conversation; the refusal says how long to wait', async () => {
  const limits = [conversation('a'), tenant];
  for (let i = 0; i < 7; i++) expect(await takeSendSlot(db.prisma, limits, at(i * 10))).toEqual({ taken: true });
  expect(await takeSendSlot(db.prisma, limits, at(100))).toEqual({ taken: false, retryAfterMs: 900 });

  // A second later the per-second window has room, but only one more fits in the two-second window.
  expect(await takeSendSlot(db.prisma, limits, at(1_000))).toEqual({ taken: true });
  expect(await takeSendSlot(db.prisma, limits, at(1_010))).toEqual({ taken: false, retryAfterMs: 990 });
  expect(await takeSendSlot(db.prisma, limits, at(2_000))).toEqual({ taken: true });
});

test('the tenant limit counts every conversation together', async () => {
  const key = (n: number) => [conversation(`t-${n}`), { ...tenant, key: 'teams:tenant:t2' }];
  for (let n = 0; n < 50; n++) expect(await takeSendSlot(db.prisma, key(n), at(10_000 + n))).toEqual({ taken: true });
  expect(await takeSendSlot(db.prisma, key(99), at(10_100))).toEqual({ taken: false, retryAfterMs: 900 });
});

test('senders asking at the same moment never get more than the limit between them', async () => {
  const results = await Promise.all(Array.from({ length: 20 }, () => takeSendSlot(db.prisma, [conversation('race')], at(20_000))));
  expect(results.filter((result) => result.taken)).toHaveLength(7);
});
