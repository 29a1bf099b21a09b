import type { AdaptiveCard, Application } from '@microsoft/teams-ai';
import { CardFactory, MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import { withSubmitActions } from '../cards/render';
import type { Reply } from '../dialogs/welcome';
import type { AppTurnState } from './turnState';

export async function send(context: TurnContext, reply: Reply): Promise<void> {
  await context.sendActivity(toActivity(context, reply));
}

function toActivity(context: TurnContext, reply: Reply): Partial<Activity> {
  if (reply.kind === 'text') return MessageFactory.text(reply.text);
  // Only Teams does Universal Actions; elsewhere the buttons must be plain submits.
  const card = context.activity.channelId === 'msteams' ? reply.card : withSubmitActions(reply.card);
  return MessageFactory.attachment(CardFactory.adaptiveCard(card));
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
