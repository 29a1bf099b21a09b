import { configFromEnvironment } from '../bot/config';
import { startBot } from '../bot/main';
import { z } from 'zod';

/**
 * The bot as `npm start` runs it, in a process of its own, for `npm run bench`. Its environment comes from the
 * harness (PORT=0, DATA_DIR, DATABASE_URL); the only difference from `npm start` is Teams' rate limits, raised so
 * that the notifier's own speed is measured against the local connector. Beside HTTP, the harness talks to it
 * over IPC: SQL on its database (an embedded PGlite database admits no second process) and its memory figures.
 */

/** Teams allows 50 messages a second per tenant; the bench sends thousands to one tenant. */
const BENCH_RATE_LIMIT_FACTOR = 1_000;

const requestSchema = z.discriminatedUnion('type', [
  z.object({ id: z.number(), type: z.literal('sql'), text: z.string(), params: z.array(z.unknown()).default([]) }),
  z.object({ id: z.number(), type: z.literal('memory') }),
]);

async function main(): Promise<void> {
  const bot = await startBot(configFromEnvironment(), { notifier: { rateLimitFactor: BENCH_RATE_LIMIT_FACTOR } });
  process.on('message', (message: unknown) => {
    const request = requestSchema.safeParse(message);
    if (!request.success) return;
    const { id } = request.data;
    const answer =
      request.data.type === 'sql'
        ? bot.db.sql.query(request.data.text, request.data.params).then((rows) => ({ rows }))
        : Promise.resolve({ ...memoryKb(), maxRssKb: process.resourceUsage().maxRSS });
    answer.then(
      (result) => process.send?.({ id, ...result }),
      (error: unknown) => process.send?.({ id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.once('disconnect', () => {
    void bot.close().finally(() => process.exit(0));
  });
  process.send?.({ type: 'ready', url: bot.url });
}

/** Where the memory is now: V8's heap, and outside it (PGlite's WebAssembly memory and buffers count as external). */
function memoryKb() {
  const { rss, heapTotal, heapUsed, external } = process.memoryUsage();
  const kb = (bytes: number) => Math.round(bytes / 1024);
  return { rssKb: kb(rss), heapTotalKb: kb(heapTotal), heapUsedKb: kb(heapUsed), externalKb: kb(external) };
}

main().catch((error: unknown) => {
  process.stderr.write(`bench bot could not start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
