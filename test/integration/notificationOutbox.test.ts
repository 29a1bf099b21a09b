import fc from 'fast-check';
import type { Database } from '../../services/platform/db/database';
import {
  deliverDueNotifications,
  queueNotification,
  queueNotifications,
  type DeliverNotification,
  type OutboxNotification,
} from '../../services/notifications/notificationOutbox';
import { httpStatusError } from '../../services/platform/retry';
import { openTestDatabase } from '../support/database';
import { moveRows } from '../support/rowMoves';
import { openSharedDatabase } from '../support/sharedDatabase';
import { gate, waitFor } from '../support/waitFor';

let db: Database;
let organisationId: string;
let recipients: string[];

beforeAll(async () => {
  db = await openTestDatabase();
  const organisation = await db.prisma.organisation.create({ data: { name: 'Outbox Test NV', tenantId: 'outbox-test-tenant' } });
  organisationId = organisation.id;
  recipients = [];
  for (let i = 0; i < 10; i++) {
    const person = await db.prisma.person.create({
      data: { organisationId, role: 'USER', email: `person${i}@outbox.example`, displayName: `Person ${i}` },
    });
    recipients.push(person.id);
  }
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  await db.prisma.notification.deleteMany();
});

const T = () => new Date(Date.now() + 1_000); // later than any row's creation, so everything written is due
const at = (base: Date, plusMs: number) => new Date(base.getTime() + plusMs);
const quickBackoff = { baseMs: 10, capMs: 10 };

function queue(key: string, recipient = recipients[0]!, client: Parameters<typeof queueNotification>[0] = db.prisma) {
  return queueNotification(client, { idempotencyKey: key, recipientId: recipient, kind: 'activation.completed', audience: 'user', payload: { key } });
}

const row = (key: string) => db.prisma.notification.findUniqueOrThrow({ where: { idempotencyKey: key } });

/** A delivery function that records what it was given and answers as `answer` says. */
function recorder(answer: (n: OutboxNotification) => Promise<{ via: string }> = async () => ({ via: 'test' })) {
  const calls: OutboxNotification[] = [];
  const deliver: DeliverNotification = (n) => {
    calls.push(n);
    return answer(n);
  };
  return { calls, deliver };
}

test('each due notification is delivered once and marked DELIVERED with channel and time', async () => {
  await queue('a', recipients[0]);
  await queue('b', recipients[1]);
  await queue('c', recipients[1]);
  const { calls, deliver } = recorder();
  const now = T();

  expect(await deliverDueNotifications(db.prisma, deliver, { now })).toEqual({ claimed: 3, delivered: 3, retrying: 0, dead: 0 });
  expect(await deliverDueNotifications(db.prisma, deliver, { now: at(now, 3_600_000) })).toMatchObject({ claimed: 0 });

  expect(calls.map((c) => c.idempotencyKey).sort()).toEqual(['a', 'b', 'c']);
  expect(calls.find((c) => c.idempotencyKey === 'a')).toMatchObject({
    recipientId: recipients[0],
    serviceId: null,
    kind: 'activation.completed',
    payload: { key: 'a', audience: 'user' },
    attempt: 1,
  });
  expect(await row('b')).toMatchObject({ state: 'DELIVERED', deliveredVia: 'test', deliveredAt: now, attempts: 1, lastError: null });
});

test('one recipient’s notifications go out one at a time, in the order written', async () => {
  const keys = ['first', 'second', 'third', 'fourth'];
  for (const [i, key] of keys.entries()) {
    await queue(key);
    await db.prisma.notification.update({ where: { idempotencyKey: key }, data: { createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) } });
  }
  let inFlight = 0;
  let mostInFlight = 0;
  const { calls, deliver } = recorder(async () => {
    mostInFlight = Math.max(mostInFlight, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight--;
    return { via: 'test' };
  });
  await deliverDueNotifications(db.prisma, deliver, { now: T() });
  expect(calls.map((c) => c.idempotencyKey)).toEqual(keys);
  expect(mostInFlight).toBe(1);
});

