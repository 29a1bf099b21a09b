import { TurnState, type DefaultConversationState, type DefaultTempState, type DefaultUserState } from '@microsoft/teams-ai';

/**
 * What a conversation remembers between turns, in the database (PrismaStorage): only unfinished flows' inputs and
 * markers. Each feature keeps its flow under its own property and validates it with zod when reading it back.
 */
export interface ConversationState extends DefaultConversationState {
  /** Set once the welcome was sent on install, so a repeated install or conversation update stays silent. */
  welcomed?: boolean;
  /** dialogs/troubleshoot.ts and dialogs/supportLookup.ts: the guided help in progress, a look-up awaiting its query. */
  help?: unknown;
  /** dialogs/addService: the unfinished add-service flow (flowStateSchema), resumable for a day. */
  addService?: unknown;
  /** dialogs/activateSim.ts: the service chosen and the number suggested (activateSimFlowSchema). */
  activateSim?: unknown;
  /** dialogs/overview.ts: the request keys of the exports already sent (overviewStateSchema). */
  overview?: unknown;
}

export type AppTurnState = TurnState<ConversationState, DefaultUserState, DefaultTempState>;

export function newTurnState(): AppTurnState {
  return new TurnState<ConversationState, DefaultUserState, DefaultTempState>();
}
