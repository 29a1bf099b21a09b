import { PrismaStorage, StorageConflictError } from '../../bot/storage';
import type { Database } from '../../services/platform/db/database';
import { openTestDatabase } from '../support/database';

let db: Database;

beforeAll(async () => {
  db = await openTestDatabase();
});

afterAll(async () => {
  await db.close();
});

test('what is written is read back as JSON, with an eTag', async () => {
  const storage = new PrismaStorage(db.prisma);
  await storage.write({ 'roundtrip/a': { welcomed: true, stack: [{ id: 'x', n: 2 }], at: new Date('2026-01-02T03:04:05Z') } });

  const items = await storage.read(['roundtrip/a', 'roundtrip/missing']);

  expect(items['roundtrip/a']).toEqual({
    welcomed: true,
    stack: [{ id: 'x', n: 2 }],
    at: '2026-01-02T03:04:05.000Z',
    eTag: expect.any(String),
  });
  expect(items).not.toHaveProperty('roundtrip/missing');
});

test('a write with a stale eTag is refused; "*" or no eTag always wins', async () => {
  const storage = new PrismaStorage(db.prisma);
  await storage.write({ 'etag/a': { count: 1 } });
  const first = (await storage.read(['etag/a']))['etag/a'];
  const second = (await storage.read(['etag/a']))['etag/a'];

  await storage.write({ 'etag/a': { ...first, count: 2 } });
  await expect(storage.write({ 'etag/a': { ...second, count: 3 } })).rejects.toBeInstanceOf(StorageConflictError);
  expect((await storage.read(['etag/a']))['etag/a']).toMatchObject({ count: 2 });

  await storage.write({ 'etag/a': { count: 4, eTag: '*' } });
  expect((await storage.read(['etag/a']))['etag/a']).toMatchObject({ count: 4 });
  await storage.write({ 'etag/a': { count: 5 } });
  expect((await storage.read(['etag/a']))['etag/a']).toMatchObject({ count: 5 });
});

test('only one of two concurrent writes with the same eTag succeeds', async () => {
  const storage = new PrismaStorage(db.prisma);
  await storage.write({ 'etag/b': { turn: 0 } });
  const item = (await storage.read(['etag/b']))['etag/b'];

  const results = await Promise.allSettled([
    storage.write({ 'etag/b': { ...item, turn: 1 } }),
    storage.write({ 'etag/b': { ...item, turn: 2 } }),
  ]);

  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
});

test('deleted items are gone, and deleting a missing key is fine', async () => {
  const storage = new PrismaStorage(db.prisma);
  await storage.write({ 'delete/a': { x: 1 }, 'delete/b': { x: 2 } });

  await storage.delete(['delete/a', 'delete/never-written']);

  const items = await storage.read(['delete/a', 'delete/b']);
  expect(Object.keys(items)).toEqual(['delete/b']);
});

test('a new Storage on the same database (a restart) sees what the previous one wrote', async () => {
  await new PrismaStorage(db.prisma).write({ 'restart/conversation': { dialogStack: [{ id: 'activateSim' }] } });

  const afterRestart = new PrismaStorage(db.prisma);

  expect((await afterRestart.read(['restart/conversation']))['restart/conversation']).toMatchObject({
    dialogStack: [{ id: 'activateSim' }],
  });
});
