import { TurnState, type DefaultConversationState, type DefaultTempState, type DefaultUserState } from '@microsoft/teams-ai';

/**
 * What a conversation remembers between turns, in the database (PrismaStorage): only unfinished flows' inputs and
 * markers. Each feature keeps its flow under the key its declaration names (dialogs/feature.ts), and the runner
 * validates it with the feature's schema when reading it back.
 */
export interface ConversationState extends DefaultConversationState {
  /** Set once the welcome was sent on install, so a repeated install or conversation update stays silent. */
  welcomed?: boolean;
  [featureKey: string]: unknown;
}

export type AppTurnState = TurnState<ConversationState, DefaultUserState, DefaultTempState>;

export function newTurnState(): AppTurnState {
  return new TurnState<ConversationState, DefaultUserState, DefaultTempState>();
}
