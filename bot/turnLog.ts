import { INVOKE_RESPONSE_KEY, type TurnContext } from 'botbuilder';
import { t, languageOfLocale, type Language, type StringKey } from '../cards/strings';
import { logFailure, type Logger } from './logger';
import { answerInvoke } from './runner';
import { TURN_FACTS, type TurnFacts } from './turnFacts';
import { StorageConflictError } from './storage';

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
  const where = { conversationId: context.activity.conversation?.id, activityType: context.activity.type };
  if (error instanceof StorageConflictError) {
    // A concurrent turn of the conversation (a double press, here or in another process) wrote the state first, and
    // the conversation goes on from that press. The buttons are idempotent, so this press's answer, if it gave one,
    // says what the first one did; without one, a word that it was already done. Never an error.
    logger.info(where, 'turn lost its state write to a concurrent turn');
    if (!context.responded) await tell(logger, context, 'action.alreadyDone');
    return;
  }
  const reference = logFailure(logger, error, where, 'turn failed');
  const language = languageOf(context);
  const text = `${t(language, 'error.generic')} ${t(language, 'error.reference', { reference })}`;
  try {
    // An invoke (a Teams card button) waits for its answer: the sentence goes there, with the status it deserves.
    if (context.activity.type === 'invoke' && !context.turnState.get(INVOKE_RESPONSE_KEY)) await answerInvoke(context, 500, { kind: 'text', text });
    else await context.sendActivity(text);
  } catch (sendError) {
    logger.warn({ err: sendError, reference }, 'could not tell the person why the turn ended');
  }
}

/** The turn's language once settled, else the client's: a turn may fail before it is settled. */
function languageOf(context: TurnContext): Language {
  return (context.turnState.get(TURN_FACTS) as TurnFacts | undefined)?.language ?? languageOfLocale(context.activity.locale) ?? 'en';
}

async function tell(logger: Logger, context: TurnContext, key: StringKey): Promise<void> {
  try {
    const text = t(languageOf(context), key);
    if (context.activity.type === 'invoke' && !context.turnState.get(INVOKE_RESPONSE_KEY)) await answerInvoke(context, 200, { kind: 'text', text });
    else await context.sendActivity(text);
  } catch (sendError) {
    logger.warn({ err: sendError }, 'could not tell the person why the turn ended');
  }
}
