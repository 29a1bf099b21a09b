import type { AdaptiveCard } from '../cards/render';

/** What a dialog says to a person: a sentence or a card. The bot turns it into a message for the channel. */
export type Reply = { kind: 'text'; text: string } | { kind: 'card'; card: AdaptiveCard };
