import { Language } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import type { Actor } from './people';

/** The language the person last clearly wrote in: what the bot sends unasked while they have chosen none. */
export async function rememberLastLanguage(db: Db, actor: Actor, language: Language): Promise<void> {
  if (actor.lastLanguage === language) return;
  await db.person.update({ where: { id: actor.id }, data: { lastLanguage: language } });
}

/** "Speak Dutch": the language of everything the bot sends this person unasked (notifications, emails). */
export async function setPreferredLanguage(db: Db, actor: Actor, language: Language): Promise<void> {
  await db.person.update({ where: { id: actor.id }, data: { preferredLanguage: language, lastLanguage: language } });
}

/**
 * The language to answer in when the message itself does not say (a card button, a SIM number, "ok"): the language
 * the conversation is in (the last one the person clearly wrote in, or chose), else their client's (Teams' locale,
 * the browser's), else the one stored for them, else English. The stored language is what the bot sends unasked.
 */
export function replyLanguage(known: {
  conversation?: Language | undefined;
  client?: Language | undefined;
  person?: { preferredLanguage: Language | null; lastLanguage: Language | null } | undefined;
}): Language {
  return known.conversation ?? known.client ?? known.person?.preferredLanguage ?? known.person?.lastLanguage ?? Language.en;
}

const namedLanguages: Array<[Language, RegExp]> = [
  [Language.en, /\b(?:english|engels|anglais)\b/i],
  [Language.nl, /\b(?:dutch|flemish|nederlands|vlaams|n[ée]erlandais|flamand)\b/i],
  [Language.fr, /\b(?:french|frans|fran[çc]ais)\b/i],
];

/** The language a "speak …" message names, if exactly one. */
export function languageNamedIn(text: string): Language | undefined {
  const named = namedLanguages.filter(([, pattern]) => pattern.test(text));
  return named.length === 1 ? named[0]![0] : undefined;
}
