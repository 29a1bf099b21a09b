import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * One process per embedded database: PGlite has no server to arbitrate between processes, and two of them writing
 * one data directory corrupt it silently. A lock file in the directory names the process that has it open.
 */
export const LOCK_FILE_NAME = 'bot.lock';

export interface LockHolder {
  pid: number;
  host: string;
  /** When the holder took the lock, ISO 8601. */
  since: string;
}

/** The directory is open in another live process (or on another host): the start must stop, one line says why. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | undefined,
  ) {
    const who = holder ? `process ${holder.pid} on ${holder.host} since ${holder.since}` : 'another process that is starting';
    super(
      `the embedded database in ${dataDir} is already open by ${who}; stop that process first, ` +
        `or set DATABASE_URL to a PostgreSQL server to run several processes on one database`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock file if it is still ours; safe to call twice. */
  release(): void;
}

/** The lock files this process holds: its own pid in any other was written by an earlier process given the same pid. */
const heldHere = new Set<string>();

/** A lock file that cannot be read this long after it was made was left by a crash between creating and writing it. */
const UNREADABLE_LOCK_GRACE_MS = 5_000;

/**
 * Takes the lock of `dataDir` (made if missing), or throws DataDirLockedError. A lock left by a process of this host
 * that no longer runs (killed, crashed) is taken over, reported through `onStaleLock`.
 */
export function lockDataDir(dataDir: string, onStaleLock: (holder: LockHolder | undefined, file: string) => void = () => undefined): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.resolve(dataDir, LOCK_FILE_NAME);
  const mine: LockHolder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  const content = JSON.stringify(mine);
  // A few turns at most: a lock may be released or taken over by another start between two steps here.
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const found = readLock(file);
      if (!found) continue;
      if (!isStale(found, file)) throw new DataDirLockedError(dataDir, found.holder);
      // Only the lock judged stale is removed, not one another start put in its place meanwhile.
      if (readLock(file)?.raw !== found.raw) continue;
      fs.rmSync(file, { force: true });
      onStaleLock(found.holder, file);
      continue;
    }
    try {
      fs.writeSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return ownLock(file, content);
  }
  throw new DataDirLockedError(dataDir, readLock(file)?.holder);
}

function ownLock(file: string, content: string): DataDirLock {
  let held = true;
  heldHere.add(file);
  const release = () => {
    if (!held) return;
    held = false;
    heldHere.delete(file);
    process.removeListener('exit', release);
    // A lock replaced by another process (ours was taken for stale by mistake) is that process's to remove.
    if (readLock(file)?.raw === content) fs.rmSync(file, { force: true });
  };
  // A process that exits without closing its database (process.exit after an error) leaves no lock behind.
  process.on('exit', release);
  return { file, release };
}

interface FoundLock {
  raw: string;
  holder: LockHolder | undefined;
  modifiedMs: number;
}

function readLock(file: string): FoundLock | undefined {
  let raw: string;
  let modifiedMs: number;
  try {
    raw = fs.readFileSync(file, 'utf8');
    modifiedMs = fs.statSync(file).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return { raw, holder: parseHolder(raw), modifiedMs };
}

function parseHolder(raw: string): LockHolder | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockHolder>;
    if (Number.isInteger(value.pid) && value.pid! > 0 && typeof value.host === 'string' && typeof value.since === 'string') {
      return { pid: value.pid!, host: value.host, since: value.since };
    }
  } catch {
    // Not JSON: judged by its age below.
  }
  return undefined;
}

function isStale(found: FoundLock, file: string): boolean {
  const { holder } = found;
  if (!holder) return Date.now() - found.modifiedMs > UNREADABLE_LOCK_GRACE_MS;
  // A process of another host cannot be checked from here (a shared volume): its lock holds until it is removed.
  if (holder.host !== os.hostname()) return false;
  // A restarted container often gets the pid and host name it had before: that lock is not this process's.
  if (holder.pid === process.pid) return !heldHere.has(file);
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
