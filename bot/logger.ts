import crypto from 'node:crypto';
import pino, { type Logger } from 'pino';
import { maskDeep, maskPersonalData } from '../services/platform/privacy';

export type { Logger };

/** pino, with every message and field masked so that no SIM number, phone number, email or token is logged. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? maskPersonalData(arg) : maskDeep(arg))) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

// Letters only, none that read like a digit (I, L, O): easy to spell on the phone, and no masking pattern takes it.
const REFERENCE_LETTERS = 'ABCDEFGHJKMNPQRSTUVWXYZ';

/**
 * An unexpected failure, logged (masked) under a short reference that the person or client is given instead of the
 * error: support finds the log line from what they quote.
 */
export function logFailure(logger: Logger, error: unknown, fields: Record<string, unknown>, message: string): string {
  const reference = Array.from(crypto.randomBytes(8), (byte) => REFERENCE_LETTERS[byte % REFERENCE_LETTERS.length]).join('');
  logger.error({ err: error, reference, ...fields }, message);
  return reference;
}