test('a 429 with Retry-After is tried again no sooner than asked, then delivered once', async () => {
  await queue('limited');
  let answered429 = false;
  const { calls, deliver } = recorder(async () => {
    if (answered429) return { via: 'teams' };
    answered429 = true;
    throw httpStatusError(429, '30');
  });
  const now = T();

  expect(await deliverDueNotifications(db.prisma, deliver, { now, backoff: quickBackoff })).toMatchObject({ retrying: 1 });
  expect(await row('limited')).toMatchObject({ state: 'PENDING', attempts: 1, nextAttemptAt: at(now, 30_000), lastError: 'RetryableError: HTTP 429' });

  expect(await deliverDueNotifications(db.prisma, deliver, { now: at(now, 29_999) })).toMatchObject({ claimed: 0 });
  expect(await deliverDueNotifications(db.prisma, deliver, { now: at(now, 30_000) })).toMatchObject({ delivered: 1 });
  expect(calls).toHaveLength(2);
  expect(calls[1]?.attempt).toBe(2);
  expect(await row('limited')).toMatchObject({ state: 'DELIVERED', deliveredVia: 'teams', deliveredAt: at(now, 30_000), lastError: null });
});

test('500 on every try: retried with growing waits, then DEAD and visible with its last error', async () => {
  await queue('broken');
  const { calls, deliver } = recorder(async () => Promise.reject(httpStatusError(500)));
  let now = T();
  const options = { maxAttempts: 4, backoff: { baseMs: 1_000, capMs: 60_000 } };

  for (let attempt = 1; attempt <= 3; attempt++) {
    expect(await deliverDueNotifications(db.prisma, deliver, { ...options, now })).toMatchObject({ retrying: 1 });
    const pending = await row('broken');
    expect(pending).toMatchObject({ state: 'PENDING', attempts: attempt, lastError: 'RetryableError: HTTP 500' });
    const wait = pending.nextAttemptAt.getTime() - now.getTime();
    expect(wait).toBeGreaterThanOrEqual(0);
    expect(wait).toBeLessThan(1_000 * 2 ** (attempt - 1));
    now = pending.nextAttemptAt;
  }
  expect(await deliverDueNotifications(db.prisma, deliver, { ...options, now })).toMatchObject({ dead: 1 });
  expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
  expect(await deliverDueNotifications(db.prisma, deliver, { ...options, now: at(now, 86_400_000) })).toMatchObject({ claimed: 0 });

  // What the administrator's card will read: the recipient's undeliverable notifications.
  const dead = await db.prisma.notification.findMany({ where: { recipientId: recipients[0], state: 'DEAD' } });
  expect(dead).toMatchObject([{ idempotencyKey: 'broken', attempts: 4, lastError: 'RetryableError: HTTP 500', deliveredAt: null }]);
});

test('a permanent error is DEAD at once; an unknown error is retried', async () => {
  await queue('forbidden', recipients[0]);
  await queue('reset', recipients[1]);
  const { deliver } = recorder(async (n) => {
    throw n.idempotencyKey === 'forbidden' ? httpStatusError(403) : new Error('read ECONNRESET');
  });
  expect(await deliverDueNotifications(db.prisma, deliver, { now: T() })).toMatchObject({ dead: 1, retrying: 1 });
  expect(await row('forbidden')).toMatchObject({ state: 'DEAD', attempts: 1, lastError: 'PermanentError: HTTP 403' });
  expect(await row('reset')).toMatchObject({ state: 'PENDING', attempts: 1, lastError: 'Error: read ECONNRESET' });
});

test('a claimed notification is leased: a deliverer that stalls past the lease is replaced and its late outcome ignored', async () => {
  await queue('stalled');
  const held = gate();
  const now = T();
  const stalled = recorder(async () => held.opened.then(() => ({ via: 'late' })));
  const stalledRun = deliverDueNotifications(db.prisma, stalled.deliver, { now, leaseMs: 60_000 });
  try {
    const other = recorder();
    await waitFor('the first deliverer to hold its claim', async () => stalled.calls.length > 0);
    expect(await deliverDueNotifications(db.prisma, other.deliver, { now: at(now, 59_999) })).toMatchObject({ claimed: 0 });
    expect(await deliverDueNotifications(db.prisma, other.deliver, { now: at(now, 60_000) })).toMatchObject({ delivered: 1 });
    expect(other.calls[0]?.attempt).toBe(2);
  } finally {
    held.open();
  }
  expect(await stalledRun).toEqual({ claimed: 1, delivered: 0, retrying: 0, dead: 0 });
  expect(await row('stalled')).toMatchObject({ state: 'DELIVERED', deliveredVia: 'test', attempts: 2 });
});

