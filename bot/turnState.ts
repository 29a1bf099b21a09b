import { TurnState, type DefaultConversationState, type DefaultTempState, type DefaultUserState } from '@microsoft/teams-ai';

/**
 * What a conversation remembers between turns, in the database (PrismaStorage): unfinished flows' inputs, markers
 * and the language it is in. Each feature keeps its flow under the key its declaration names (dialogs/feature.ts), and the runner
 * validates it with the feature's schema when reading it back.
 */
export interface ConversationState extends DefaultConversationState {
  /** Set once the welcome was sent on install, so a repeated install or conversation update stays silent. */
  welcomed?: boolean;
  /** The language the conversation is in (bot/conversationLanguage.ts). */
  language?: unknown;
  [featureKey: string]: unknown;
}

export type AppTurnState = TurnState<ConversationState, DefaultUserState, DefaultTempState>;

export function newTurnState(): AppTurnState {
  return new TurnState<ConversationState, DefaultUserState, DefaultTempState>();
}
