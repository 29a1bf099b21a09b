import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../services/platform/projectRoot';

export const languages = ['en', 'nl', 'fr'] as const;
export type Language = (typeof languages)[number];

/**
 * A key of the string catalogue, dotted by area (`welcome.greeting`, `addService.step.title`): the keys of the English
 * area files, so that a misspelt key does not compile. test/unit/strings.test.ts proves this list names every file.
 */
type EnglishCatalogue =
  typeof import('./strings/en/activation.json') &
  typeof import('./strings/en/activationPage.json') &
  typeof import('./strings/en/addService.json') &
  typeof import('./strings/en/bulkImport.json') &
  typeof import('./strings/en/email.json') &
  typeof import('./strings/en/esim.json') &
  typeof import('./strings/en/esimReplacement.json') &
  typeof import('./strings/en/help.json') &
  typeof import('./strings/en/notifications.json') &
  typeof import('./strings/en/overview.json') &
  typeof import('./strings/en/people.json') &
  typeof import('./strings/en/porting.json') &
  typeof import('./strings/en/portingFields.json') &
  typeof import('./strings/en/signIn.json') &
  typeof import('./strings/en/support.json') &
  typeof import('./strings/en/webChat.json') &
  typeof import('./strings/en/welcome.json');
export type StringKey = keyof EnglishCatalogue & string;

/**
 * One catalogue per language, kept as one JSON file per area in cards/strings/<language>/ so that features do not
 * edit one shared file. test/unit/strings.test.ts proves every language has every key and no key goes unused.
 */
export const stringsDir = path.join(projectRoot(), 'cards', 'strings');

function loadCatalogue(language: Language): Map<string, string> {
  const catalogue = new Map<string, string>();
  const dir = path.join(stringsDir, language);
  for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.json')).sort()) {
    const entries = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, string>;
    for (const [key, text] of Object.entries(entries)) {
      if (catalogue.has(key)) throw new Error(`string ${key} is defined twice in ${language}/`);
      catalogue.set(key, text);
    }
  }
  return catalogue;
}

const catalogues = Object.fromEntries(languages.map((language) => [language, loadCatalogue(language)])) as Record<
  Language,
  Map<string, string>
>;

export function catalogueOf(language: Language): ReadonlyMap<string, string> {
  return catalogues[language];
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

/** The text for `key` in `language`, with `{name}` placeholders filled from `vars`. */
export function t(language: Language, key: StringKey, vars: Record<string, string | number> = {}): string {
  const text = catalogues[language].get(key) ?? catalogues.en.get(key);
  if (text === undefined) throw new Error(`unknown string key ${key}`);
  return text.replace(/\{(\w+)\}/g, (placeholder, name: string) => (name in vars ? String(vars[name]) : placeholder));
}

export function isStringKey(key: string): key is StringKey {
  return catalogues.en.has(key);
}

/**
 * The text for a key that arrives as data (a problem the domain reports, a failure stored with a row): checked when
 * used, since the compiler cannot see it.
 */
export function textOfKey(language: Language, key: string, vars: Record<string, string | number> = {}): string {
  if (!isStringKey(key)) throw new Error(`unknown string key ${key}`);
  return t(language, key, vars);
}

/** "A, B and C" in the language's own words. */
export function listOf(language: Language, items: string[]): string {
  return new Intl.ListFormat(language, { style: 'long', type: 'conjunction' }).format(items);
}

/** The language of a Bot Framework locale such as "nl-BE", if it is one we speak. */
export function languageOfLocale(locale: string | undefined): Language | undefined {
  const prefix = locale?.slice(0, 2).toLowerCase();
  return isLanguage(prefix) ? prefix : undefined;
}