test('a notification whose last try was interrupted goes DEAD without another try', async () => {
  await queue('interrupted');
  await db.prisma.notification.update({ where: { idempotencyKey: 'interrupted' }, data: { attempts: 3 } });
  const { calls, deliver } = recorder();
  expect(await deliverDueNotifications(db.prisma, deliver, { now: T(), maxAttempts: 3 })).toMatchObject({ dead: 1 });
  expect(calls).toEqual([]);
  expect(await row('interrupted')).toMatchObject({ state: 'DEAD', lastError: 'the deliverer stopped during the last try' });
});

test('queueNotification: the same key twice gives one row; a rolled-back transaction gives none', async () => {
  expect(await queue('once')).toBe(true);
  expect(await queue('once')).toBe(false);
  const inTransaction = await db.prisma.$transaction(async (tx) => [await queue('once', recipients[0], tx), await queue('twice', recipients[0], tx)]);
  expect(inTransaction).toEqual([false, true]);
  await expect(
    db.prisma.$transaction(async (tx) => {
      await queue('never', recipients[0], tx);
      throw new Error('state change refused');
    }),
  ).rejects.toThrow('state change refused');
  expect((await db.prisma.notification.findMany({ orderBy: { idempotencyKey: 'asc' } })).map((n) => n.idempotencyKey)).toEqual(['once', 'twice']);
});

test('two deliverers on two connections to one database deliver each notification once', async () => {
  // On PGlite there is one connection per process, so both share it; on PostgreSQL each has its own pool.
  const serverUrl = process.env.DATABASE_URL;
  const shared = serverUrl ? await openSharedDatabase(serverUrl, 2) : undefined;
  const first = shared?.pools[0] ?? db;
  const second = shared?.pools[1] ?? db;
  try {
    let people = recipients;
    if (shared) {
      const organisation = await first.prisma.organisation.create({ data: { name: 'Outbox Test NV', tenantId: 'outbox-test-tenant' } });
      people = [];
      for (let i = 0; i < 10; i++) {
        const person = await first.prisma.person.create({
          data: { organisationId: organisation.id, role: 'USER', email: `person${i}@outbox.example`, displayName: `Person ${i}` },
        });
        people.push(person.id);
      }
    }
    const total = 300;
    for (let i = 0; i < total; i++) await queue(`bulk-${i}`, people[i % people.length], first.prisma);

    const deliveries = new Map<string, string[]>();
    const deliverer = (name: string): DeliverNotification => async (n) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      deliveries.set(n.idempotencyKey, [...(deliveries.get(n.idempotencyKey) ?? []), name]);
      return { via: name };
    };
    const drain = async (database: Database, name: string) => {
      let delivered = 0;
      for (;;) {
        const report = await deliverDueNotifications(database.prisma, deliverer(name), { batch: 20, now: T() });
        if (report.claimed === 0) return delivered;
        delivered += report.delivered;
      }
    };

    const [byFirst, bySecond] = await Promise.all([drain(first, 'first'), drain(second, 'second')]);

    expect(byFirst + bySecond).toBe(total);
    expect(byFirst).toBeGreaterThan(0);
    expect(bySecond).toBeGreaterThan(0);
    expect(deliveries.size).toBe(total);
    expect([...deliveries.entries()].filter(([, by]) => by.length !== 1)).toEqual([]);
    expect(await first.prisma.notification.count({ where: { state: 'DELIVERED', attempts: 1 } })).toBe(total);
  } finally {
    await shared?.close();
  }
});

test('notifications written together, sharing their creation time, go out in the order they were written', async () => {
  // A bulk operation or a lifecycle step writes many updates at once, with one creation time.
  const keys = Array.from({ length: 30 }, (_, i) => `update-${String(i).padStart(2, '0')}`);
  await queueNotifications(db.prisma, keys.map((key) => ({ idempotencyKey: key, recipientId: recipients[0]!, kind: 'activation.completed', audience: 'user' as const, payload: { key } })));
  expect(new Set((await db.prisma.notification.findMany()).map((n) => n.createdAt.getTime())).size).toBe(1);
  const firstHalf = await db.prisma.notification.findMany({ where: { idempotencyKey: { in: keys.slice(0, 15) } }, select: { id: true } });
  await moveRows(db.prisma, 'Notification', 'nextAttemptAt', firstHalf.map((row) => row.id));

  const { calls, deliver } = recorder();
  for (let batch = 0; batch < keys.length / 5; batch++) await deliverDueNotifications(db.prisma, deliver, { batch: 5, perRecipient: 5, now: T() });

  expect(calls.map((n) => n.idempotencyKey)).toEqual(keys);
});

