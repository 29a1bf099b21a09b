import type { Application } from '@microsoft/teams-ai';
import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { withSubmitActions, type AdaptiveCard } from '../../cards/render';
import { t } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import { AddServiceFlow, flowCardSchema, type FlowCardData, type FlowOutcome, type FlowTurn } from '../../dialogs/addService/flow';
import { readFlowState } from '../../dialogs/addService/state';
import { noticeCard } from '../../dialogs/addService/views';
import type { Database } from '../../services/platform/db/database';
import { recordSummaryCard } from '../../services/addService/addService';
import { factsOf } from '../turnFacts';
import type { AppTurnState } from '../turnState';
import type { IntentHandler, IntentName } from './intents';

export interface AddServiceRouteDeps {
  db: Database;
}

type FlowAction = (flow: AddServiceFlow, turn: FlowTurn, data: FlowCardData) => Promise<FlowOutcome>;

/** One line per verb: what the flow does with the card's data. */
const actions: Record<string, FlowAction> = {
  [Verbs.welcome.addService]: (flow, turn) => flow.start(turn),
  [Verbs.addService.start]: (flow, turn) => flow.start(turn),
  [Verbs.addService.search]: (flow, turn, data) => flow.search(turn, data),
  [Verbs.addService.pickUser]: (flow, turn, data) => flow.pickUser(turn, data),
  [Verbs.addService.next]: (flow, turn, data) => flow.next(turn, data),
  [Verbs.addService.back]: (flow, turn, data) => flow.back(turn, data),
  [Verbs.addService.cancel]: (flow, turn, data) => flow.cancel(turn, data),
  [Verbs.addService.save]: (flow, turn, data) => flow.save(turn, data),
  [Verbs.addService.resume]: (flow, turn) => flow.resume(turn),
  [Verbs.addService.restart]: (flow, turn) => flow.restart(turn),
};

/**
 * The add-service flow's buttons. In Teams (Action.Execute) the invoke is answered with the next card, which replaces
 * the card in place; in the web chat (Action.Submit) the flow's card message is updated, or a new one sent when its
 * id is unknown.
 */
export function registerAddServiceRoutes(app: Application<AppTurnState>, deps: AddServiceRouteDeps): void {
  const flow = new AddServiceFlow(deps.db.prisma);
  for (const [verb, action] of Object.entries(actions)) {
    app.adaptiveCards.actionExecute(verb, async (context, state, data) => {
      const outcome = await runFlow(flow, context, state, data, action);
      await keepCardPlace(deps, context, state, outcome, context.activity.replyToId);
      return outcome.card;
    });
    app.adaptiveCards.actionSubmit(verb, async (context, state, data) => {
      const shown = readFlowState(state.conversation.addService, new Date())?.cardActivityId ?? context.activity.replyToId;
      const outcome = await runFlow(flow, context, state, data, action);
      await keepCardPlace(deps, context, state, outcome, await showCard(context, outcome.card, shown));
    });
  }
}

/** "Add a service for Marie", "a data SIM for Marie with the 20 GB bundle": the flow starts with what the words name. */
export function intentHandlers(deps: AddServiceRouteDeps): Partial<Record<IntentName, IntentHandler<AppTurnState>>> {
  const flow = new AddServiceFlow(deps.db.prisma);
  return {
    addService: async (context, state, _facts, match) => {
      const request = { person: match.entities.email ?? match.entities.personName, catalogText: [match.entities.product, match.text].filter(Boolean).join(' ') };
      const outcome = await runFlow(flow, context, state, {}, (f, turn) => f.start(turn, request));
      await keepCardPlace(deps, context, state, outcome, await showCard(context, outcome.card, undefined));
    },
  };
}

const continueWords = /^\s*(continue|go on|resume|doorgaan|verdergaan|ga verder|verder|continuer|reprendre)\s*[.!]?\s*$/i;

/** "continue" typed while a flow is unfinished: its card again, as a new message at the bottom of the chat. */
export async function continueAddService(deps: AddServiceRouteDeps, context: TurnContext, state: AppTurnState): Promise<boolean> {
  const stored = readFlowState(state.conversation.addService, new Date());
  if (!stored || stored.step === 'done' || !continueWords.test(context.activity.text ?? '')) return false;
  const outcome = await runFlow(new AddServiceFlow(deps.db.prisma), context, state, {}, (flow, turn) => flow.resume(turn));
  await keepCardPlace(deps, context, state, outcome, await showCard(context, outcome.card, undefined));
  return true;
}

/** Runs one flow action for this turn's person and keeps the flow the action returns. */
async function runFlow(flow: AddServiceFlow, context: TurnContext, state: AppTurnState, data: unknown, action: FlowAction): Promise<FlowOutcome> {
  const { recognition, language } = factsOf(context);
  if (recognition.status !== 'known') {
    const card = noticeCard(language, t(language, 'addService.refused.title'), t(language, 'addService.refused.notAdministrator'), false);
    return { state: undefined, card };
  }
  const parsed = flowCardSchema.safeParse(data ?? {});
  const turn: FlowTurn = { actor: recognition.actor, language, stored: state.conversation.addService };
  const outcome = await action(flow, turn, parsed.success ? parsed.data : {});
  state.conversation.addService = outcome.state;
  return outcome;
}

/** Shows the card where the flow's card is (updated in place) or, without its id, as a new message; returns its id. */
async function showCard(context: TurnContext, card: AdaptiveCard, shownId: string | undefined): Promise<string | undefined> {
  const cardFor = context.activity.channelId === 'msteams' ? card : withSubmitActions(card);
  const activity = MessageFactory.attachment(CardFactory.adaptiveCard(cardFor));
  if (shownId) {
    const updated = await context.updateActivity({ ...activity, id: shownId }).then(() => true, () => false);
    if (updated) return shownId;
  }
  return (await context.sendActivity(activity))?.id;
}

/** Remembers the card's message: the flow updates it in place, and a saved service's status updates find it. */
async function keepCardPlace(deps: AddServiceRouteDeps, context: TurnContext, state: AppTurnState, outcome: FlowOutcome, activityId: string | undefined) {
  if (!activityId || !outcome.state) return;
  state.conversation.addService = { ...outcome.state, cardActivityId: activityId };
  const { recognition } = factsOf(context);
  if (outcome.savedServiceId && recognition.status === 'known') {
    const place = { channelId: context.activity.channelId, conversationId: context.activity.conversation.id, activityId };
    await recordSummaryCard(deps.db.prisma, recognition.actor, outcome.savedServiceId, place);
  }
}
