import type { TurnContext } from 'botbuilder';
import { t, languageOfLocale } from '../cards/strings';
import type { Logger } from './logger';

/**
 * One line per turn: what kind of activity, where, how long. Never the text, card values or who wrote it, which
 * may carry SIM card numbers, phone numbers or emails.
 */
export function logTurn(logger: Logger, context: TurnContext, startedAt: number, outcome: 'ok' | 'failed'): void {
  const activity = context.activity;
  logger.info(
    {
      conversationId: activity.conversation?.id,
      activityType: activity.type,
      activityName: activity.name,
      channelId: activity.channelId,
      latencyMs: Date.now() - startedAt,
      outcome,
    },
    'turn',
  );
}

/** A failed turn: logged masked, and the person gets a polite sentence instead of silence or a stack trace. */
export async function answerTurnError(logger: Logger, context: TurnContext, error: unknown): Promise<void> {
  logger.error(
    { err: error, conversationId: context.activity.conversation?.id, activityType: context.activity.type },
    'turn failed',
  );
  try {
    await context.sendActivity(t(languageOfLocale(context.activity.locale) ?? 'en', 'error.generic'));
  } catch (sendError) {
    logger.warn({ err: sendError }, 'could not tell the person that the turn failed');
  }
}
