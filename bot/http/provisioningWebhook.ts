import crypto from 'node:crypto';
import type restify from 'restify';
import { z } from 'zod';
import type { Database } from '../../services/platform/db/database';
import { applyProvisioningEvent, provisioningEventSchema, type ProvisioningOutcome } from '../../services/lifecycle/provisioningEvents';
import type { Config } from '../config';
import type { Logger } from '../logger';

/**
 * POST /api/provisioning/events: the real provisioning backend's and number-portability exchange's callbacks.
 * The sender signs `timestamp + "." + body` with HMAC-SHA256 and the shared PROVISIONING_WEBHOOK_SECRET; an unsigned,
 * wrongly signed or stale request, or a malformed body, is refused before anything is read from the database.
 */

export const TIMESTAMP_HEADER = 'x-provisioning-timestamp';
export const SIGNATURE_HEADER = 'x-provisioning-signature';

/** How far the sender's clock may be from ours; older requests are replays. */
export const REPLAY_WINDOW_MS = 5 * 60 * 1000;
const MAX_BODY_BYTES = 64 * 1024;

export interface ProvisioningWebhookDeps {
  db: Database;
  config: Config;
  logger: Logger;
}

/** The signature header's value for a body sent at `timestamp` (seconds since the epoch): for senders and tests. */
export function signProvisioningEvent(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const headersSchema = z.object({
  [TIMESTAMP_HEADER]: z.string().regex(/^\d{1,12}$/),
  [SIGNATURE_HEADER]: z.string().regex(/^sha256=[0-9a-f]{64}$/),
});

const answers: Record<ProvisioningOutcome['status'], { status: number; result: string }> = {
  applied: { status: 200, result: 'applied' },
  already: { status: 200, result: 'already applied' },
  duplicate: { status: 200, result: 'duplicate event id: ignored' },
  'not-found': { status: 404, result: 'unknown request or service' },
  conflict: { status: 409, result: 'this step is not possible from the current state' },
};

export function registerProvisioningWebhook(server: restify.Server, deps: ProvisioningWebhookDeps): void {
  const { db, logger } = deps;
  const secret = deps.config.provisioningWebhookSecret;

  server.post('/api/provisioning/events', async (req: restify.Request, res: restify.Response) => {
    if (!secret) {
      res.send(503, { error: 'the provisioning webhook is not configured: set PROVISIONING_WEBHOOK_SECRET' });
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      res.send(413, { error: `the body is larger than ${MAX_BODY_BYTES} bytes` });
      return;
    }
    const refusal = signatureProblem(secret, req.headers, body, Date.now());
    if (refusal) {
      logger.warn({ reason: refusal }, 'provisioning event refused');
      res.send(401, { error: refusal });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      res.send(400, { error: 'the body is not JSON' });
      return;
    }
    const parsed = provisioningEventSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      res.send(400, { error: `invalid event: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` });
      return;
    }
    const outcome = await applyProvisioningEvent(db.prisma, parsed.data);
    logger.info({ type: parsed.data.type, outcome: outcome.status }, 'provisioning event');
    const answer = answers[outcome.status];
    res.send(answer.status, { result: answer.result, ...(outcome.status === 'conflict' ? { state: outcome.state } : {}) });
  });
}

/** Why the request is not from the backend, or undefined when its signature holds and it is fresh. */
function signatureProblem(secret: string, headers: Record<string, unknown>, body: string, now: number): string | undefined {
  const parsed = headersSchema.safeParse(headers);
  if (!parsed.success) return `the ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} (sha256=<hex>) headers are required`;
  const timestamp = parsed.data[TIMESTAMP_HEADER];
  if (Math.abs(now - Number(timestamp) * 1000) > REPLAY_WINDOW_MS) return 'the timestamp is outside the 5-minute window';
  const expected = Buffer.from(signProvisioningEvent(secret, timestamp, body));
  const given = Buffer.from(parsed.data[SIGNATURE_HEADER]);
  // Both have the fixed "sha256=" + 64 hex length here, as timingSafeEqual requires.
  if (!crypto.timingSafeEqual(expected, given)) return 'the signature does not match';
  return undefined;
}

/** The raw body, as signed; undefined when it exceeds the limit. */
async function readBody(req: restify.Request): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
