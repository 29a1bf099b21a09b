import type { TurnContext } from 'botbuilder';
import type { Language } from '../cards/strings';
import type { Recognition } from '../services/people/people';

/** Who wrote this turn and in which language to answer, settled before any route runs. */
export interface TurnFacts {
  recognition: Recognition;
  language: Language;
}

export const TURN_FACTS = Symbol('turnFacts');

export function factsOf(context: TurnContext): TurnFacts {
  const facts = context.turnState.get(TURN_FACTS) as TurnFacts | undefined;
  if (!facts) throw new Error('turn facts missing: the turn did not go through Bot.run');
  return facts;
}
