import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** A Node.js executable the bench's children run on. */
export interface Runtime {
  /** As BENCH_NODE gives it: a path, made absolute, or a name looked up on PATH (as fork looks it up). */
  execPath: string;
  version: string;
  /** Its version, with its path when another runtime of the run has the same version. */
  label: string;
}

/** A runtime that cannot be run: its message is the whole story, a stack would only bury it. */
export class RuntimeNotFound extends Error {}

/** BENCH_NODE's executables (comma-separated), each checked by running it; by default the harness's own. */
export function benchRuntimes(list: string | undefined): Runtime[] {
  const named = (list ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const found = (named.length > 0 ? named : [process.execPath]).map((name) => {
    const execPath = name.includes(path.sep) ? path.resolve(name) : name;
    const run = spawnSync(execPath, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    const version = (run.stdout ?? '').trim();
    if (run.error || run.status !== 0 || !/^v\d+\.\d+\.\d+$/.test(version)) {
      const why = run.error?.message ?? (run.status !== 0 ? `exit ${run.status ?? run.signal}` : `it printed "${version.split('\n')[0]}"`);
      throw new RuntimeNotFound(`BENCH_NODE: ${name} is not a Node.js executable that runs here (${why})`);
    }
    return { execPath, version };
  });
  return found.map((runtime) => ({
    ...runtime,
    label: found.filter((other) => other.version === runtime.version).length > 1 ? `${runtime.version} (${runtime.execPath})` : runtime.version,
  }));
}
