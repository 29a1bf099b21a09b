import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** A server of the bench in a process of its own, so that the load generator does not share its event loop. */
export interface BenchChild {
  url: string;
  pid: number;
  /** A request over IPC (bench/botProcess.ts answers SQL and memory requests). */
  call<T>(request: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

/** How a child runs: its Node.js executable (the harness's own by default) and the flags on its command line. */
export interface ChildRuntime {
  execPath?: string;
  nodeFlags?: readonly string[];
}

/**
 * Forks a compiled script of bench/ with `env` as its whole environment (nothing of the harness's leaks in, such
 * as a DATABASE_URL meant for another run). With BENCH_CPU_PROF set, the child writes a V8 CPU profile on exit.
 */
export function startChild(script: string, args: string[], env: Record<string, string>, { execPath = process.execPath, nodeFlags = [] }: ChildRuntime = {}): Promise<BenchChild> {
  const profileDir = process.env.BENCH_CPU_PROF;
  const execArgv = [...nodeFlags, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [])];
  const child = fork(path.join(__dirname, script), args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    execPath,
    execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const errors: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} was not ready within ${READY_TIMEOUT_MS} ms: ${errors.join('')}`));
    }, READY_TIMEOUT_MS);
    void exited.then(() => {
      clearTimeout(timer);
      for (const call of pending.values()) call.reject(new Error(`${script} exited: ${errors.join('')}`));
      reject(new Error(`${script} exited before it was ready: ${errors.join('')}`));
    });
    child.on('message', (message: { type?: string; url?: string; id?: number; error?: string }) => {
      if (message.type === 'ready' && message.url) {
        clearTimeout(timer);
        resolve(running(message.url));
        return;
      }
      const call = message.id === undefined ? undefined : pending.get(message.id);
      if (!call) return;
      pending.delete(message.id!);
      if (message.error) call.reject(new Error(message.error));
      else call.resolve(message);
    });
  });

  function running(url: string): BenchChild {
    return {
      url,
      pid: child.pid!,
      call: <T>(request: Record<string, unknown>) =>
        new Promise<T>((resolve, reject) => {
          const id = nextId++;
          pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
          child.send({ ...request, id });
        }),
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        // Disconnecting is the children's signal to close and exit.
        child.disconnect();
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      },
    };
  }
}
