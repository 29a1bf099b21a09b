import { Language as NlpjsTrigrams } from '@nlpjs/language-min';
import { nluLanguages, wordsOf, type Corpus, type NluLanguage } from './corpus';

export interface LanguageGuess {
  language: NluLanguage;
  /** False when the text could be more than one of our languages ("help", "ok", a bare number): the hint decided. */
  sure: boolean;
}

/** How much each of our languages a text's letters look like, the likeliest at 1, the others below it. */
export type LetterModel = (text: string) => Map<NluLanguage, number>;

/** The part of eld (Efficient Language Detector) we use. */
export interface Eld {
  detect(text: string): { language: string; getScores(): Record<string, number>; isReliable(): boolean };
  setLanguageSubset(languages: string[]): unknown;
}

// eld ships only as ES modules and the bot compiles to CommonJS, where TypeScript would turn `import()` into
// `require()`; a function built at run time keeps the real dynamic import.
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ eld: Eld }>;
let eldLoaded: Promise<Eld> | undefined;

/** eld's small n-gram database (about 0.3 s to load, once per process), limited to our languages: for eval:nlu. */
export function loadEld(): Promise<Eld> {
  eldLoaded ??= importModule('eld/small').then(({ eld }) => {
    eld.setLanguageSubset([...nluLanguages]);
    return eld;
  });
  return eldLoaded;
}

/** Below this many words, eld's guess counts in proportion: on "stop" or "voicemail" it picks one language of several. */
const ELD_FULL_TRUST_WORDS = 3;

/** eld's n-grams as a letter model, to compare with the bot's in eval:nlu. */
export function eldLetters(eld: Eld): LetterModel {
  return (text) => {
    const scores = eld.detect(text).getScores();
    const best = Math.max(0, ...Object.values(scores));
    const trust = Math.min(1, wordsOf(text).length / ELD_FULL_TRUST_WORDS);
    return new Map(nluLanguages.map((language) => [language, best > 0 ? (trust * (scores[language] ?? 0)) / best : 0]));
  };
}

/**
 * The bot's letter model: NLP.js trigrams. eld (maintained) scores the same on our texts (npm run eval:nlu compares
 * them) but ships only as ES modules, loaded by a dynamic import into this CommonJS bot: not worth it for a tie.
 */
export function nlpjsTrigrams(): LetterModel {
  const trigrams = new NlpjsTrigrams();
  return (text) => {
    // It knows Latin script only (it throws on Arabic or Hebrew), as do the bot's three languages.
    const latin = wordsOf(text).filter((word) => /^[\p{Script=Latin}\p{N}]+$/u.test(word));
    const scores = new Map<NluLanguage, number>(nluLanguages.map((language) => [language, 0]));
    if (latin.length === 0) return scores;
    for (const guess of trigrams.guess(latin.join(' '), [...nluLanguages])) {
      const language = nluLanguages.find((candidate) => candidate === guess.alpha2);
      if (language) scores.set(language, guess.score);
    }
    return scores;
  };
}

/** Below this lead over the runner-up, a text is not clearly one language. */
const MARGIN = 0.2;
/** Letter n-grams tell languages apart on unseen words, but are noisy on the short texts people type in a chat. */
const LETTER_WEIGHT = 0.35;
const MIN_WORDS_FOR_LETTERS_ALONE = 4;

/**
 * Tells which of our languages a message is in: the words it shares with each language's training phrasings
 * (weighted by how few languages use them), plus a letter model for words the phrasings never use. When that is
 * not clear, the hint wins: the person's preferred or last language, else the client's locale.
 */
export class LanguageDetector {
  private readonly vocabulary = new Map<string, Set<NluLanguage>>();

  constructor(
    corpora: Record<NluLanguage, Corpus>,
    private readonly letters: LetterModel,
  ) {
    for (const language of nluLanguages) {
      for (const phrasing of Object.values(corpora[language]).flat()) {
        for (const word of wordsOf(phrasing)) {
          const languages = this.vocabulary.get(word) ?? new Set<NluLanguage>();
          languages.add(language);
          this.vocabulary.set(word, languages);
        }
      }
    }
  }

  /** Words the training phrasings use in any language: what is left may name a person. */
  knows(word: string): boolean {
    return this.vocabulary.has(word);
  }

  detect(text: string, hint: NluLanguage | undefined): LanguageGuess {
    const words = wordsOf(text).filter((word) => /\p{L}/u.test(word));
    const scores = new Map<NluLanguage, number>(nluLanguages.map((language) => [language, 0]));
    let knownWords = 0;
    for (const word of words) {
      const languages = this.vocabulary.get(word);
      if (!languages) continue;
      knownWords++;
      for (const language of languages) scores.set(language, scores.get(language)! + 1 / languages.size / words.length);
    }
    if (words.length > 0) {
      for (const [language, score] of this.letters(words.join(' '))) scores.set(language, scores.get(language)! + LETTER_WEIGHT * score);
    }
    const [best, second] = [...scores.entries()].sort((a, b) => b[1] - a[1]);
    // Letters alone decide only on a sentence: on a word or two ("ok", a name) they are noise.
    const evidence = knownWords > 0 || words.length >= MIN_WORDS_FOR_LETTERS_ALONE;
    const sure = evidence && best![1] - second![1] >= MARGIN;
    if (sure || !hint) return { language: best![0], sure };
    return { language: hint, sure: false };
  }
}
