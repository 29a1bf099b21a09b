import { CardFactory, MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import { withSubmitActions, type AdaptiveCard as Card } from '../cards/render';
import type { Reply } from '../dialogs/reply';

/** The Teams channel: the only client that does Universal Actions (Action.Execute) and file consent cards. */
export const TEAMS_CHANNEL_ID = 'msteams';

/** A card as a message for this channel: elsewhere than in Teams, the buttons must be plain submits. */
export function cardActivity(channelId: string | undefined, card: Card): Partial<Activity> {
  return MessageFactory.attachment(CardFactory.adaptiveCard(channelId === TEAMS_CHANNEL_ID ? card : withSubmitActions(card)));
}

/** A reply as a message for this channel. */
export function replyActivity(channelId: string | undefined, reply: Reply): Partial<Activity> {
  return reply.kind === 'text' ? MessageFactory.text(reply.text) : cardActivity(channelId, reply.card);
}

export async function send(context: TurnContext, reply: Reply): Promise<void> {
  await context.sendActivity(replyActivity(context.activity.channelId, reply));
}
