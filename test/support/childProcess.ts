import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface ReadyProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

/** Runs a test/support script in its own Node process; resolves once it prints a line "ready". */
export function startReadyProcess(script: string, env: Record<string, string>): Promise<ReadyProcess> {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      if (/^ready$/m.test(output.join(''))) resolve({ child, output, exited });
    });
    void exited.then((code) => reject(new Error(`${script} exited (${code}) before it was ready: ${output.join('')}`)));
  });
}

/**
 * A bot process (botProcess.js) on the shared database at `databaseUrl` (none: its own PGlite under `dataDir`),
 * and the address it serves at.
 */
export async function startBotProcess(databaseUrl: string | undefined, dataDir: string): Promise<{ process: ReadyProcess; url: string }> {
  const started = await startReadyProcess(path.join(__dirname, 'botProcess.js'), { DATABASE_URL: databaseUrl ?? '', DATA_DIR: dataDir });
  // PORT=0: the port taken is the one the start-up lines name.
  const url = /Bot endpoint:\s+(\S+)\/api\/messages/.exec(started.output.join(''))?.[1];
  if (!url) throw new Error(`no bot endpoint in the output of ${dataDir}: ${started.output.join('')}`);
  return { process: started, url };
}

/** Ends the processes still running with `signal` and waits until every one has exited. */
export async function stopProcesses(processes: ReadyProcess[], signal: NodeJS.Signals): Promise<void> {
  for (const { child } of processes) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  await Promise.all(processes.map(({ exited }) => exited));
}
