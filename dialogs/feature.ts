import type { z } from 'zod';
import type { AdaptiveCard } from '../cards/render';
import type { Language } from '../cards/strings';
import type { Db } from '../services/platform/db/database';
import type { IncomingFile } from '../services/bulkImport/importFile';
import type { DonorOperators } from '../services/lifecycle/gateways';
import type { Actor, Recognition } from '../services/people/people';
import type { Reply } from './reply';
import type { IntentMatch, IntentName } from './understanding/intents';

/**
 * A feature of the bot, declared once: its state in the conversation, the intents it serves, its card verbs with
 * the schema of their data, who may use it and what a refusal says, and what it does with typed text or files.
 * `bot/runner.ts` serves every feature of `dialogs/features.ts` in Teams and in the web chat alike.
 */
export interface Feature<S = unknown> {
  name: string;
  /** Where the feature keeps its unfinished flow between turns, validated when read back; a stale one is dropped. */
  state?: { key: string; schema: z.ZodType<S> };
  /** Who may use it; everyone known when absent. Anyone else gets `refusal`. */
  mayUse?: (actor: Actor) => boolean;
  /** What someone unknown, or not allowed, is told. */
  refusal: (language: Language, recognition: Recognition) => Reply;
  /**
   * What a refusal by the domain (AccessDenied: the services check every action again, and audit it) is told; the
   * feature's refusal when absent.
   */
  denied?: (language: Language, actor: Actor, verb: string | undefined) => Reply;
  /** The typed requests it serves, for people it may serve. */
  intents?: Partial<Record<IntentName, IntentAnswer<S>>>;
  /** Typed requests answered to anyone, known or not (general help, the language). */
  publicIntents?: Partial<Record<IntentName, (turn: PublicTurn, match: IntentMatch) => Promise<Reply[]>>>;
  /** Its card buttons, by verb. */
  actions?: Record<string, CardAction<S>>;
  /** Card buttons anyone may press. */
  publicActions?: Record<string, PublicAction>;
  /** Typed text that belongs to this feature before any intent is looked for (a value the flow waits for). */
  typedInput?: (turn: FeatureTurn<S>, text: string) => Promise<Reply[] | undefined>;
  /** A file sent in the chat. */
  files?: (turn: FeatureTurn<S>, received: () => Promise<ReceivedFile>) => Promise<Reply[]>;
  /** Teams' answer to a file consent card this feature sent (`FeatureChannel.sendFile`), by the context's kind. */
  fileConsent?: { kind: string; answer: (turn: FeatureTurn<S>, answer: FileConsentAnswer) => Promise<Reply[]> };
}

export type IntentAnswer<S> = (turn: FeatureTurn<S>, match: IntentMatch) => Promise<Reply[]>;

/** A card verb: its data is parsed with `data` first; data not as the card was sent is `malformed`. */
export interface CardAction<S> {
  data?: z.ZodType;
  /** 'refuse' (default): answered as a refusal by the domain (`denied`); 'audit': also recorded as a tampered card. */
  malformed?: 'refuse' | 'audit';
  run: (turn: FeatureTurn<S>, data: never) => Promise<Reply[]>;
}

/** One verb's declaration, typed by its schema. */
export function action<S, T extends z.ZodType>(
  data: T,
  run: (turn: FeatureTurn<S>, data: z.output<T>) => Promise<Reply[]>,
  malformed: 'refuse' | 'audit' = 'refuse',
): CardAction<S> {
  return { data, malformed, run: run as CardAction<S>['run'] };
}

/** A verb that carries no data. */
export function plainAction<S>(run: (turn: FeatureTurn<S>) => Promise<Reply[]>): CardAction<S> {
  return { run: (turn) => run(turn) };
}

/** A verb anyone may press; data not as the card was sent gets `action.unknown`. */
export interface PublicAction {
  data: z.ZodType;
  run: (turn: PublicTurn, data: never) => Promise<Reply[]>;
}

export function publicAction<T extends z.ZodType>(data: T, run: (turn: PublicTurn, data: z.output<T>) => Promise<Reply[]>): PublicAction {
  return { data, run: run as PublicAction['run'] };
}

