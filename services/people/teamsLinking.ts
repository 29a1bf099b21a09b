import { z } from 'zod';
import type { Db } from '../platform/db/database';
import type { Actor } from './people';

/**
 * A Teams account the bot has not seen yet, linked to the person an administrator (or the operator) added with that
 * account's email address: the first message from Teams then works without anyone copying AAD object ids around.
 * Only within the organisation of the writer's own tenant, only a person without an account yet (a linked identity
 * is never moved to another account), and only when exactly one person has that address.
 */

/** What Teams says about the writer (the Bot Connector's member call): the addresses their account goes by. */
const teamsAccountSchema = z.object({
  tenantId: z.string().trim().min(1).max(100),
  aadObjectId: z.string().trim().min(1).max(100),
  // Both are email-shaped in Entra ID; either may be the one an administrator typed.
  addresses: z.array(z.string().trim().toLowerCase().max(320)).max(4),
});
export type TeamsAccount = z.input<typeof teamsAccountSchema>;

export type TeamsLinking = { status: 'linked'; actor: Actor; address: string } | { status: 'no-match' };

export async function linkTeamsAccount(db: Db, account: TeamsAccount): Promise<TeamsLinking> {
  const { tenantId, aadObjectId, addresses } = teamsAccountSchema.parse(account);
  const emails = [...new Set(addresses.filter((address) => address.includes('@')))];
  if (emails.length === 0) return { status: 'no-match' };
  const organisation = await db.organisation.findUnique({ where: { tenantId: tenantId.toLowerCase() } });
  if (!organisation) return { status: 'no-match' };
  const candidates = await db.person.findMany({
    where: {
      organisationId: organisation.id,
      aadObjectId: null,
      removedAt: null,
      OR: emails.map((email) => ({ email: { equals: email, mode: 'insensitive' as const } })),
    },
    select: { id: true, email: true },
  });
  // Two people answering to the account's two addresses: which one it is, only an administrator can say.
  if (candidates.length !== 1) return { status: 'no-match' };
  const [candidate] = candidates as [{ id: string; email: string }];
  const linked = await db.$transaction(async (tx) => {
    // Still without an account (two first messages at once link once), and the account not someone else's already.
    const taken = await tx.person.findFirst({ where: { organisationId: organisation.id, aadObjectId: aadObjectId.toLowerCase() } });
    if (taken) return false;
    const claimed = await tx.person.updateMany({ where: { id: candidate.id, aadObjectId: null }, data: { aadObjectId: aadObjectId.toLowerCase() } });
    if (claimed.count !== 1) return false;
    await tx.auditEvent.create({
      data: {
        organisationId: organisation.id,
        actorId: candidate.id,
        action: 'person.teamsLinked',
        subjectType: 'Person',
        subjectId: candidate.id,
        after: { by: 'email', aadObjectId: aadObjectId.toLowerCase() },
      },
    });
    return true;
  });
  if (!linked) return { status: 'no-match' };
  const actor = await db.person.findUniqueOrThrow({ where: { id: candidate.id }, include: { organisation: true } });
  return { status: 'linked', actor, address: candidate.email };
}
