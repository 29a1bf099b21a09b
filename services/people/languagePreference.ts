import { Language } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import type { Actor } from './people';

/** The language the person last wrote in: the hint for their next short or ambiguous message. */
export async function rememberLastLanguage(db: Db, actor: Actor, language: Language): Promise<void> {
  if (actor.lastLanguage === language) return;
  await db.person.update({ where: { id: actor.id }, data: { lastLanguage: language } });
}

/** "Speak Dutch": the language of everything the bot sends this person unasked (notifications, emails). */
export async function setPreferredLanguage(db: Db, actor: Actor, language: Language): Promise<void> {
  await db.person.update({ where: { id: actor.id }, data: { preferredLanguage: language, lastLanguage: language } });
}

/**
 * The language to answer a person in: their stored preference ("Speak Dutch"), else the language they last wrote in,
 * else their client's locale, else English.
 */
export function replyLanguage(
  person: { preferredLanguage: Language | null; lastLanguage: Language | null } | undefined,
  clientLanguage: Language | undefined,
): Language {
  return person?.preferredLanguage ?? person?.lastLanguage ?? clientLanguage ?? Language.en;
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
