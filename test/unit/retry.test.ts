import {
  PermanentError,
  RetryableError,
  backoffDelayMs,
  describeError,
  httpStatusError,
  parseRetryAfter,
  retryDelayMs,
} from '../../services/platform/retry';

const policy = { baseMs: 100, capMs: 1_000 };
const lowest = () => 0;
const highest = () => 0.999999;

describe('backoffDelayMs (full jitter)', () => {
  test('stays between 0 and the exponential ceiling', () => {
    for (const [attempt, ceiling] of [
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 800],
    ] as const) {
      expect(backoffDelayMs(attempt, policy, lowest)).toBe(0);
      expect(backoffDelayMs(attempt, policy, highest)).toBe(ceiling - 1);
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelayMs(attempt, policy);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  test('never exceeds the cap, even after many attempts', () => {
    for (const attempt of [5, 10, 50, 1_000]) {
      expect(backoffDelayMs(attempt, policy, highest)).toBe(999);
    }
  });

  test('spreads delays rather than repeating one value', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(6, policy)));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-11-25T10:00:00Z');

  test('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  test('reads an HTTP date relative to now', () => {
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 09:59:00 GMT', now)).toBe(0);
  });

  test('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  test('waits at least as long as Retry-After asks, beyond the cap', () => {
    const error = new RetryableError('HTTP 429', { retryAfterMs: 60_000 });
    expect(retryDelayMs(error, 1, policy, highest)).toBe(60_000);
  });

  test('keeps the longer backoff when Retry-After is shorter', () => {
    const error = new RetryableError('HTTP 429', { retryAfterMs: 10 });
    expect(retryDelayMs(error, 4, policy, highest)).toBe(799);
    expect(retryDelayMs(error, 4, policy, lowest)).toBe(10);
  });

  test('uses plain backoff for errors without Retry-After', () => {
    expect(retryDelayMs(new Error('socket hang up'), 2, policy, highest)).toBe(199);
  });
});

describe('httpStatusError', () => {
  const now = new Date('2026-11-25T10:00:00Z');

  test.each([429, 412, 500, 502, 503, 504])('%i is retryable', (status) => {
    expect(httpStatusError(status, null, now)).toBeInstanceOf(RetryableError);
  });

  test.each([400, 401, 403, 404])('%i is permanent', (status) => {
    expect(httpStatusError(status, '5', now)).toBeInstanceOf(PermanentError);
  });

  test('carries Retry-After in both forms', () => {
    expect((httpStatusError(429, '3', now) as RetryableError).retryAfterMs).toBe(3_000);
    expect((httpStatusError(503, 'Wed, 25 Nov 2026 10:01:00 GMT', now) as RetryableError).retryAfterMs).toBe(60_000);
    expect((httpStatusError(502, null, now) as RetryableError).retryAfterMs).toBeUndefined();
  });
});

describe('describeError', () => {
  test('masks personal data and bounds the length', () => {
    const text = describeError(new Error(`no conversation for jan.peeters@demo.example on +32 470 12 34 56 ${'x'.repeat(900)}`));
    expect(text).toMatch(/^Error: no conversation for j\*\*\*@demo\.example on …56/);
    expect(text).not.toContain('jan.peeters');
    expect(text).not.toContain('470 12 34');
    expect(text.length).toBeLessThanOrEqual(500);
  });

  test('names the error class', () => {
    expect(describeError(new PermanentError('HTTP 403'))).toBe('PermanentError: HTTP 403');
    expect(describeError('plain string')).toBe('Error: plain string');
  });
});
