import { z } from 'zod';
import type { Database } from '../../services/platform/db/database';
import { JobWorker, enqueue, jobHandler, type JobContext, type JobWorkerOptions } from '../../services/platform/jobQueue';
import { PermanentError, RetryableError } from '../../services/platform/retry';
import { openTestDatabase } from '../support/database';
import { openSharedDatabase } from '../support/sharedDatabase';
import { gate, waitFor } from '../support/waitFor';

let db: Database;

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  await db.prisma.job.deleteMany();
});

const echoSchema = z.object({ n: z.number().int() });

function worker(options: Partial<JobWorkerOptions> & Pick<JobWorkerOptions, 'handlers'>): JobWorker {
  return new JobWorker({ db: db.prisma, workerId: 'worker-a', pollIntervalMs: 20, lockMs: 60_000, maxAttempts: 3, ...options });
}

const job = (id: string) => db.prisma.job.findUniqueOrThrow({ where: { id } });

/** Makes a rescheduled job due now, as if its backoff had elapsed. */
const letTimePass = (id: string) => db.prisma.job.update({ where: { id }, data: { runAt: new Date(Date.now() - 1_000) } });

test('enqueued jobs run once with their payload and end DONE', async () => {
  const seen: Array<{ n: number; job: JobContext }> = [];
  const w = worker({ handlers: { echo: jobHandler(echoSchema, async (payload, ctx) => void seen.push({ n: payload.n, job: ctx })) } });
  const ids = [];
  for (const n of [1, 2, 3]) ids.push((await enqueue(db.prisma, { kind: 'echo', payload: { n } })).id);

  expect(await w.runDue()).toBe(3);
  expect(await w.runDue()).toBe(0);

  expect(seen.map((s) => s.n).sort()).toEqual([1, 2, 3]);
  expect(seen[0]?.job).toMatchObject({ kind: 'echo', attempt: 1, workerId: 'worker-a' });
  for (const id of ids) {
    expect(await job(id)).toMatchObject({ state: 'DONE', attempts: 1, lockedBy: 'worker-a', lockedUntil: null, lastError: null });
  }
});

test('a job waits for its runAt', async () => {
  const w = worker({ handlers: { echo: jobHandler(echoSchema, async () => undefined) } });
  const { id } = await enqueue(db.prisma, { kind: 'echo', payload: { n: 1 }, runAt: new Date(Date.now() + 3_600_000) });
  expect(await w.runDue()).toBe(0);
  await letTimePass(id);
  expect(await w.runDue()).toBe(1);
});

test('a singleton key makes enqueue idempotent', async () => {
  let runs = 0;
  const w = worker({ handlers: { remind: jobHandler(z.object({}), async () => void runs++) } });
  const first = await enqueue(db.prisma, { kind: 'remind', payload: {}, singletonKey: 'remind:service-1' });
  const second = await enqueue(db.prisma, { kind: 'remind', payload: {}, singletonKey: 'remind:service-1' });
  expect(first.created).toBe(true);
  expect(second).toEqual({ id: first.id, created: false });
  expect(await db.prisma.job.count()).toBe(1);
  expect(await w.runDue()).toBe(1);
  expect(runs).toBe(1);
});

test('a duplicate singleton inside a transaction does not abort it', async () => {
  await enqueue(db.prisma, { kind: 'remind', payload: {}, singletonKey: 'remind:service-2' });
  const result = await db.prisma.$transaction(async (tx) => {
    const again = await enqueue(tx, { kind: 'remind', payload: {}, singletonKey: 'remind:service-2' });
    const other = await enqueue(tx, { kind: 'remind', payload: {}, singletonKey: 'remind:service-3' });
    return [again.created, other.created];
  });
  expect(result).toEqual([false, true]);
  expect(await db.prisma.job.count()).toBe(2);
});

test('a job enqueued in a rolled-back transaction never exists; a committed one does', async () => {
  let runs = 0;
  const w = worker({ handlers: { echo: jobHandler(echoSchema, async () => void runs++) } });
  await expect(
    db.prisma.$transaction(async (tx) => {
      await enqueue(tx, { kind: 'echo', payload: { n: 1 } });
      throw new Error('state change refused');
    }),
  ).rejects.toThrow('state change refused');
  expect(await w.runDue()).toBe(0);
  expect(await db.prisma.job.count()).toBe(0);

  await db.prisma.$transaction(async (tx) => {
    await enqueue(tx, { kind: 'echo', payload: { n: 2 } });
  });
  expect(await w.runDue()).toBe(1);
  expect(runs).toBe(1);
});

