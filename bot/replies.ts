import type { AdaptiveCard, Application } from '@microsoft/teams-ai';
import { CardFactory, MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import { withSubmitActions, type AdaptiveCard as Card } from '../cards/render';
import type { Reply } from '../dialogs/reply';
import type { AppTurnState } from './turnState';

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

/** A card action's answer, whatever the client: several replies, of which Teams shows the first in place of the card. */
export type ActionAnswer = (context: TurnContext, state: AppTurnState, data: unknown) => Promise<Reply[]>;

/**
 * Registers one verb for both clients: Teams' Action.Execute (the invoke is answered with the first reply, which
 * replaces the card, and the others follow as messages) and the web chat's Action.Submit (every reply a message).
 */
export function onCardAction(app: Application<AppTurnState>, verb: string, answer: ActionAnswer): void {
  app.adaptiveCards.actionExecute(verb, async (context, state, data) => {
    const [first, ...rest] = await answer(context, state, data);
    for (const reply of rest) await send(context, reply);
    if (!first) return '';
    return first.kind === 'text' ? first.text : (first.card as unknown as AdaptiveCard);
  });
  app.adaptiveCards.actionSubmit(verb, async (context, state, data) => {
    for (const reply of await answer(context, state, data)) await send(context, reply);
  });
}
