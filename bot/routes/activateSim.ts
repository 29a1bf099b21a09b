import type { Application } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import { t } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import {
  activateSim,
  activateSimFlowSchema,
  chooseServiceDataSchema,
  startActivation,
  startDataSchema,
  suggestionDataSchema,
  suggestionRejected,
  type ActivateSimFlow,
  type SimInput,
  type SimTurn,
} from '../../dialogs/activateSim';
import type { Reply } from '../../dialogs/reply';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { WEB_CHAT_IDENTITY } from '../identity';
import { factsOf } from '../turnFacts';
import { onCardAction, send } from '../replies';
import type { AppTurnState } from '../turnState';
import { findConversation } from '../webChat/conversations';
import type { IntentHandler, IntentName } from './intents';

export interface ActivateSimDeps {
  db: Database;
}

/** The flow kept in the conversation, if it is still a valid one. */
function flowOf(state: AppTurnState) {
  const parsed = activateSimFlowSchema.safeParse(state.conversation.activateSim);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The service the turn's conversation is tied to: the web chat on a personal activation page speaks of that service
 * only. Read from the conversation's record, which the server keeps; a Teams turn has none.
 */
async function tiedService(deps: ActivateSimDeps, context: TurnContext): Promise<string | undefined> {
  if (!context.turnState.get(WEB_CHAT_IDENTITY)) return undefined;
  const conversation = await findConversation(deps.db.prisma, context.activity.conversation.id);
  return conversation?.serviceId ?? undefined;
}

type Step = (actor: Actor, tiedTo: string | undefined, flow: ActivateSimFlow | undefined) => Promise<SimTurn>;

/** Runs one step of the flow for the person of this turn and keeps what the next step needs. */
async function step(deps: ActivateSimDeps, context: TurnContext, state: AppTurnState, run: Step): Promise<Reply[]> {
  const facts = factsOf(context);
  if (facts.recognition.status !== 'known') return [{ kind: 'text', text: t(facts.language, 'activation.none') }];
  const turn = await run(facts.recognition.actor, await tiedService(deps, context), flowOf(state));
  state.conversation.activateSim = turn.flow;
  return turn.replies;
}

/** A step that takes a number or a service: the dialog's own. */
function simStep(deps: ActivateSimDeps, context: TurnContext, input: (flow: ActivateSimFlow | undefined) => SimInput): Step {
  return (actor, tiedTo, flow) => activateSim(deps.db.prisma, actor, factsOf(context).language, { ...input(flow), tiedTo });
}

/** "Activate my SIM", or a SIM card number pasted on its own. */
export function intentHandlers(deps: ActivateSimDeps): Partial<Record<IntentName, IntentHandler<AppTurnState>>> {
  return {
    activateSim: async (context, state, _facts, match) => {
      const replies = await step(deps, context, state, simStep(deps, context, (flow) => ({ iccid: match.entities.iccid, serviceId: flow?.serviceId })));
      for (const reply of replies) await send(context, reply);
    },
  };
}

/** The welcome button and the buttons of this flow, for Teams and the web chat alike. */
export function registerActivateSimRoutes(app: Application<AppTurnState>, deps: ActivateSimDeps): void {
  const denied = (context: TurnContext): Reply[] => [{ kind: 'text', text: t(factsOf(context).language, 'activation.denied') }];

  onCardAction(app, Verbs.welcome.activateSim, (context, state) => step(deps, context, state, simStep(deps, context, () => ({}))));
  onCardAction(app, Verbs.activateSim.chooseService, async (context, state, data) => {
    const parsed = chooseServiceDataSchema.safeParse(data);
    if (!parsed.success) return denied(context);
    return step(deps, context, state, simStep(deps, context, () => parsed.data));
  });
  onCardAction(app, Verbs.activateSim.acceptSuggestion, async (context, state, data) => {
    const parsed = suggestionDataSchema.safeParse(data);
    if (!parsed.success) return denied(context);
    return step(deps, context, state, simStep(deps, context, () => parsed.data));
  });
  onCardAction(app, Verbs.activateSim.rejectSuggestion, async (context, state, data) => {
    const parsed = suggestionDataSchema.safeParse(data);
    if (!parsed.success) return denied(context);
    return step(deps, context, state, async () => suggestionRejected(factsOf(context).language, parsed.data.serviceId));
  });
  onCardAction(app, Verbs.activateSim.start, async (context, state, data) => {
    const parsed = startDataSchema.safeParse(data);
    if (!parsed.success) return denied(context);
    return step(deps, context, state, (actor, tiedTo) => startActivation(deps.db.prisma, actor, factsOf(context).language, tiedTo ?? parsed.data.serviceId));
  });
}

/**
 * A typed message that belongs to this flow before any intent is looked for: a number typed while the bot waits for
 * one, or a SIM card number pasted on its own. Returns false when the message is not for this flow.
 */
export async function continueActivateSim(deps: ActivateSimDeps, context: TurnContext, state: AppTurnState): Promise<boolean> {
  const text = context.activity.text ?? '';
  const pending = flowOf(state) !== undefined && /\d/.test(text);
  if (!pending && !/^\s*89[\d\s-]{15,}\s*$/.test(text)) return false;
  const replies = await step(deps, context, state, simStep(deps, context, (flow) => ({ iccid: text, serviceId: flow?.serviceId })));
  for (const reply of replies) await send(context, reply);
  return true;
}
