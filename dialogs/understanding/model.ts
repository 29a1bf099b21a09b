import { containerBootstrap } from '@nlpjs/core';
import { LangEn } from '@nlpjs/lang-en-min';
import { LangFr } from '@nlpjs/lang-fr';
import { LangNl } from '@nlpjs/lang-nl';
import { Nlp } from '@nlpjs/nlp';
import { loadCorpora, nluLanguages, type Corpus, type NluLanguage } from './corpus';
import { extractEntities, isBareEntity, type Entities } from './entities';
import { LanguageDetector, nlpjsTrigrams, type LanguageGuess } from './language';

export interface ScoredIntent {
  intent: string;
  score: number;
}

/** What one message says, before anyone decides what to do with it. */
export interface Understanding {
  text: string;
  language: NluLanguage;
  /** False when the text fits more than one language and the hint chose. */
  languageSure: boolean;
  /** Every intent with its score, best first; empty when the text is nothing but a pasted number or address. */
  ranking: ScoredIntent[];
  entities: Entities;
  /** The text is only a SIM card number, a phone number or an email address. */
  bareEntity: boolean;
}

/**
 * The intent model: one NLP.js neural classifier per language, trained from dialogs/understanding/corpus at start (npm
 * run eval:nlu prints how long), with the language detector built from the same phrasings and NLP.js letter trigrams.
 */
export class IntentModel {
  private constructor(
    private readonly nlp: Nlp,
    private readonly detector: LanguageDetector,
    readonly intents: readonly string[],
  ) {}

  static async train(corpora: Record<NluLanguage, Corpus> = loadCorpora()): Promise<IntentModel> {
    const container = await containerBootstrap();
    container.use(Nlp);
    container.use(LangEn);
    container.use(LangNl);
    container.use(LangFr);
    // The defaults print every training epoch; spell checking catches one-letter typos of known words. A leak (alpha)
    // of 0.02 instead of 0.07 pushes the classifiers' negative outputs down less, so that a common word ("the", "should")
    // no longer zeroes every intent; measured by npm run eval:nlu (cross-validated: +2 to +3 points, same training time).
    container.registerConfiguration('nlu-??', { log: false, spellCheck: true, spellCheckDistance: 1, alpha: 0.02 }, true);
    const nlp = container.get('nlp');
    nlp.settings.autoSave = false;
    nlp.settings.autoLoad = false;
    nlp.addLanguage([...nluLanguages]);
    const intents = new Set<string>();
    for (const language of nluLanguages) {
      for (const [intent, phrasings] of Object.entries(corpora[language])) {
        intents.add(intent);
        for (const phrasing of phrasings) nlp.addDocument(language, phrasing, intent);
      }
    }
    await nlp.train();
    return new IntentModel(nlp, new LanguageDetector(corpora, nlpjsTrigrams()), [...intents].sort());
  }

  /** The language of a text, read alone: for a value a flow waits for ("my sim is 8932 … thanks"), no intent needed. */
  languageOf(text: string, hint?: NluLanguage): LanguageGuess {
    return this.detector.detect(extractEntities(text, (word) => this.detector.knows(word)).rest, hint);
  }

  async understand(text: string, hint?: NluLanguage): Promise<Understanding> {
    const { entities, rest } = extractEntities(text, (word) => this.detector.knows(word));
    const { language, sure } = this.detector.detect(rest, hint);
    const bareEntity = isBareEntity(rest) && Boolean(entities.iccid ?? entities.phoneNumber ?? entities.email);
    if (bareEntity || rest.length === 0) return { text, language, languageSure: sure, ranking: [], entities, bareEntity };
    // A text that fits several languages ("voicemail", "pin") is classified in each; the clearest reading wins,
    // while the answer stays in the language the hint chose.
    const readings = await Promise.all((sure ? [language] : nluLanguages).map((candidate) => this.rank(candidate, rest)));
    const ranking = readings.reduce((best, reading) => ((reading[0]?.score ?? 0) > (best[0]?.score ?? 0) ? reading : best));
    return { text, language, languageSure: sure, ranking, entities, bareEntity };
  }

  private async rank(language: NluLanguage, text: string): Promise<ScoredIntent[]> {
    const result = await this.nlp.process(language, text);
    return result.classifications
      .filter((entry) => entry.intent !== 'None')
      .map(({ intent, score }) => ({ intent, score }))
      .sort((a, b) => b.score - a.score);
  }
}

export type Decision = { kind: 'intent'; intent: string; score: number } | { kind: 'choose'; candidates: string[] };

/** How sure the model must be to act without asking. */
export const CONFIDENCE = { minimum: 0.6, lead: 0.2 } as const;
const MAX_CHOICES = 3;

/**
 * Acts on the best intent only when it is clearly ahead; otherwise the person chooses among the likeliest few.
 * Nothing is learnt from either outcome: the model changes only through its corpus files.
 */
export function decide(understanding: Pick<Understanding, 'ranking'>): Decision {
  const [best, second] = understanding.ranking;
  if (best && best.score >= CONFIDENCE.minimum && best.score - (second?.score ?? 0) >= CONFIDENCE.lead) {
    return { kind: 'intent', intent: best.intent, score: best.score };
  }
  const likely = understanding.ranking.filter((entry) => entry.score > 0.05).slice(0, MAX_CHOICES);
  return { kind: 'choose', candidates: likely.map((entry) => entry.intent) };
}

let shared: Promise<IntentModel> | undefined;

/** The process's one model, trained on first use; a failed training is retried by the next caller. */
export function intentModel(): Promise<IntentModel> {
  shared ??= IntentModel.train().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
