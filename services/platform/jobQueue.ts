import { z } from 'zod';
import { Prisma } from '../../prisma/generated/client';
import type { Db } from './db/database';
import { inBackground } from './db/priority';
import { PermanentError, defaultBackoff, describeError, isPermanent, retryDelayMs, type BackoffPolicy } from './retry';

/**
 * Background jobs on the "Job" table, claimed with `FOR UPDATE SKIP LOCKED` so that any number of workers, in one
 * process or in several sharing a PostgreSQL server, run each job once. Delivery is at least once: a worker that
 * dies mid-job leaves it to another once its lock expires, so a handler must tolerate being re-run after a crash.
 */

/** The Prisma client or an interactive transaction's client: enqueue commits with the caller's state change. */
export type DbClient = Db | Prisma.TransactionClient;

export interface NewJob {
  kind: string;
  payload: Prisma.InputJsonValue;
  /** Not before this time; now when absent. */
  runAt?: Date;
  /** At most one job with this key ever exists, so enqueueing it again is a no-op. */
  singletonKey?: string;
}

export interface EnqueueResult {
  id: string;
  /** False when a job with the same singleton key already existed (its id is returned). */
  created: boolean;
}

export async function enqueue(client: DbClient, job: NewJob): Promise<EnqueueResult> {
  // ON CONFLICT DO NOTHING rather than catching a unique violation, which would abort the caller's transaction.
  const [row] = await client.job.createManyAndReturn({
    data: [{ kind: job.kind, payload: job.payload, runAt: job.runAt, singletonKey: job.singletonKey }],
    skipDuplicates: true,
    select: { id: true },
  });
  if (row) return { id: row.id, created: true };
  const existing = await client.job.findUniqueOrThrow({ where: { singletonKey: job.singletonKey }, select: { id: true } });
  return { id: existing.id, created: false };
}

/** What a handler learns about the job it runs (the payload comes separately, validated). */
export interface JobContext {
  id: string;
  kind: string;
  /** 1 on the first run. */
  attempt: number;
  workerId: string;
}

export interface JobHandler<T> {
  schema: z.ZodType<T>;
  run(payload: T, job: JobContext): Promise<void>;
}

/** Declares a handler with its payload schema, inferring the payload type from the schema. */
export function jobHandler<T>(schema: z.ZodType<T>, run: (payload: T, job: JobContext) => Promise<void>): JobHandler<T> {
  return { schema, run };
}

/** The part of pino's interface the worker uses; the objects it logs never hold payloads. */
export interface JobLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface JobWorkerOptions {
  db: Db;
  /** Unique per worker (e.g. host, pid and a counter): recorded in "lockedBy" and used to fence stale workers. */
  workerId: string;
  /** By job kind; each handler validates its own payload (`run` is a method, so typed handlers fit here). */
  handlers: Record<string, JobHandler<unknown>>;
  pollIntervalMs?: number;
  /** How long a claim lasts without renewal; a running job renews it every third of this. */
  lockMs?: number;
  /** Runs of one job, the first included, before it is marked FAILED. */
  maxAttempts?: number;
  /** Jobs run at the same time by this worker. */
  concurrency?: number;
  backoff?: BackoffPolicy;
  logger?: JobLogger;
}

interface ClaimedJob {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
}

// The database's clock, in UTC like the TIMESTAMP(3) columns Prisma writes: one clock for every process.
const dbNow = Prisma.sql`(now() AT TIME ZONE 'UTC')`;

