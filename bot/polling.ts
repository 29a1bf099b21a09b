import { inBackground } from '../services/platform/db/priority';
import { describeError } from '../services/platform/retry';
import type { Logger } from './logger';

/**
 * A round of background work run every `intervalMs` until stopped; a failed round is logged and the next one runs
 * anyway.
 */
export interface Polling {
  start(): void;
  /** Stops, waiting for a round under way. */
  stop(): Promise<void>;
}

export function polling(round: () => Promise<void>, options: { intervalMs: number; logger: Logger; what: string }): Polling {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let current: Promise<void> | undefined;

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      current = inBackground(round)
        .catch((error: unknown) => options.logger.error({ error: describeError(error) }, `${options.what} failed`))
        .finally(schedule);
    }, options.intervalMs);
  }

  return {
    start() {
      if (running) return;
      running = true;
      schedule();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await current;
    },
  };
}
