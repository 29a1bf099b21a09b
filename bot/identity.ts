import type { TurnContext } from 'botbuilder';
import type { ChannelIdentity } from '../services/people/people';

/**
 * Where the web chat adapter puts the identity of the person its conversation is tied to. It is set on the server
 * side from the conversation's record, never from anything the browser sent.
 */
export const WEB_CHAT_IDENTITY = 'webChatIdentity';

/** Who wrote this activity, as far as the channel vouches for it. */
export function channelIdentityOf(context: TurnContext): ChannelIdentity {
  const webChat = context.turnState.get(WEB_CHAT_IDENTITY) as ChannelIdentity | undefined;
  if (webChat) return webChat;
  const activity = context.activity;
  const tenantId: unknown = activity.channelData?.tenant?.id ?? activity.conversation?.tenantId;
  const aadObjectId: unknown = activity.from?.aadObjectId;
  if (typeof tenantId === 'string' && tenantId && typeof aadObjectId === 'string' && aadObjectId) {
    return { kind: 'aad', tenantId: tenantId.slice(0, 100), aadObjectId: aadObjectId.slice(0, 100) };
  }
  return { kind: 'anonymous' };
}
