import type { Application } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import { randomUUID } from 'node:crypto';
import type { Language } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import {
  askWhom,
  deniedReply,
  escalate,
  lookUp,
  resendEmail,
  serviceActionSchema,
  showPerson,
  showPersonSchema,
} from '../../dialogs/lookUp';
import type { Reply } from '../../dialogs/reply';
import type { Database } from '../../services/platform/db/database';
import { intentModel } from '../../dialogs/understanding/model';
import { AccessDenied, Role, type Actor } from '../../services/people/people';
import type { LookupQuery } from '../../services/fleet/lookUp';
import { onCardAction, send } from '../replies';
import { factsOf, type TurnFacts } from '../turnFacts';
import type { AppTurnState } from '../turnState';
import { actorOr, helpStateOf, saveHelpState } from './help';
import type { IntentHandler, IntentMatch, IntentName } from './intents';

export interface SupportDeps {
  db: Database;
}

/** Whom the message names. A user's words never widen the look-up: only an address is passed, and checked. */
function queryOf(entities: IntentMatch['entities'], role: Role): LookupQuery {
  if (entities.email) return { email: entities.email };
  if (role === Role.USER) return {};
  if (entities.phoneNumber) return { phoneNumber: entities.phoneNumber };
  if (entities.iccid) return { iccid: entities.iccid };
  return entities.personName ? { name: entities.personName } : {};
}

async function answer(facts: TurnFacts, run: () => Promise<Reply[]>): Promise<Reply[]> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AccessDenied) return [deniedReply(facts.language)];
    throw error;
  }
}

/** "Status of my service", "status of jan.peeters@demo.example", "services of Jan", a bare address or number. */
export function intentHandlers(deps: SupportDeps): Partial<Record<IntentName, IntentHandler<AppTurnState>>> {
  const handler: IntentHandler<AppTurnState> = async (context, state, facts, match) => {
    const who = actorOr(facts);
    if ('reply' in who) return send(context, who.reply);
    const query = queryOf(match.entities, who.actor.role);
    const asksSomeone = Object.keys(query).length > 0;
    let replies: Reply[];
    if (!asksSomeone && match.intent === 'lookUpUser' && who.actor.role !== Role.USER) {
      saveHelpState(state, { ...helpStateOf(state), awaitingLookup: true });
      replies = [askWhom(facts.language)];
    } else {
      replies = await answer(facts, () => lookUp(deps.db.prisma, who.actor, facts.language, query, randomUUID));
    }
    for (const reply of replies) await send(context, reply);
  };
  return { lookUpUser: handler, serviceStatus: handler };
}

/** The text after "Look up a user": whatever was typed is whom to look up. False when no look-up is waiting. */
export async function continueSupportLookup(deps: SupportDeps, context: TurnContext, state: AppTurnState): Promise<boolean> {
  const help = helpStateOf(state);
  const facts = factsOf(context);
  const text = context.activity.text?.trim() ?? '';
  if (!help.awaitingLookup || facts.recognition.status !== 'known' || !text) return false;
  saveHelpState(state, { ...help, awaitingLookup: false });
  const { entities } = await (await intentModel()).understand(text, facts.language);
  const query = queryOf(entities, facts.recognition.actor.role);
  const named = Object.keys(query).length > 0 ? query : { name: text };
  const actor = facts.recognition.actor;
  for (const reply of await answer(facts, () => lookUp(deps.db.prisma, actor, facts.language, named, randomUUID))) {
    await send(context, reply);
  }
  return true;
}

/** The welcome's "Look up a user" and the timeline card's buttons. */
/** `linkDays`: how long a resent activation link stays valid (ACTIVATION_LINK_DAYS). */
export function registerSupportRoutes(app: Application<AppTurnState>, deps: SupportDeps & { linkDays: number }): void {
  const db = deps.db.prisma;
  onCardAction(app, Verbs.welcome.lookUpUser, async (context, state) => {
    const facts = factsOf(context);
    const who = actorOr(facts);
    if ('reply' in who) return [who.reply];
    if (who.actor.role === Role.USER) return answer(facts, () => lookUp(db, who.actor, facts.language, {}, randomUUID));
    saveHelpState(state, { ...helpStateOf(state), awaitingLookup: true });
    return [askWhom(facts.language)];
  });

  onCardAction(app, Verbs.support.showPerson, async (context, _state, data) => {
    const facts = factsOf(context);
    const who = actorOr(facts);
    const parsed = showPersonSchema.safeParse(data);
    if ('reply' in who) return [who.reply];
    if (!parsed.success) return [deniedReply(facts.language)];
    return answer(facts, () => showPerson(db, who.actor, facts.language, parsed.data.personId, randomUUID));
  });

  /**
   * A service action from the timeline card, checked again in services/. The services key it on the card's request
   * key, so a double click, a Teams retry or a replayed card does it once, whichever process answers.
   */
  const serviceAction = (run: (actor: Actor, language: Language, serviceId: string, requestKey: string) => Promise<Reply>) =>
    async (context: TurnContext, _state: AppTurnState, data: unknown): Promise<Reply[]> => {
      const facts = factsOf(context);
      const who = actorOr(facts);
      const parsed = serviceActionSchema.safeParse(data);
      if ('reply' in who) return [who.reply];
      if (!parsed.success) return [deniedReply(facts.language)];
      const { serviceId, requestKey } = parsed.data;
      return answer(facts, async () => [await run(who.actor, facts.language, serviceId, requestKey)]);
    };

  onCardAction(
    app,
    Verbs.support.resendEmail,
    serviceAction((actor, language, serviceId, requestKey) => resendEmail(db, actor, language, serviceId, { requestKey, linkDays: deps.linkDays })),
  );
  // Escalation keys its notifications itself, so a repeat is answered by the outbox.
  onCardAction(
    app,
    Verbs.support.escalate,
    serviceAction((actor, language, serviceId, requestKey) => escalate(db, actor, language, serviceId, requestKey)),
  );
}
