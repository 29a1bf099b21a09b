import type { Application } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import { t } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import { onWaitingAction, waitingActionSchema, waitingServicesCard, type WaitingVerb } from '../../dialogs/waitingServices';
import type { Reply } from '../../dialogs/reply';
import type { Database } from '../../services/platform/db/database';
import { AccessDenied, Role, refuseMalformedCard } from '../../services/people/people';
import type { Config } from '../config';
import { onCardAction, send } from '../replies';
import { factsOf } from '../turnFacts';
import type { AppTurnState } from '../turnState';
import type { IntentHandler, IntentName } from './intents';

export interface WaitingServicesDeps {
  db: Database;
  config: Config;
}

/** May this role press the button at all? Then a refusal is about the service: not of the actor's organisation. */
const roleMayPress = (role: Role, verb: WaitingVerb | undefined) =>
  role === Role.ADMINISTRATOR || (role === Role.SUPPORT && verb === Verbs.waitingServices.resend);

/** The list for this turn's person, or why they may not see it. */
async function answer(context: TurnContext, work: (actor: Parameters<typeof waitingServicesCard>[1]) => Promise<Reply>, verb?: WaitingVerb): Promise<Reply[]> {
  const { recognition, language } = factsOf(context);
  const denied: Reply = { kind: 'text', text: t(language, 'waiting.denied') };
  if (recognition.status !== 'known') return [denied];
  try {
    return [await work(recognition.actor)];
  } catch (error) {
    if (!(error instanceof AccessDenied)) throw error;
    return [roleMayPress(recognition.actor.role, verb) ? { kind: 'text', text: t(language, 'waiting.notYours') } : denied];
  }
}

/** "What is waiting?"; the list needs only the database. */
export function intentHandlers(deps: Pick<WaitingServicesDeps, 'db'>): Partial<Record<IntentName, IntentHandler<AppTurnState>>> {
  return {
    waitingServices: async (context) => {
      const replies = await answer(context, (actor) => waitingServicesCard(deps.db.prisma, actor, factsOf(context).language, 0));
      for (const reply of replies) await send(context, reply);
    },
  };
}

export function registerWaitingServicesRoutes(app: Application<AppTurnState>, deps: WaitingServicesDeps): void {
  onCardAction(app, Verbs.welcome.waitingServices, (context) =>
    answer(context, (actor) => waitingServicesCard(deps.db.prisma, actor, factsOf(context).language, 0)));
  for (const verb of Object.values(Verbs.waitingServices) as WaitingVerb[]) {
    onCardAction(app, verb, (context, _state, data) =>
      answer(context, async (actor) => {
        const parsed = waitingActionSchema.safeParse(data ?? {});
        if (!parsed.success) return refuseMalformedCard(deps.db.prisma, actor, verb);
        return onWaitingAction(deps.db.prisma, actor, factsOf(context).language, verb, parsed.data, {
          linkDays: deps.config.activationLinkDays,
        });
      }, verb));
  }
}