const silentLogger: JobLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export class JobWorker {
  private readonly db: Db;
  private readonly workerId: string;
  private readonly handlers: Record<string, JobHandler<unknown>>;
  private readonly kinds: string[];
  private readonly pollIntervalMs: number;
  private readonly lockMs: number;
  private readonly maxAttempts: number;
  private readonly concurrency: number;
  private readonly backoff: BackoffPolicy;
  private readonly logger: JobLogger;

  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: JobWorkerOptions) {
    this.db = options.db;
    this.workerId = options.workerId;
    this.handlers = options.handlers;
    this.kinds = Object.keys(options.handlers);
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.lockMs = options.lockMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.concurrency = options.concurrency ?? 4;
    this.backoff = options.backoff ?? defaultBackoff;
    this.logger = options.logger ?? silentLogger;
  }

  /** Polls for due jobs until stop(), running up to `concurrency` at a time. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  /** Stops claiming and waits for the jobs already running to finish. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.pumping;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Runs every job that is due now, each at most once in this call (a job rescheduled by its failure waits for
   * the next call), and returns how many it ran. For tests, scripts and benchmarks; start() is for services.
   */
  runDue(): Promise<number> {
    return inBackground(() => this.runDueNow());
  }

  private async runDueNow(): Promise<number> {
    const handled: string[] = [];
    for (;;) {
      const jobs = await this.claim(this.concurrency, handled);
      if (jobs.length === 0) return handled.length;
      handled.push(...jobs.map((job) => job.id));
      await Promise.all(jobs.map((job) => this.execute(job)));
    }
  }

  private wake(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = inBackground(() => this.pump()).finally(() => {
      this.pumping = undefined;
      if (this.running && this.pumpAgain) this.wake();
      else if (this.running) this.timer = setTimeout(() => this.wake(), this.pollIntervalMs);
    });
  }

  /** Fills the free slots with claimed jobs; a finishing job wakes it again. */
  private async pump(): Promise<void> {
    this.pumpAgain = false;
    try {
      while (this.running && this.inFlight.size < this.concurrency) {
        const wanted = this.concurrency - this.inFlight.size;
        const jobs = await this.claim(wanted);
        for (const job of jobs) this.track(job);
        if (jobs.length < wanted) return;
      }
    } catch (error) {
      this.logger.error({ workerId: this.workerId, error: describeError(error) }, 'job claim failed');
    }
  }

  private track(job: ClaimedJob): void {
    const run: Promise<void> = this.execute(job).finally(() => {
      this.inFlight.delete(run);
      if (this.running) this.wake();
    });
    this.inFlight.add(run);
  }

  /** Due jobs of the kinds this worker handles, and jobs whose worker stopped renewing its lock. */
  private claim(limit: number, exclude: string[] = []): Promise<ClaimedJob[]> {
    if (this.kinds.length === 0) return Promise.resolve([]);
    const notExcluded = exclude.length > 0 ? Prisma.sql`AND NOT (id = ANY(${exclude}::uuid[]))` : Prisma.empty;
    return this.db.$queryRaw<ClaimedJob[]>`
      UPDATE "Job"
      SET state = 'RUNNING', "lockedBy" = ${this.workerId},
          "lockedUntil" = ${dbNow} + ${this.lockMs} * interval '1 millisecond',
          attempts = attempts + 1, "updatedAt" = ${dbNow}
      WHERE id IN (
        SELECT id FROM "Job"
        WHERE kind = ANY(${this.kinds}::text[])
          AND ((state = 'QUEUED' AND "runAt" <= ${dbNow}) OR (state = 'RUNNING' AND "lockedUntil" < ${dbNow}))
          ${notExcluded}
        ORDER BY "runAt"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id, kind, payload, attempts`;
  }

  /** Runs one claimed job and records the outcome; never throws (a lost outcome is retried after the lock). */
  private async execute(job: ClaimedJob): Promise<void> {
    const log = { workerId: this.workerId, jobId: job.id, kind: job.kind, attempt: job.attempts };
    const handler = this.handlers[job.kind];
    if (!handler) return; // claim() only selects kinds with a handler
    if (job.attempts > this.maxAttempts) {
      // Its last attempt's worker died: running it again would exceed the limit.
      await this.settle(job, 'FAILED', 'the worker running the last attempt stopped before finishing', log);
      return;
    }
    const parsed = handler.schema.safeParse(job.payload);
    if (!parsed.success) {
      const error = new PermanentError(`invalid ${job.kind} payload: ${z.prettifyError(parsed.error)}`);
      await this.settle(job, 'FAILED', describeError(error), log);
      return;
    }
    const heartbeat = setInterval(() => void this.renewLock(job, log), Math.max(1, Math.floor(this.lockMs / 3)));
    try {
      await handler.run(parsed.data, { id: job.id, kind: job.kind, attempt: job.attempts, workerId: this.workerId });
      clearInterval(heartbeat);
      await this.settle(job, 'DONE', null, log);
    } catch (error) {
      clearInterval(heartbeat);
      const lastError = describeError(error);
      if (isPermanent(error) || job.attempts >= this.maxAttempts) {
        await this.settle(job, 'FAILED', lastError, log);
      } else {
        await this.settle(job, 'QUEUED', lastError, log, retryDelayMs(error, job.attempts, this.backoff));
      }
    }
  }

  /**
   * Records the outcome, only if this worker still holds this attempt (same lockedBy and attempts): a worker whose
   * lock expired and was taken over must not overwrite the new owner's state.
   */
  private async settle(
    job: ClaimedJob,
    state: 'DONE' | 'FAILED' | 'QUEUED',
    lastError: string | null,
    log: object,
    retryInMs = 0,
  ): Promise<void> {
    try {
      const updated = await this.db.$executeRaw`
        UPDATE "Job"
        SET state = ${state}::"JobState", "lastError" = ${lastError}, "lockedUntil" = NULL, "updatedAt" = ${dbNow},
            "runAt" = CASE WHEN ${state} = 'QUEUED' THEN ${dbNow} + ${retryInMs} * interval '1 millisecond' ELSE "runAt" END
        WHERE id = ${job.id}::uuid AND state = 'RUNNING' AND "lockedBy" = ${this.workerId} AND attempts = ${job.attempts}`;
      if (updated === 0) this.logger.warn(log, 'job lock was lost before the job finished; outcome discarded');
      else if (state === 'DONE') this.logger.info(log, 'job done');
      else if (state === 'QUEUED') this.logger.warn({ ...log, retryInMs, error: lastError }, 'job failed, will retry');
      else this.logger.error({ ...log, error: lastError }, 'job failed permanently');
    } catch (error) {
      this.logger.error({ ...log, error: describeError(error) }, 'could not record job outcome');
    }
  }

  private async renewLock(job: ClaimedJob, log: object): Promise<void> {
    try {
      const renewed = await this.db.$executeRaw`
        UPDATE "Job" SET "lockedUntil" = ${dbNow} + ${this.lockMs} * interval '1 millisecond'
        WHERE id = ${job.id}::uuid AND state = 'RUNNING' AND "lockedBy" = ${this.workerId} AND attempts = ${job.attempts}`;
      if (renewed === 0) this.logger.warn(log, 'job lock could not be renewed');
    } catch (error) {
      this.logger.warn({ ...log, error: describeError(error) }, 'job lock renewal failed');
    }
  }
}
