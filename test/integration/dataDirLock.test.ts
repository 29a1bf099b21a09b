import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataDirLockedError, LOCK_FILE_NAME, lockDataDir, type LockHolder } from '../../services/platform/db/dataDirLock';
import { openDatabase } from '../../services/platform/db/database';

// One process per embedded database (issue 19): two processes on one PGlite directory corrupt it silently.

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-data-dir-lock-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let count = 0;
const freshDir = () => path.join(root, `dir-${++count}`);
const lockFile = (dir: string) => path.join(dir, LOCK_FILE_NAME);
const readHolder = (dir: string) => JSON.parse(fs.readFileSync(lockFile(dir), 'utf8')) as LockHolder;
const writeHolder = (dir: string, holder: LockHolder) => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(lockFile(dir), JSON.stringify(holder));
};
/** The pid of a process that has already exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const lockedError = (work: () => unknown): DataDirLockedError => {
  try {
    work();
  } catch (error) {
    if (error instanceof DataDirLockedError) return error;
    throw error;
  }
  throw new Error('the lock was taken');
};

describe('the lock of a data directory', () => {
  test('is a file in the directory naming this process, its host and when it took it; released, the file is gone', () => {
    const dir = freshDir();
    const before = Date.now();
    const lock = lockDataDir(dir);
    expect(lock.file).toBe(lockFile(dir));
    const holder = readHolder(dir);
    expect(holder).toEqual({ pid: process.pid, host: os.hostname(), since: expect.any(String) });
    expect(Date.parse(holder.since)).toBeGreaterThanOrEqual(before - 1000);
    lock.release();
    expect(fs.existsSync(lockFile(dir))).toBe(false);
    lock.release();
    lockDataDir(dir).release();
  });

  test('is refused while a live process holds it, with one line naming the holder and what to do', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir);
    const held = fs.readFileSync(lockFile(dir), 'utf8');
    const error = lockedError(() => lockDataDir(dir));
    const holder = readHolder(dir);
    expect(error.holder).toEqual(holder);
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain(`process ${process.pid} on ${os.hostname()} since ${holder.since}`);
    expect(error.message).toMatch(/stop that process/);
    expect(error.message).toMatch(/DATABASE_URL/);
    // The refusal leaves the holder's lock as it was.
    expect(fs.readFileSync(lockFile(dir), 'utf8')).toBe(held);
    lock.release();
  });

  test('naming another live process of this host is refused', async () => {
    const dir = freshDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 60_000)'], { stdio: 'ignore' });
    try {
      const alive = { pid: child.pid!, host: os.hostname(), since: new Date().toISOString() };
      writeHolder(dir, alive);
      expect(lockedError(() => lockDataDir(dir)).holder).toEqual(alive);
      expect(readHolder(dir)).toEqual(alive);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  test("naming this process's pid but not held by it (a restarted container's) is taken over", () => {
    const dir = freshDir();
    writeHolder(dir, { pid: process.pid, host: os.hostname(), since: '2020-01-01T00:00:00.000Z' });
    const told: unknown[] = [];
    const lock = lockDataDir(dir, (holder) => told.push(holder));
    expect(told).toHaveLength(1);
    expect(readHolder(dir).since).not.toBe('2020-01-01T00:00:00.000Z');
    lock.release();
  });

  test('left by a process of this host that no longer runs is taken over, and said so', () => {
    const dir = freshDir();
    const stale = { pid: deadPid(), host: os.hostname(), since: '2020-01-01T00:00:00.000Z' };
    writeHolder(dir, stale);
    const told: unknown[] = [];
    const lock = lockDataDir(dir, (holder, file) => told.push({ holder, file }));
    expect(told).toEqual([{ holder: stale, file: lockFile(dir) }]);
    expect(readHolder(dir).pid).toBe(process.pid);
    lock.release();
  });

  test("of another host is never taken for stale: its process cannot be checked from here", () => {
    const dir = freshDir();
    const elsewhere = { pid: deadPid(), host: `not-${os.hostname()}`, since: '2020-01-01T00:00:00.000Z' };
    writeHolder(dir, elsewhere);
    expect(lockedError(() => lockDataDir(dir)).holder).toEqual(elsewhere);
    expect(readHolder(dir)).toEqual(elsewhere);
  });

  test('that cannot be read is refused while it may be a start still writing it, taken over once it is old', () => {
    const dir = freshDir();
    fs.mkdirSync(dir);
    fs.writeFileSync(lockFile(dir), '');
    expect(lockedError(() => lockDataDir(dir)).holder).toBeUndefined();
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockFile(dir), old, old);
    const lock = lockDataDir(dir);
    expect(readHolder(dir).pid).toBe(process.pid);
    lock.release();
  });

  test('released is not removed if another process has put its own in its place', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir);
    const other = { pid: process.ppid, host: os.hostname(), since: new Date().toISOString() };
    writeHolder(dir, other);
    lock.release();
    expect(readHolder(dir)).toEqual(other);
  });
});

describe('the embedded database takes the lock of its directory', () => {
  test('a second open of a directory already open is refused without touching it; closed, it opens again', async () => {
    const dir = freshDir();
    const first = await openDatabase({ kind: 'pglite', dataDir: dir });
    try {
      expect(readHolder(dir).pid).toBe(process.pid);
      const files = fs.readdirSync(dir).sort();
      const stamp = fs.statSync(path.join(dir, 'PG_VERSION')).mtimeMs;
      await expect(openDatabase({ kind: 'pglite', dataDir: dir })).rejects.toBeInstanceOf(DataDirLockedError);
      expect(fs.readdirSync(dir).sort()).toEqual(files);
      expect(fs.statSync(path.join(dir, 'PG_VERSION')).mtimeMs).toBe(stamp);
      // The first is unharmed.
      expect(await first.sql.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await first.close();
    }
    expect(fs.existsSync(lockFile(dir))).toBe(false);

    // As a process killed with SIGKILL leaves it: the next open takes it over.
    writeHolder(dir, { pid: deadPid(), host: os.hostname(), since: '2020-01-01T00:00:00.000Z' });
    const told: unknown[] = [];
    const again = await openDatabase({ kind: 'pglite', dataDir: dir }, { onStaleLock: (holder) => told.push(holder) });
    try {
      expect(told).toHaveLength(1);
      expect(readHolder(dir).pid).toBe(process.pid);
      expect(await again.prisma.organisation.count()).toBe(0);
    } finally {
      await again.close();
    }
    expect(fs.existsSync(lockFile(dir))).toBe(false);
  }, 180_000);
});
