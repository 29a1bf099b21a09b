import type { AdaptiveCard } from '../../cards/render';
import type { Language } from '../../cards/strings';
import type { FeatureChannel, FeatureTurn, OutgoingFile } from '../../dialogs/feature';
import type { Actor } from '../../services/people/people';
import type { Database } from '../../services/platform/db/database';
import { simulatedDonors } from '../../services/simulators/donor';

/** What a feature did through its channel in a turn run in-process: the cards it showed and the files it sent. */
export interface ChannelRecord {
  cards: Array<{ card: AdaptiveCard; replacing?: string }>;
  files: Array<{ file: OutgoingFile; consentContext: Record<string, unknown> }>;
}

/**
 * A feature's turn without a bot: the person, the language, the state as the runner would keep it between turns,
 * the language the conversation was switched to, and a channel that records what the feature shows. `teams` chooses the channel's abilities.
 */
export function featureTurn<S>(
  db: Database,
  actor: Actor,
  options: { language?: Language; state?: S; teams?: boolean; tiedServiceId?: string; clockSpeed?: number; pressedCardId?: string } = {},
): { turn: FeatureTurn<S>; record: ChannelRecord; kept: () => S | undefined; spoken: () => Language | undefined } {
  let state = options.state;
  let spoken: Language | undefined;
  const record: ChannelRecord = { cards: [], files: [] };
  let messages = 0;
  const channel: FeatureChannel = {
    teams: options.teams ?? true,
    channelId: options.teams === false ? 'webchat' : 'msteams',
    conversationId: `conversation-${actor.id}`,
    messageKey: `conversation-${actor.id}:${crypto.randomUUID()}`,
    pressedCardId: options.pressedCardId,
    tiedServiceId: async () => options.tiedServiceId,
    showCard: async (card, replacing) => {
      record.cards.push({ card, replacing });
      return replacing ?? `message-${(messages += 1)}`;
    },
    postCard: async (card) => {
      record.cards.push({ card });
      return `message-${(messages += 1)}`;
    },
    sendFile: async (file, consentContext) => {
      record.files.push({ file, consentContext });
    },
  };
  const turn: FeatureTurn<S> = {
    db: db.prisma,
    actor,
    recognition: { status: 'known', actor },
    language: options.language ?? 'en',
    get state() {
      return state;
    },
    keep: (next) => {
      state = next;
    },
    channel,
    speakIn: (language) => {
      spoken = language;
    },
    settings: { clockSpeed: options.clockSpeed ?? 1, linkDays: 14, donors: simulatedDonors(options.clockSpeed ?? 1) },
  };
  return { turn, record, kept: () => state, spoken: () => spoken };
}
