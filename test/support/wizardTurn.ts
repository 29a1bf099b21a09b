import type { AdaptiveCard } from '../../cards/render';
import type { Language } from '../../cards/strings';
import { addServiceFeature } from '../../dialogs/addService/feature';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { expectValidCard } from './adaptiveCards';
import { featureTurn } from './featureTurn';

/** What the add-service wizard showed after a press: its card, checked by the official parser, and the flow it kept. */
export interface Shown {
  card: AdaptiveCard;
  state: unknown;
}

/** A button of the wizard pressed: its data parsed with the verb's schema, as the runner does. */
export async function pressInWizard(db: Database, actor: Actor, verb: string, data: Record<string, unknown>, state: unknown, language: Language = 'en'): Promise<Shown> {
  const { turn, record, kept } = featureTurn(db, actor, { language, state });
  const action = addServiceFeature.actions![verb]!;
  await action.run(turn, (action.data ? action.data.parse(data) : undefined) as never);
  const card = record.cards.at(-1)!.card;
  expectValidCard(card);
  return { card, state: kept() };
}