test('a failing job is retried with backoff, then FAILED after maxAttempts with a masked lastError', async () => {
  const attempts: number[] = [];
  const w = worker({
    maxAttempts: 3,
    backoff: { baseMs: 60_000, capMs: 60_000 },
    handlers: {
      flaky: jobHandler(z.object({}), async (_payload, ctx) => {
        attempts.push(ctx.attempt);
        throw new Error('provisioning refused SIM 8932 0000 0000 0000 0017 for jan.peeters@demo.example');
      }),
    },
  });
  const { id } = await enqueue(db.prisma, { kind: 'flaky', payload: {} });

  for (const attempt of [1, 2]) {
    expect(await w.runDue()).toBe(1);
    const after = await job(id);
    expect(after).toMatchObject({ state: 'QUEUED', attempts: attempt, lockedUntil: null });
    // runAt and updatedAt come from the same statement: their difference is the chosen delay.
    const delay = after.runAt.getTime() - after.updatedAt.getTime();
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(60_000);
    expect(await w.runDue()).toBe(0); // not due before its backoff
    await letTimePass(id);
  }
  expect(await w.runDue()).toBe(1);
  const failed = await job(id);
  expect(failed.state).toBe('FAILED');
  expect(failed.attempts).toBe(3);
  expect(failed.lastError).toMatch(/^Error: provisioning refused SIM 89…17 for j\*\*\*@demo\.example$/);
  expect(attempts).toEqual([1, 2, 3]);
  await letTimePass(id);
  expect(await w.runDue()).toBe(0);
});

test('Retry-After carried by the error sets the next run no sooner', async () => {
  const w = worker({
    backoff: { baseMs: 10, capMs: 10 },
    handlers: { limited: jobHandler(z.object({}), async () => Promise.reject(new RetryableError('HTTP 429', { retryAfterMs: 3_600_000 }))) },
  });
  const { id } = await enqueue(db.prisma, { kind: 'limited', payload: {} });
  expect(await w.runDue()).toBe(1);
  const after = await job(id);
  expect(after.state).toBe('QUEUED');
  expect(after.runAt.getTime() - after.updatedAt.getTime()).toBe(3_600_000);
});

test('a PermanentError fails the job at once', async () => {
  const w = worker({ handlers: { refuse: jobHandler(z.object({}), async () => Promise.reject(new PermanentError('unknown service'))) } });
  const { id } = await enqueue(db.prisma, { kind: 'refuse', payload: {} });
  expect(await w.runDue()).toBe(1);
  expect(await job(id)).toMatchObject({ state: 'FAILED', attempts: 1, lastError: 'PermanentError: unknown service' });
});

test('an invalid payload fails the job permanently without running the handler', async () => {
  let runs = 0;
  const w = worker({ handlers: { echo: jobHandler(echoSchema, async () => void runs++) } });
  const { id } = await enqueue(db.prisma, { kind: 'echo', payload: { n: 'three' } });
  expect(await w.runDue()).toBe(1);
  const failed = await job(id);
  expect(failed).toMatchObject({ state: 'FAILED', attempts: 1 });
  expect(failed.lastError).toMatch(/^PermanentError: invalid echo payload: .*expected number.*\n?.*→ at n/s);
  expect(runs).toBe(0);
});

test('a worker leaves kinds it has no handler for', async () => {
  const w = worker({ handlers: { echo: jobHandler(echoSchema, async () => undefined) } });
  const { id } = await enqueue(db.prisma, { kind: 'newer-release-only', payload: {} });
  expect(await w.runDue()).toBe(0);
  expect(await job(id)).toMatchObject({ state: 'QUEUED', attempts: 0 });
});

