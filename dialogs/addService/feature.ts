import { z } from 'zod';
import { t, type Language } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import { recordSummaryCard, serviceSummary } from '../../services/addService/summaryCard';
import { action, defineFeature, type CardAction, type FeatureTurn } from '../feature';
import type { Reply } from '../reply';
import { AddServiceFlow, flowCardSchema, newUserCardSchema, type FlowCardData, type FlowOutcome, type FlowTurn } from './flow';
import { readFlowState } from './state';
import { noticeCard, refusedCard, summaryCard } from './views';

type Stored = unknown;
type FlowAction = (flow: AddServiceFlow, turn: FlowTurn, data: FlowCardData) => Promise<FlowOutcome>;

/** One line per verb: what the flow does with the card's data. */
const flowActions: Record<string, FlowAction> = {
  [Verbs.welcome.addService]: (flow, turn) => flow.start(turn),
  [Verbs.addService.search]: (flow, turn, data) => flow.search(turn, data),
  [Verbs.addService.pickUser]: (flow, turn, data) => flow.pickUser(turn, data),
  [Verbs.addService.next]: (flow, turn, data) => flow.next(turn, data),
  [Verbs.addService.back]: (flow, turn, data) => flow.back(turn, data),
  [Verbs.addService.cancel]: (flow, turn, data) => flow.cancel(turn, data),
  [Verbs.addService.save]: (flow, turn, data) => flow.save(turn, data),
  [Verbs.addService.resume]: (flow, turn) => flow.resume(turn),
  [Verbs.addService.restart]: (flow, turn) => flow.restart(turn),
};

const continueWords = /^(?:continue|go on|resume|doorgaan|verdergaan|ga verder|verder|continuer|reprendre)\s*[.!]?$/i;

const refused = (language: Language): Reply => ({
  kind: 'card',
  card: noticeCard(language, t(language, 'addService.refused.title'), t(language, 'addService.refused.notAdministrator'), false),
});

/**
 * Runs one flow action and shows its card where the flow's card is: in Teams in place of the card pressed, in the
 * web chat by updating the flow's card message (`replacing`), or as a new message. The card's place is kept with the
 * flow, and with a saved service, whose status updates then find it.
 */
async function runFlow(
  turn: FeatureTurn<Stored>,
  run: (flow: AddServiceFlow, flowTurn: FlowTurn) => Promise<FlowOutcome>,
  replacing?: string | 'newMessage',
): Promise<Reply[]> {
  const outcome = await run(new AddServiceFlow(turn.db), { actor: turn.actor, language: turn.language, stored: turn.state });
  turn.keep(outcome.state);
  const activityId = replacing === 'newMessage' ? await turn.channel.postCard(outcome.card) : await turn.channel.showCard(outcome.card, replacing);
  if (!activityId || !outcome.state) return [];
  turn.keep({ ...outcome.state, cardActivityId: activityId });
  if (outcome.savedServiceId) {
    const place = { channelId: turn.channel.channelId, conversationId: turn.channel.conversationId, activityId };
    await recordSummaryCard(turn.db, turn.actor, outcome.savedServiceId, place);
  }
  return [];
}

/** Where the flow's card is shown: the message the flow keeps, else the card pressed. */
const shownCard = (turn: FeatureTurn<Stored>) => readFlowState(turn.state, new Date())?.cardActivityId ?? turn.channel.pressedCardId;

const cardAction = (flowAction: FlowAction): CardAction<Stored> =>
  action(z.unknown(), (turn: FeatureTurn<Stored>, data) => {
    const parsed = flowCardSchema.safeParse(data ?? {});
    return runFlow(turn, (flow, flowTurn) => flowAction(flow, flowTurn, parsed.success ? parsed.data : {}), shownCard(turn));
  });

/** What "Add another service" on a saved service's summary carries: the service the summary shows. */
const anotherSchema = z.object({ summaryOf: z.uuid() });

/**
 * "Add another service": the summary is the record of what was just created, so it stays (in Teams the button's
 * answer is the same summary, read again) and the new flow starts in a card of its own below it.
 */
const anotherService = action(z.unknown(), async (turn: FeatureTurn<Stored>, data) => {
  const another = anotherSchema.safeParse(data ?? {});
  if (!another.success) return runFlow(turn, (flow, flowTurn) => flow.start(flowTurn), shownCard(turn));
  // Read through the domain, which refuses another organisation's service (the runner answers that refusal).
  const summary = await serviceSummary(turn.db, turn.actor, another.data.summaryOf);
  if (turn.channel.teams) await turn.channel.showCard(summaryCard(turn.language, summary), turn.channel.pressedCardId);
  return runFlow(turn, (flow, flowTurn) => flow.start(flowTurn), 'newMessage');
});

const addUserAction = action(newUserCardSchema, (turn: FeatureTurn<Stored>, data) => runFlow(turn, (flow, flowTurn) => flow.addUser(flowTurn, data), shownCard(turn)));

/** An administrator adds a service for an employee, step by step on one card that changes in place. */
export const addServiceFeature = defineFeature<Stored>({
  name: 'addService',
  // The flow reads its state itself (readFlowState): an unfinished flow is resumable for a day.
  state: { key: 'addService', schema: z.unknown() },
  refusal: refused,
  // Card data not as sent (the new person's fields beyond any card's bounds).
  denied: (language, actor) => ({ kind: 'card', card: refusedCard(language, actor) }),
  intents: {
    // "Add a service for Marie", "a data SIM for Marie with the 20 GB bundle": the flow starts with what the words name.
    addService: (turn, match) => {
      const request = { person: match.entities.email ?? match.entities.personName, catalogText: [match.entities.product, match.text].filter(Boolean).join(' ') };
      return runFlow(turn, (flow, flowTurn) => flow.start(flowTurn, request));
    },
  },
  // "continue" typed while a flow is unfinished: its card again, as a new message at the bottom of the chat.
  typedInput: async (turn, text) => {
    const stored = readFlowState(turn.state, new Date());
    if (!stored || stored.step === 'done' || !continueWords.test(text.trim())) return undefined;
    return runFlow(turn, (flow, flowTurn) => flow.resume(flowTurn));
  },
  actions: {
    ...Object.fromEntries(Object.entries(flowActions).map(([verb, flowAction]) => [verb, cardAction(flowAction)])),
    [Verbs.addService.start]: anotherService,
    [Verbs.addService.addUser]: addUserAction,
  },
});
