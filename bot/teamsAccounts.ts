import { TeamsInfo, type TurnContext } from 'botbuilder';
import { linkTeamsAccount } from '../services/people/teamsLinking';
import { recognise, type Recognition } from '../services/people/people';
import type { Db } from '../services/platform/db/database';
import { describeError } from '../services/platform/retry';
import { channelIdentityOf } from './identity';
import type { Logger } from './logger';

const TEAMS_CHANNEL_ID = 'msteams';

/** The member call is on the path of a person's first message: past this, they get today's "ask your administrator". */
export const MEMBER_LOOKUP_TIMEOUT_MS = 5_000;

/** Who a Teams writer turned out to be, and the address their account was linked by when that happened in this turn. */
export interface TeamsRecognition {
  recognition: Recognition;
  linkedBy?: string;
}

/**
 * A Teams writer the organisation does not know by account yet: Teams tells who they are (the Bot Connector's member
 * call), and the person added with that email address gets this account (services/people/teamsLinking.ts).
 */
export async function recogniseTeamsWriter(db: Db, context: TurnContext, recognition: Recognition, logger: Logger): Promise<TeamsRecognition> {
  const identity = channelIdentityOf(context);
  if (recognition.status !== 'unknown-person' || context.activity.channelId !== TEAMS_CHANNEL_ID || identity.kind !== 'aad') {
    return { recognition };
  }
  const addresses = await teamsAddressesOf(context, identity.aadObjectId, logger);
  if (addresses.length === 0) return { recognition };
  const linking = await linkTeamsAccount(db, { ...identity, addresses });
  if (linking.status === 'linked') return { recognition: { status: 'known', actor: linking.actor }, linkedBy: linking.address };
  // Another turn of the same person may have linked the account meanwhile.
  return { recognition: await recognise(db, identity) };
}

/** The writer's email and user principal name, as Teams has them; none when Teams cannot say in time. */
async function teamsAddressesOf(context: TurnContext, aadObjectId: string, logger: Logger): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const member = await Promise.race([
      TeamsInfo.getMember(context, context.activity.from.id),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer to the member call within ${MEMBER_LOOKUP_TIMEOUT_MS} ms`)), MEMBER_LOOKUP_TIMEOUT_MS);
      }),
    ]);
    // The account Teams describes must be the one that wrote.
    if (member.aadObjectId && member.aadObjectId.toLowerCase() !== aadObjectId.toLowerCase()) return [];
    return [member.email, member.userPrincipalName].filter((address): address is string => typeof address === 'string' && address.length > 0);
  } catch (error) {
    logger.info({ error: describeError(error) }, 'Teams member call gave no account');
    return [];
  } finally {
    clearTimeout(timer);
  }
}
