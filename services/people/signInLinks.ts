import crypto from 'node:crypto';
import { z } from 'zod';
import { LinkPurpose, Role, type Language } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { enqueue, jobHandler, type JobHandler } from '../platform/jobQueue';
import type { ComposedEmail } from '../notifications/activationEmail';
import type { Mailer } from '../notifications/mail';
import { createAccessLink } from './accessLinks';
import { takeAttempt, type AttemptLimit } from './attemptWindows';

/**
 * A sign-in link for the web chat, asked for by email address on the page: mailed only to a fleet administrator or a
 * support person with that address, and the page says the same whatever the address, so that nobody learns from it
 * who works where. The link works once, for a day, like the one `npm start` prints.
 */

export const SIGN_IN_LINK_TTL_MS = 24 * 60 * 60 * 1000;
/** Requests for one address per hour: enough for a lost email, too few to flood someone's inbox. */
const PER_ADDRESS: AttemptLimit = { limit: 3, windowMs: 60 * 60 * 1000 };

export const SignInJobs = { sendLink: 'people.sendSignInLink' } as const;
const sendLinkJobSchema = z.object({ personId: z.uuid() });

/** Bounded before anything else reads it: an address is at most 254 characters. */
export const signInRequestSchema = z.object({ email: z.string().trim().max(254).pipe(z.email()) });

/** Queues the email to the people who may sign in with that address; does nothing visible otherwise. */
export async function requestSignInLink(db: Db, email: string, now = new Date()): Promise<void> {
  const address = email.trim().toLowerCase();
  const key = `sign-in-address:${crypto.createHash('sha256').update(address).digest('hex')}`;
  if (!(await takeAttempt(db, key, PER_ADDRESS, now)).allowed) return;
  const people = await db.person.findMany({
    where: {
      email: { equals: address, mode: 'insensitive' },
      role: { in: [Role.ADMINISTRATOR, Role.SUPPORT] },
      // Someone removed, or of an organisation the operator deactivated, can no longer act: no link to mail.
      removedAt: null,
      organisation: { deactivatedAt: null },
    },
    select: { id: true },
  });
  for (const { id } of people) {
    await enqueue(db, { kind: SignInJobs.sendLink, payload: { personId: id } });
  }
}

export interface SignInEmailData {
  language: Language;
  name: string;
  organisation: string;
  link: string;
  expiresAt: Date;
}

export interface SignInLinkJobDeps {
  db: Db;
  mailer: Mailer;
  compose: (data: SignInEmailData) => ComposedEmail;
  /** Base of the link, e.g. https://bot.example.com. */
  publicUrl: string;
  /** Where the email went when there is no SMTP server (the console): the file, never the link. */
  announce?: (line: string) => void;
}

/** Makes the link just before sending it, so that a retried job never leaves a usable link nobody received. */
export function signInLinkJob(deps: SignInLinkJobDeps): JobHandler<z.infer<typeof sendLinkJobSchema>> {
  return jobHandler(sendLinkJobSchema, async ({ personId }) => {
    const person = await deps.db.person.findUnique({ where: { id: personId }, include: { organisation: true } });
    if (!person || person.role === Role.USER) return;
    const { token, expiresAt } = await createAccessLink(deps.db, { purpose: LinkPurpose.ADMIN_SIGN_IN, personId, ttlMs: SIGN_IN_LINK_TTL_MS });
    const language = person.preferredLanguage ?? person.lastLanguage ?? 'en';
    const email = deps.compose({
      language,
      name: person.displayName,
      organisation: person.organisation.name,
      link: `${deps.publicUrl}/signin/${token}`,
      expiresAt,
    });
    const sent = await deps.mailer.send({ to: person.email, language, ...email });
    if (!deps.mailer.usesSmtp) (deps.announce ?? ((line) => process.stdout.write(`${line}\n`)))(`Sign-in email written to ${sent.file}`);
  });
}
