import http from 'node:http';

/**
 * The load generator: N simulated clients at once, each posting its activities one after the other as a Teams
 * conversation does (the next message after the previous answer), over keep-alive connections: at once, which
 * measures throughput, or a person's think time after each answer, which measures what people wait at that pace.
 */

export interface Answer {
  status: number;
  body: string;
}

export interface LoadRun {
  url: string;
  /** Clients at once (the N of "N concurrent conversations"). */
  clients: number;
  /** Activities each client posts. */
  perClient: number;
  /** How long a client waits after an answer before it posts again; 0 or absent: at once. */
  thinkMs?: number;
  /** The activity client `client` posts as its `n`th. */
  activity(client: number, n: number): Record<string, unknown>;
  /** Whether an answer is what a person should get; anything else counts as failed. */
  accept?(answer: Answer, client: number, n: number): boolean;
}

export interface LoadFigures {
  clients: number;
  requests: number;
  failed: number;
  seconds: number;
  /** Answered activities per second over the run. */
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export function post(agent: http.Agent, url: string, body: unknown): Promise<Answer> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}/api/messages`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** Nearest-rank percentile of sorted durations. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function runLoad(run: LoadRun): Promise<LoadFigures> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: run.clients });
  const durations: number[] = [];
  const thinkMs = run.thinkMs ?? 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: run.clients }, async (_, client) => {
      // Paced clients start spread over one think time: people do not all write in the same instant.
      if (thinkMs > 0) await sleep((client / run.clients) * thinkMs);
      for (let n = 0; n < run.perClient; n++) {
        if (n > 0 && thinkMs > 0) await sleep(thinkMs);
        const activity = run.activity(client, n);
        const sent = process.hrtime.bigint();
        try {
          const answer = await post(agent, run.url, activity);
          durations.push(Number(process.hrtime.bigint() - sent) / 1e6);
          if (answer.status !== 200 || (run.accept && !run.accept(answer, client, n))) failed++;
        } catch {
          durations.push(Number(process.hrtime.bigint() - sent) / 1e6);
          failed++;
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  durations.sort((a, b) => a - b);
  return {
    clients: run.clients,
    requests: durations.length,
    failed,
    seconds: round(seconds, 2),
    perSecond: round(durations.length / seconds, 1),
    p50Ms: round(percentile(durations, 50), 1),
    p95Ms: round(percentile(durations, 95), 1),
    p99Ms: round(percentile(durations, 99), 1),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
