import { Language as TrigramGuesser } from '@nlpjs/language-min';
import { nluLanguages, wordsOf, type Corpus, type NluLanguage } from './corpus';

export interface LanguageGuess {
  language: NluLanguage;
  /** False when the text could be more than one of our languages ("help", "ok", a bare number): the hint decided. */
  sure: boolean;
}

/** Below this lead over the runner-up, a text is not clearly one language. */
const MARGIN = 0.2;
/** Trigrams tell languages apart on unseen words, but are noisy on the short texts people type in a chat. */
const TRIGRAM_WEIGHT = 0.35;
const MIN_WORDS_FOR_TRIGRAMS_ALONE = 4;

/**
 * Tells which of our languages a message is in: the words it shares with each language's training phrasings
 * (weighted by how few languages use them), plus character trigrams for words the corpus never saw. When that is
 * not clear, the hint wins: the person's preferred or last language, else the client's locale.
 */
export class LanguageDetector {
  private readonly vocabulary: Map<string, Set<NluLanguage>>;
  private readonly trigrams = new TrigramGuesser();

  constructor(corpora: Record<NluLanguage, Corpus>) {
    this.vocabulary = new Map();
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
    // The trigram model knows Latin script only (it throws on Arabic or Hebrew), as do the bot's three languages.
    const latinWords = words.filter((word) => /^[\p{Script=Latin}\p{N}'’-]+$/u.test(word));
    if (latinWords.length > 0) {
      for (const guess of this.trigrams.guess(latinWords.join(' '), [...nluLanguages])) {
        const language = nluLanguages.find((candidate) => candidate === guess.alpha2);
        if (language) scores.set(language, scores.get(language)! + TRIGRAM_WEIGHT * guess.score);
      }
    }
    const [best, second] = [...scores.entries()].sort((a, b) => b[1] - a[1]);
    // Trigrams alone decide only on a sentence: on a word or two ("ok", a name) they are noise.
    const evidence = knownWords > 0 || words.length >= MIN_WORDS_FOR_TRIGRAMS_ALONE;
    const sure = evidence && best![1] - second![1] >= MARGIN;
    if (sure || !hint) return { language: best![0], sure };
    return { language: hint, sure: false };
  }
}
