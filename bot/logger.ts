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
