import type { Application } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import { t } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import {
  activateSim,
  activateSimFlowSchema,
  chooseServiceDataSchema,
  suggestionDataSchema,
  suggestionRejected,
  type SimInput,
  type SimTurn,
} from '../../dialogs/activateSim';
import type { Reply } from '../../dialogs/welcome';
import type { Database } from '../../services/db/database';
import { factsOf, type TurnFacts } from '../turnFacts';
import { onCardAction, send } from '../replies';
import type { AppTurnState } from '../turnState';
import type { IntentHandler, IntentName } from './intents';

export interface ActivateSimDeps {
  db: Database;
}

/** The flow kept in the conversation, if it is still a valid one. */
function flowOf(state: AppTurnState) {
  const parsed = activateSimFlowSchema.safeParse(state.conversation.activateSim);
  return parsed.success ? parsed.data : undefined;
}

/** Runs one step of the flow for the person of this turn and keeps what the next step needs. */
async function step(deps: ActivateSimDeps, facts: TurnFacts, state: AppTurnState, input: (flow: ReturnType<typeof flowOf>) => SimInput | SimTurn): Promise<Reply[]> {
  if (facts.recognition.status !== 'known') return [{ kind: 'text', text: t(facts.language, 'activation.none') }];
  const asked = input(flowOf(state));
  const turn = 'replies' in asked ? asked : await activateSim(deps.db.prisma, facts.recognition.actor, facts.language, asked);
  state.conversation.activateSim = turn.flow;
  return turn.replies;
}

/** "Activate my SIM", or a SIM card number pasted on its own. */
export function intentHandlers(deps: ActivateSimDeps): Partial<Record<IntentName, IntentHandler<AppTurnState>>> {
  return {
    activateSim: async (context, state, facts, match) => {
      const replies = await step(deps, facts, state, (flow) => ({ iccid: match.entities.iccid, serviceId: flow?.serviceId }));
      for (const reply of replies) await send(context, reply);
    },
  };
}

/** The welcome button and the buttons of this flow, for Teams and the web chat alike. */
export function registerActivateSimRoutes(app: Application<AppTurnState>, deps: ActivateSimDeps): void {
  const denied = (context: TurnContext): Reply[] => [{ kind: 'text', text: t(factsOf(context).language, 'activation.denied') }];

  onCardAction(app, Verbs.welcome.activateSim, (context, state) => step(deps, factsOf(context), state, () => ({})));
  onCardAction(app, Verbs.activateSim.chooseService, async (context, state, data) => {
    const parsed = chooseServiceDataSchema.safeParse(data);
    if (!parsed.success) return denied(context);
    return step(deps, factsOf(context), state, () => parsed.data);
  });
  onCardAction(app, Verbs.activateSim.acceptSuggestion, async (context, state, data) => {
    const parsed = suggestionDataSchema.safeParse(data);
    if (!parsed.success) return denied(context);
    return step(deps, factsOf(context), state, () => parsed.data);
  });
  onCardAction(app, Verbs.activateSim.rejectSuggestion, async (context, state, data) => {
    const parsed = suggestionDataSchema.safeParse(data);
    if (!parsed.success) return denied(context);
    return step(deps, factsOf(context), state, () => suggestionRejected(factsOf(context).language, parsed.data.serviceId));
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
  const replies = await step(deps, factsOf(context), state, (flow) => ({ iccid: text, serviceId: flow?.serviceId }));
  for (const reply of replies) await send(context, reply);
  return true;
}
