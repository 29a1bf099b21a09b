import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ReadyProcess, startBotProcess, stopProcesses } from '../support/childProcess';

// Issue 19: two bots on one DATA_DIR both opened the embedded database and corrupted it. The second start must
// refuse, with one line, and leave the first serving.

const root = path.join(__dirname, '..', '..');

interface MainProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** `bot/main.ts` as `npm start` runs it (its main(), its exit code), on the embedded database under `dataDir`. */
function startMain(dataDir: string): MainProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', NODE_ENV: 'test', LOG_LEVEL: 'info', DATA_DIR: dataDir };
  // The test is about PGlite even when the suite runs on PostgreSQL.
  delete env.DATABASE_URL;
  const child = spawn(
    process.execPath,
    ['--disable-warning=DEP0111', '-r', path.join(root, 'test/support/typescriptHook.js'), path.join(root, 'bot/main.ts')],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout, stderr, exited };
}

async function serving(main: MainProcess): Promise<string> {
  for (;;) {
    const url = /Bot endpoint:\s+(\S+)\/api\/messages/.exec(main.stdout.join(''))?.[1];
    if (url) return url;
    if (main.child.exitCode !== null) throw new Error(`exited (${main.child.exitCode}): ${main.stdout.join('')}${main.stderr.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const healthz = async (url: string) => {
  const response = await fetch(`${url}/healthz`);
  return { status: response.status, body: (await response.json()) as { database: { kind: string; reachable: boolean } } };
};

describe('one process per embedded database', () => {
  let dataDir: string;
  const bots: ReadyProcess[] = [];
  const mains: MainProcess[] = [];
  const lockHolder = () => JSON.parse(fs.readFileSync(path.join(dataDir, 'pglite', 'bot.lock'), 'utf8')) as { pid: number; host: string; since: string };

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-one-process-'));
  });
  afterAll(async () => {
    await stopProcesses(bots, 'SIGKILL');
    for (const main of mains) if (main.child.exitCode === null && main.child.signalCode === null) main.child.kill('SIGKILL');
    await Promise.all(mains.map((main) => main.exited));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('a second start on a DATA_DIR in use exits non-zero with one line naming the holder; the first keeps serving; after a kill -9 the next start takes the lock over', async () => {
    const first = await startBotProcess(undefined, dataDir);
    bots.push(first.process);
    const firstPid = first.process.child.pid!;
    const held = lockHolder();
    expect(held).toEqual({ pid: firstPid, host: os.hostname(), since: expect.any(String) });

    const second = startMain(dataDir);
    mains.push(second);
    expect(await second.exited).toBe(1);
    const lines = second.stderr.join('').split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`already open by process ${firstPid} on ${os.hostname()} since ${held.since}`);
    expect(lines[0]).toMatch(/^Could not start: .*stop that process first, or set DATABASE_URL to a PostgreSQL server/);
    // Refused before serving anything: no start-up lines.
    expect(second.stdout.join('')).toBe('');

    expect(lockHolder()).toEqual(held);
    expect(await healthz(first.url)).toEqual({ status: 200, body: expect.objectContaining({ database: { kind: 'pglite', reachable: true } }) });

    // Killed without a chance to clean up, the first leaves its lock behind; the next start takes it over.
    first.process.child.kill('SIGKILL');
    await first.process.exited;
    expect(lockHolder().pid).toBe(firstPid);
    const next = startMain(dataDir);
    mains.push(next);
    const url = await serving(next);
    expect(next.stdout.join('')).toMatch(/lock of a process no longer running taken over/);
    expect(lockHolder().pid).toBe(next.child.pid);
    expect((await healthz(url)).status).toBe(200);

    // Stopped as usual, it leaves no lock.
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'pglite', 'bot.lock'))).toBe(false);
  }, 240_000);
});
