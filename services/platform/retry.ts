import { maskPersonalData } from './privacy';

/** Exponential backoff: the ceiling doubles from `baseMs` with each attempt and never exceeds `capMs`. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, capMs: 5 * 60_000 };

/** A failure worth trying again later, optionally no sooner than the other side asked (`Retry-After`). */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  readonly retryAfterMs?: number;

  constructor(message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** A failure that another attempt cannot fix (bad request, unknown recipient, invalid payload). */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
  }
}

/**
 * Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform delay between 0 and the
 * exponential ceiling, so that many clients failing together do not retry together. `attempt` counts from 1.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy = defaultBackoff, random = Math.random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30); // 2^30 already exceeds any sensible cap
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * Milliseconds to wait according to an HTTP `Retry-After` header: delay-seconds or an HTTP date
 * (RFC 9110 §10.2.3). Undefined when absent or unreadable; a date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  // Every HTTP date form names a month; without this, Date.parse accepts strings like "-5" as years.
  const at = /[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/**
 * How long to wait before attempt `attempt + 1`: jittered backoff, but never sooner than a Retry-After the error
 * carries (the server's wait is a floor; the cap does not shorten it).
 */
export function retryDelayMs(error: unknown, attempt: number, policy: BackoffPolicy = defaultBackoff, random = Math.random): number {
  const backoff = backoffDelayMs(attempt, policy, random);
  return error instanceof RetryableError && error.retryAfterMs !== undefined ? Math.max(error.retryAfterMs, backoff) : backoff;
}

/** Unknown errors (a dropped connection, a timeout) are retried; only a PermanentError stops at once. */
export function isPermanent(error: unknown): boolean {
  return error instanceof PermanentError;
}

/**
 * The error for an unsuccessful HTTP response: retryable on 429, 412 and 5xx (Teams asks for backoff on 429, 412,
 * 502 and 504; other 5xx are usually transient too), honouring Retry-After; permanent otherwise.
 */
export function httpStatusError(status: number, retryAfter?: string | null, now: Date = new Date()): RetryableError | PermanentError {
  const message = `HTTP ${status}`;
  if (status === 429 || status === 412 || status >= 500) {
    return new RetryableError(message, { retryAfterMs: parseRetryAfter(retryAfter, now) });
  }
  return new PermanentError(message);
}

const MAX_ERROR_TEXT = 500;

/** An error as it may be stored in `lastError` or logged: its name and message, personal data masked, bounded. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : `Error: ${String(error)}`;
  const masked = maskPersonalData(text);
  return masked.length > MAX_ERROR_TEXT ? `${masked.slice(0, MAX_ERROR_TEXT - 1)}…` : masked;
}
