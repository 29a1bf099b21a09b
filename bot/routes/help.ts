import type { Application } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Verbs } from '../../cards/verbs';
import {
  afterStep,
  beginTroubleshooting,
  contactAdministrator,
  contactRequestSchema,
  helpFlowSchema,
  knowledgeAnswer,
  problemChoiceSchema,
  staleButton,
  stepAnswerSchema,
  whatFails,
  type HelpFlow,
} from '../../dialogs/troubleshoot';
import type { Reply } from '../../dialogs/reply';
import { welcomeFor } from '../../dialogs/welcome';
import type { Database } from '../../services/platform/db/database';
import type { Topic } from '../../dialogs/knowledge/knowledgeBase';
import type { Actor } from '../../services/people/people';
import { onCardAction, send } from '../replies';
import { factsOf, type TurnFacts } from '../turnFacts';
import type { AppTurnState } from '../turnState';
import type { IntentHandler, IntentName } from './intents';

export interface HelpDeps {
  db: Database;
}

/** conversation.help: the guided help in progress, and a look-up waiting for its query. */
const helpStateSchema = z.object({
  flow: helpFlowSchema.optional(),
  awaitingLookup: z.boolean().optional(),
});
export type HelpState = z.infer<typeof helpStateSchema>;

export function helpStateOf(state: AppTurnState): HelpState {
  const parsed = helpStateSchema.safeParse(state.conversation.help);
  return parsed.success ? parsed.data : {};
}

export function saveHelpState(state: AppTurnState, help: HelpState): void {
  state.conversation.help = help;
}

/** The actor of the turn, or the welcome that tells an unknown person why they can't go on. */
export function actorOr(facts: TurnFacts): { actor: Actor } | { reply: Reply } {
  return facts.recognition.status === 'known' ? { actor: facts.recognition.actor } : { reply: welcomeFor(facts.recognition, facts.language) };
}

const answers: Array<[IntentName, Topic]> = [
  ['troubleshoot.noNetwork', 'noNetwork'],
  ['troubleshoot.mobileData', 'mobileData'],
  ['troubleshoot.pin', 'pin'],
  ['troubleshoot.voicemail', 'voicemail'],
  ['troubleshoot.emailMissing', 'emailMissing'],
  ['troubleshoot.activationTime', 'activationTime'],
  ['troubleshoot.simSwap', 'simSwap'],
  ['troubleshoot.linkExpired', 'linkExpired'],
  ['troubleshoot.portingRefused', 'portingRefused'],
  ['troubleshoot.simNumberLocation', 'simNumberLocation'],
];

function startGuidedHelp(facts: TurnFacts, state: AppTurnState): Reply[] {
  const who = actorOr(facts);
  if ('reply' in who) return [who.reply];
  const turn = whatFails(facts.language, randomUUID());
  saveHelpState(state, { ...helpStateOf(state), flow: turn.flow });
  return turn.replies;
}

/** Typed questions: a knowledge-base answer for each topic (to anyone), the guided help, the administrator. */
export function intentHandlers(deps: HelpDeps): Partial<Record<IntentName, IntentHandler<AppTurnState>>> {
  const handlers: Partial<Record<IntentName, IntentHandler<AppTurnState>>> = {
    'troubleshoot.general': async (context, state, facts) => {
      for (const reply of startGuidedHelp(facts, state)) await send(context, reply);
    },
    contactAdministrator: async (context, state, facts) => {
      const who = actorOr(facts);
      // A Teams retry of the same message carries the same id: the administrators hear of it once.
      const requestKey = `${context.activity.conversation.id}:${context.activity.id ?? randomUUID()}`;
      const reply =
        'reply' in who ? who.reply : await contactAdministrator(deps.db.prisma, who.actor, facts.language, { requestKey, flow: helpStateOf(state).flow });
      await send(context, reply);
    },
  };
  for (const [intent, topic] of answers) {
    handlers[intent] = async (context, _state, facts) => send(context, knowledgeAnswer(facts.language, topic));
  }
  return handlers;
}

/** The flow this button belongs to, if it is the one in progress. */
function flowFor(state: AppTurnState, flowId: string): HelpFlow | undefined {
  const flow = helpStateOf(state).flow;
  return flow?.flowId === flowId ? flow : undefined;
}

/** The welcome's "Get help" and the guided help's buttons, for Teams and the web chat alike. */
export function registerHelpRoutes(app: Application<AppTurnState>, deps: HelpDeps): void {
  const stale = (context: TurnContext): Reply[] => [staleButton(factsOf(context).language)];

  onCardAction(app, Verbs.welcome.getHelp, async (context, state) => startGuidedHelp(factsOf(context), state));

  onCardAction(app, Verbs.help.problem, async (context, state, data) => {
    const facts = factsOf(context);
    const choice = problemChoiceSchema.safeParse(data);
    const who = actorOr(facts);
    if ('reply' in who) return [who.reply];
    if (!choice.success || !flowFor(state, choice.data.flowId)) return stale(context);
    const turn = await beginTroubleshooting(deps.db.prisma, who.actor, facts.language, choice.data.flowId, choice.data.problem);
    saveHelpState(state, { ...helpStateOf(state), flow: turn.flow });
    return turn.replies;
  });

  onCardAction(app, Verbs.help.step, async (context, state, data) => {
    const answer = stepAnswerSchema.safeParse(data);
    const flow = answer.success ? flowFor(state, answer.data.flowId) : undefined;
    if (!answer.success || !flow?.problem || flow.step !== answer.data.step) return stale(context);
    const turn = afterStep(factsOf(context).language, flow, answer.data.outcome);
    saveHelpState(state, { ...helpStateOf(state), flow: turn.flow });
    return turn.replies;
  });

  onCardAction(app, Verbs.help.contact, async (context, state, data) => {
    const facts = factsOf(context);
    const request = contactRequestSchema.safeParse(data);
    const flow = request.success ? flowFor(state, request.data.flowId) : undefined;
    const who = actorOr(facts);
    if ('reply' in who) return [who.reply];
    if (!flow) return stale(context);
    // The flow stays: a second click finds the same key and tells the person it was already sent.
    return [await contactAdministrator(deps.db.prisma, who.actor, facts.language, { requestKey: `help:${flow.flowId}`, flow })];
  });
}
