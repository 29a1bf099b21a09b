import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { Language } from '../../prisma/generated/enums';
import { projectRoot } from '../../services/platform/projectRoot';

export const nluLanguages = Object.values(Language);
export type NluLanguage = Language;

const corpusSchema = z.record(z.string().min(1), z.array(z.string().trim().min(1)).min(1));
export type Corpus = z.infer<typeof corpusSchema>;

/**
 * The training phrasings of one language: intent label → phrasings (dialogs/understanding/corpus/<language>.json). The
 * `{name}` and `{email}` slots stand where people write a name or an address; they are left out, so that the model
 * learns the words around them and never a particular name.
 */
export function loadCorpus(language: NluLanguage): Corpus {
  const file = path.join(projectRoot(), 'dialogs', 'understanding', 'corpus', `${language}.json`);
  const corpus = corpusSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  return Object.fromEntries(
    Object.entries(corpus).map(([intent, phrasings]) => [intent, phrasings.map(withoutSlots)]),
  );
}

/** A phrasing with its `{…}` slots (a name, an address) left out. */
export function withoutSlots(phrasing: string): string {
  return phrasing.replace(/\{[^{}]*\}/g, ' ').replace(/\s+/g, ' ').trim();
}

export function loadCorpora(): Record<NluLanguage, Corpus> {
  return Object.fromEntries(nluLanguages.map((language) => [language, loadCorpus(language)])) as Record<NluLanguage, Corpus>;
}

/** Lower-case words, accents kept (they tell French from Dutch), apostrophes split ("l'apn" → "l", "apn"). */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}