/** What a handler open to anyone is given: whoever wrote, possibly nobody the bot knows. */
export interface PublicTurn {
  db: Db;
  recognition: Recognition;
  language: Language;
  channel: FeatureChannel;
  /** From now on the conversation is in `language` ("Speak Dutch"): the answers of the turns that follow too. */
  speakIn(language: Language): void;
}

/** What a feature's handler is given: who, in which language, its own state, and the channel's abilities. */
export interface FeatureTurn<S> extends PublicTurn {
  actor: Actor;
  /** The feature's state as read at the start of the turn (after earlier changes of the same turn). */
  readonly state: S | undefined;
  /** Keeps the feature's state for the next turn (undefined forgets it). */
  keep(state: S | undefined): void;
  settings: FeatureSettings;
}

/** What the deployment decides and features read. */
export interface FeatureSettings {
  /** The simulated clock's speed (1 in production). */
  clockSpeed: number;
  /** How long a new activation link stays valid (ACTIVATION_LINK_DAYS). */
  linkDays: number;
  /** The donor operators a fixed porting request is sent back to. */
  donors: DonorOperators;
}

/** What the channel the person writes in can do, as the features need it. */
export interface FeatureChannel {
  /** Teams: card buttons answer in place and files are sent after the person's consent. */
  teams: boolean;
  channelId: string;
  conversationId: string;
  /** This message's key: a retry of the same message carries the same one. */
  messageKey: string;
  /** The service the conversation is tied to: the web chat on a personal activation page speaks of it only. */
  tiedServiceId(): Promise<string | undefined>;
  /**
   * Shows a card: for a Teams card button in place of the card pressed; otherwise by updating the message
   * `replacing` when given (a new message when that fails). Returns the id of the message that shows it.
   */
  showCard(card: AdaptiveCard, replacing?: string): Promise<string | undefined>;
  /** Shows a card as a new message, also for a Teams card button (whose card stays). Returns the message's id. */
  postCard(card: AdaptiveCard): Promise<string | undefined>;
  /**
   * The id of the message whose card button was pressed: Teams says it; the web chat knows it for a card shown with
   * `showCard` or `postCard` whose buttons carry a `cardKey`.
   */
  pressedCardId: string | undefined;
  /** Teams: a consent card carrying `consentContext`; the web chat: the file itself. */
  sendFile(file: OutgoingFile, consentContext: { kind: string } & Record<string, unknown>): Promise<void>;
}

/** A file the bot sends. */
export interface OutgoingFile {
  name: string;
  contentType: string;
  bytes: Buffer;
  /** Shown on the consent card in Teams, and as the message's text in the web chat unless `message` is given. */
  description: string;
  /** The web chat message's text, where the file is presented rather than described. */
  message?: string;
}

/** A file a person sent, opened for reading, or why it could not be. */
export type ReceivedFile = { ok: true; file: IncomingFile } | { ok: false; reason: 'unreachable' | 'several' };

/** Teams' answer to a consent card: `context` as sent (checked again), and `deliver` uploads the file made now. */
export interface FileConsentAnswer {
  accepted: boolean;
  context: unknown;
  /** Uploads the file where Teams said and shows it; false when there is no upload place or the upload failed. */
  deliver(file: OutgoingFile): Promise<boolean>;
  canDeliver: boolean;
}

/**
 * A card button's answer shown where the card was, so that a list or form whose action is done does not stay live
 * under its result: a first reply that is a card replaces the card pressed (in Teams always, in the web chat when the
 * card's buttons carry a `cardKey`), the other replies follow as messages.
 */
export async function answerInPlace<S>(turn: FeatureTurn<S>, replies: Reply[]): Promise<Reply[]> {
  const [first, ...rest] = replies;
  if (first?.kind !== 'card') return replies;
  await turn.channel.showCard(first.card, turn.channel.pressedCardId);
  return rest;
}

/** Declares a feature with its state's type inferred. */
export function defineFeature<S = unknown>(feature: Feature<S>): Feature<S> {
  return feature;
}

/** A feature whatever its state's type: the runner reads and writes each one's state only through its own schema. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFeature = Feature<any>;