describe('locks', () => {
  /** A job as a worker that died mid-run leaves it. */
  const abandoned = async (lockedUntil: Date, attempts = 1) => {
    const { id } = await enqueue(db.prisma, { kind: 'echo', payload: { n: 1 } });
    await db.prisma.job.update({ where: { id }, data: { state: 'RUNNING', lockedBy: 'dead-worker', lockedUntil, attempts } });
    return id;
  };

  test('a job whose lock expired is taken over; a live lock is respected', async () => {
    const ran: string[] = [];
    const w = worker({ workerId: 'worker-b', handlers: { echo: jobHandler(echoSchema, async (_p, ctx) => void ran.push(ctx.id)) } });
    const expired = await abandoned(new Date(Date.now() - 1_000));
    const live = await abandoned(new Date(Date.now() + 3_600_000));

    expect(await w.runDue()).toBe(1);
    expect(ran).toEqual([expired]);
    expect(await job(expired)).toMatchObject({ state: 'DONE', attempts: 2, lockedBy: 'worker-b' });
    expect(await job(live)).toMatchObject({ state: 'RUNNING', attempts: 1, lockedBy: 'dead-worker' });
  });

  test('a job abandoned during its last attempt is FAILED, not run again', async () => {
    let runs = 0;
    const w = worker({ maxAttempts: 3, handlers: { echo: jobHandler(echoSchema, async () => void runs++) } });
    const id = await abandoned(new Date(Date.now() - 1_000), 3);
    expect(await w.runDue()).toBe(1);
    expect(runs).toBe(0);
    expect((await job(id)).state).toBe('FAILED');
  });

  test('a worker that lost its lock cannot overwrite the new owner’s outcome', async () => {
    const held = gate();
    const slow = worker({
      workerId: 'slow',
      handlers: { echo: jobHandler(echoSchema, async () => held.opened.then(() => Promise.reject(new Error('late failure')))) },
    });
    const fast = worker({ workerId: 'fast', handlers: { echo: jobHandler(echoSchema, async () => undefined) } });
    const { id } = await enqueue(db.prisma, { kind: 'echo', payload: { n: 1 } });

    const slowRun = slow.runDue();
    try {
      await waitFor('the slow worker to claim the job', async () => (await job(id)).lockedBy === 'slow');
      // The slow worker stalls past its lock (as a paused process would): the fast one takes the job over.
      await db.prisma.job.update({ where: { id }, data: { lockedUntil: new Date(Date.now() - 1_000) } });
      expect(await fast.runDue()).toBe(1);
    } finally {
      held.open();
    }
    await slowRun;

    expect(await job(id)).toMatchObject({ state: 'DONE', attempts: 2, lockedBy: 'fast', lastError: null });
  });

  test('a running job renews its lock, so a long job is not taken over', async () => {
    const held = gate();
    const long = worker({ workerId: 'long', lockMs: 1_500, handlers: { echo: jobHandler(echoSchema, () => held.opened) } });
    const other = worker({ workerId: 'other', handlers: { echo: jobHandler(echoSchema, async () => undefined) } });
    const { id } = await enqueue(db.prisma, { kind: 'echo', payload: { n: 1 } });

    const longRun = long.runDue();
    try {
      await waitFor('the long job to start', async () => (await job(id)).lockedBy === 'long');
      await new Promise((resolve) => setTimeout(resolve, 4_000)); // well past the 1.5 s lock
      expect(await other.runDue()).toBe(0);
      expect(await job(id)).toMatchObject({ state: 'RUNNING', lockedBy: 'long', attempts: 1 });
    } finally {
      held.open(); // also when an expectation failed, so that the worker does not hang the suite
    }
    expect(await longRun).toBe(1);
    expect(await job(id)).toMatchObject({ state: 'DONE', attempts: 1 });
  });
});

test('start() runs jobs as they arrive; stop() waits for the running one', async () => {
  const held = gate();
  const done: number[] = [];
  const w = worker({
    handlers: {
      echo: jobHandler(echoSchema, async ({ n }) => {
        if (n === 0) await held.opened;
        done.push(n);
      }),
    },
  });
  w.start();
  for (const n of [1, 2, 3]) await enqueue(db.prisma, { kind: 'echo', payload: { n } });
  await waitFor('three jobs done', async () => (await db.prisma.job.count({ where: { state: 'DONE' } })) === 3);

  const { id } = await enqueue(db.prisma, { kind: 'echo', payload: { n: 0 } });
  await waitFor('the held job to start', async () => (await job(id)).state === 'RUNNING');
  let stopped = false;
  const stopping = w.stop().then(() => (stopped = true));
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stopped).toBe(false);
  } finally {
    held.open();
  }
  await stopping;
  expect((await job(id)).state).toBe('DONE');
  expect(done.sort()).toEqual([0, 1, 2, 3]);

  await enqueue(db.prisma, { kind: 'echo', payload: { n: 4 } });
  await new Promise((resolve) => setTimeout(resolve, 100)); // several poll intervals
  expect(await db.prisma.job.count({ where: { state: 'QUEUED' } })).toBe(1);
});

test('two workers on two connections to one database run each job exactly once', async () => {
  // On PGlite there is one connection per process, so both workers share it; on PostgreSQL each has its own pool.
  const serverUrl = process.env.DATABASE_URL;
  const shared = serverUrl ? await openSharedDatabase(serverUrl, 2) : undefined;
  const first = shared?.pools[0] ?? db;
  const second = shared?.pools[1] ?? db;
  try {
    const runs = new Map<number, string[]>();
    const handlers = (workerId: string) => ({
      count: jobHandler(echoSchema, async ({ n }) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        runs.set(n, [...(runs.get(n) ?? []), workerId]);
      }),
    });
    const a = new JobWorker({ db: first.prisma, workerId: 'a', handlers: handlers('a'), concurrency: 5 });
    const b = new JobWorker({ db: second.prisma, workerId: 'b', handlers: handlers('b'), concurrency: 5 });
    const total = 300;
    for (let n = 0; n < total; n++) await enqueue(first.prisma, { kind: 'count', payload: { n } });

    const [byA, byB] = await Promise.all([a.runDue(), b.runDue()]);

    expect(byA + byB).toBe(total);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(runs.size).toBe(total);
    expect([...runs.values()].filter((workers) => workers.length !== 1)).toEqual([]);
    expect(await first.prisma.job.count({ where: { state: 'DONE', attempts: 1 } })).toBe(total);
  } finally {
    await shared?.close();
  }
});
