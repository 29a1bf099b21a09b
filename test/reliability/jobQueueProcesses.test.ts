import path from 'node:path';
import { enqueue } from '../../services/platform/jobQueue';
import { type ReadyProcess, startReadyProcess, stopProcesses } from '../support/childProcess';
import { openSharedDatabase, type SharedDatabase } from '../support/sharedDatabase';
import { waitFor } from '../support/waitFor';

// Real processes on a real server: PGlite is one process's embedded database, so there is nothing to share there.
const serverUrl = process.env.DATABASE_URL;
const describeOnPostgres = serverUrl ? describe : describe.skip;

const LOCK_MS = 2_000;
const JOBS = 300;

/** A job worker process (test/support/jobWorkerProcess.js) under the name it records in lockedBy. */
function startWorker(url: string, id: string, concurrency: number): Promise<ReadyProcess> {
  return startReadyProcess(path.join(__dirname, '../support/jobWorkerProcess.js'), {
    DATABASE_URL: url, WORKER_ID: id, CONCURRENCY: String(concurrency), LOCK_MS: String(LOCK_MS),
  });
}

describeOnPostgres('job queue across processes (needs PostgreSQL: set DATABASE_URL)', () => {
  let shared: SharedDatabase;
  const workers: ReadyProcess[] = [];

  beforeAll(async () => {
    shared = await openSharedDatabase(serverUrl!, 1);
  });
  afterAll(async () => {
    await stopProcesses(workers, 'SIGKILL');
    await shared.close();
  });

  test('a process killed mid-job leaves its job to the others, and every job runs once in total', async () => {
    const prisma = shared.pools[0]!.prisma;
    const job = (id: string) => prisma.job.findUniqueOrThrow({ where: { id } });
    const events = (action: string) => prisma.auditEvent.findMany({ where: { action } });

    // The victim runs one job at a time and hangs in the first one, which it is sure to claim alone.
    const victim = await startWorker(shared.url, 'victim', 1);
    workers.push(victim);
    const { id: hungId } = await enqueue(prisma, { kind: 'record', payload: { n: -1, hangIn: 'victim' } });
    await waitFor('the victim to start the hanging job', async () => (await job(hungId)).lockedBy === 'victim');

    workers.push(await startWorker(shared.url, 'first', 4), await startWorker(shared.url, 'second', 4));
    for (let n = 0; n < JOBS; n++) await enqueue(prisma, { kind: 'record', payload: { n } });

    // While the victim lives, it renews its lock: nobody takes the job over, however long it runs.
    await new Promise((resolve) => setTimeout(resolve, 2 * LOCK_MS));
    expect(await job(hungId)).toMatchObject({ state: 'RUNNING', lockedBy: 'victim', attempts: 1 });

    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBeNull();
    await waitFor(
      'every job to be done',
      async () => (await prisma.job.count({ where: { state: { not: 'DONE' } } })) === 0,
      60_000,
    );

    const survivors = workers.filter((worker) => worker !== victim);
    for (const worker of survivors) worker.child.kill('SIGTERM');
    expect(await Promise.all(survivors.map((worker) => worker.exited))).toEqual([0, 0]);

    const started = await events('test.job.started');
    const finished = await events('test.job.finished');
    const runsOf = (rows: typeof started) =>
      rows.reduce((runs, row) => runs.set(row.subjectId!, [...(runs.get(row.subjectId!) ?? []), row.after]), new Map<string, unknown[]>());

    // The killed job: started by the victim, taken over after its lock expired, finished once by a survivor.
    const hung = await job(hungId);
    expect(hung).toMatchObject({ state: 'DONE', attempts: 2 });
    expect(['first', 'second']).toContain(hung.lockedBy);
    expect(runsOf(started).get(hungId)).toEqual([{ workerId: 'victim', attempt: 1 }, { workerId: hung.lockedBy, attempt: 2 }]);
    expect(runsOf(finished).get(hungId)).toEqual([{ workerId: hung.lockedBy, attempt: 2 }]);

    // Every other job: one start and one finish in total, across both processes, each of which did a share.
    const others = (await prisma.job.findMany({ where: { id: { not: hungId } } })).map((row) => row.id);
    expect(others).toHaveLength(JOBS);
    const startedRuns = runsOf(started);
    const finishedRuns = runsOf(finished);
    expect(others.filter((id) => startedRuns.get(id)?.length !== 1 || finishedRuns.get(id)?.length !== 1)).toEqual([]);
    expect(await prisma.job.count({ where: { id: { not: hungId }, state: 'DONE', attempts: 1 } })).toBe(JOBS);
    const byWorker = (id: string) => finished.filter((row) => (row.after as { workerId: string }).workerId === id).length;
    expect(byWorker('first')).toBeGreaterThan(0);
    expect(byWorker('second')).toBeGreaterThan(0);
    expect(byWorker('victim')).toBe(0);
  }, 120_000);
});