test('whatever the writes, rewrites and batch sizes, each person receives their notifications once, in the order written', async () => {
  type Step =
    | { op: 'write'; person: number; count: number; together: boolean }
    | { op: 'rewrite'; person: number }
    | { op: 'deliver'; batch: number; perRecipient: number };
  const person = fc.nat({ max: 3 });
  const steps = fc.array(
    fc.oneof(
      fc.record({ op: fc.constant('write' as const), person, count: fc.integer({ min: 1, max: 8 }), together: fc.boolean() }),
      fc.record({ op: fc.constant('rewrite' as const), person }),
      fc.record({ op: fc.constant('deliver' as const), batch: fc.integer({ min: 1, max: 10 }), perRecipient: fc.integer({ min: 1, max: 5 }) }),
    ),
    { minLength: 3, maxLength: 16 },
  );

  await fc.assert(
    fc.asyncProperty(steps, async (run: Step[]) => {
      await db.prisma.notification.deleteMany();
      const written: string[][] = [[], [], [], []];
      const { calls, deliver } = recorder();
      let next = 0;
      for (const step of run) {
        if (step.op === 'write') {
          const keys = Array.from({ length: step.count }, () => `person${step.person}-${next++}`);
          const recipientId = recipients[step.person]!;
          if (step.together) await queueNotifications(db.prisma, keys.map((key) => ({ idempotencyKey: key, recipientId, kind: 'activation.completed', audience: 'user' as const, payload: { key } })));
          else for (const key of keys) await queue(key, recipientId);
          written[step.person]!.push(...keys);
        } else if (step.op === 'rewrite') {
          const pending = await db.prisma.notification.findMany({ where: { state: 'PENDING', recipientId: recipients[step.person] }, select: { id: true } });
          await moveRows(db.prisma, 'Notification', 'nextAttemptAt', pending.map((row) => row.id));
        } else {
          await deliverDueNotifications(db.prisma, deliver, { batch: step.batch, perRecipient: step.perRecipient, now: T() });
        }
      }
      // Whatever is left, until nothing is.
      for (let report = { claimed: 1 }; report.claimed > 0; ) report = await deliverDueNotifications(db.prisma, deliver, { batch: 10, perRecipient: 5, now: T() });

      for (const [index, keys] of written.entries()) {
        expect(calls.filter((call) => call.recipientId === recipients[index]).map((call) => call.idempotencyKey)).toEqual(keys);
      }
    }),
    { numRuns: 30, seed: Number(process.env.OUTBOX_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
  );
});

test("a flood to one recipient takes only part of a batch: the others' notifications go in the same batch", async () => {
  for (let i = 0; i < 30; i++) await queue(`flood-${i}`, recipients[0]);
  await queue('other-1', recipients[1]);
  await queue('other-2', recipients[2]);
  const { calls, deliver } = recorder();
  const report = await deliverDueNotifications(db.prisma, deliver, { batch: 20, perRecipient: 5, now: T() });
  expect(report).toMatchObject({ claimed: 7, delivered: 7 });
  expect(calls.filter((n) => n.recipientId === recipients[0]).map((n) => n.idempotencyKey)).toEqual(['flood-0', 'flood-1', 'flood-2', 'flood-3', 'flood-4']);
  expect(calls.map((n) => n.idempotencyKey)).toEqual(expect.arrayContaining(['other-1', 'other-2']));
  // The rest of the flood follows, in order, in the next batches.
  const next = recorder();
  await deliverDueNotifications(db.prisma, next.deliver, { batch: 20, perRecipient: 5, now: T() });
  expect(next.calls.map((n) => n.idempotencyKey)).toEqual(['flood-5', 'flood-6', 'flood-7', 'flood-8', 'flood-9']);
});
