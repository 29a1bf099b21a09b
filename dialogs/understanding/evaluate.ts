import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../../services/platform/projectRoot';
import { loadCorpora, nluLanguages, withoutSlots, type Corpus, type NluLanguage } from './corpus';
import { extractEntities } from './entities';
import { eldLetters, LanguageDetector, loadEld, nlpjsTrigrams, type LanguageGuess } from './language';
import { decide, IntentModel } from './model';

const devSetSchema = z.array(z.object({ text: z.string().min(1), intent: z.string().min(1) })).min(1);
export type DevSet = z.infer<typeof devSetSchema>;

/**
 * The development set of one language (test/nlu/devset.<language>.json): phrasings the corpus does not hold, written
 * as people type them, with names and addresses in `{…}` so that they are typed without the braces and left out
 * when a phrasing is trained on, as the corpus's slots are.
 */
export function loadDevSet(language: NluLanguage): DevSet {
  return devSetSchema.parse(readTestFile(`devset.${language}.json`));
}

/** The text as the person typed it. */
export const typed = (phrasing: string): string => phrasing.replace(/[{}]/g, '');

function readTestFile(name: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(projectRoot(), 'test', 'nlu', name), 'utf8'));
}

export interface LanguageScore {
  language: NluLanguage;
  total: number;
  /** Routed straight to the right intent. */
  routed: number;
  /** The right intent came first, whether or not it was sure enough to route without asking. */
  topOne: number;
  /** Low confidence: the person is offered choices; counted as right when the expected intent is among them. */
  offeredChoices: number;
  /** Detected in another language than the set's. */
  wrongLanguage: number;
  /** Per phrasing: the intent expected and the one routed to (undefined when the person was offered choices). */
  outcomes: Array<{ expected: string; routed?: string }>;
  confusions: Array<{ text: string; expected: string; got: string }>;
}

/** Scores the model on a development set as the message route would use it, the set's language as the hint. */
export async function evaluate(model: IntentModel, language: NluLanguage, devSet: DevSet): Promise<LanguageScore> {
  const score: LanguageScore = { language, total: devSet.length, routed: 0, topOne: 0, offeredChoices: 0, wrongLanguage: 0, outcomes: [], confusions: [] };
  for (const { text: phrasing, intent } of devSet) {
    const text = typed(phrasing);
    const understanding = await model.understand(text, language);
    if (understanding.language !== language) score.wrongLanguage++;
    if (understanding.ranking[0]?.intent === intent) score.topOne++;
    const decision = decide(understanding);
    score.outcomes.push({ expected: intent, routed: decision.kind === 'intent' ? decision.intent : undefined });
    if (decision.kind === 'intent' && decision.intent === intent) score.routed++;
    else if (decision.kind === 'choose' && decision.candidates.includes(intent)) score.offeredChoices++;
    else score.confusions.push({ text, expected: intent, got: decision.kind === 'intent' ? decision.intent : `choose(${decision.candidates.join(', ')})` });
  }
  return score;
}

/** The model trained on the corpus alone, on each language's whole development set. */
export async function evaluateAll(model: IntentModel): Promise<LanguageScore[]> {
  return Promise.all(nluLanguages.map((language) => evaluate(model, language, loadDevSet(language))));
}

export interface CrossValidation {
  folds: number;
  /** How long each fold's model took to train (three languages, corpus and the other folds). */
  trainingMs: number[];
  scores: LanguageScore[];
}

/**
 * k-fold cross-validation on the development sets: fold i holds every k-th phrasing of a set (the files are ordered
 * by intent, so each fold gets some of every intent); its model is trained on the corpus and the other folds, and
 * scored on fold i alone. A phrasing is never scored by a model that trained on it.
 */
export async function crossValidate(folds = 5): Promise<CrossValidation> {
  const corpora = loadCorpora();
  const devSets = Object.fromEntries(nluLanguages.map((language) => [language, loadDevSet(language)])) as Record<NluLanguage, DevSet>;
  const trainingMs: number[] = [];
  const scores = new Map<NluLanguage, LanguageScore>();
  for (let fold = 0; fold < folds; fold++) {
    const inFold = (_: unknown, index: number) => index % folds === fold;
    const training = Object.fromEntries(
      nluLanguages.map((language) => [language, withPhrasings(corpora[language], devSets[language].filter((entry, index) => !inFold(entry, index)))]),
    ) as Record<NluLanguage, Corpus>;
    const started = Date.now();
    const model = await IntentModel.train(training);
    trainingMs.push(Date.now() - started);
    for (const language of nluLanguages) {
      const score = await evaluate(model, language, devSets[language].filter(inFold));
      scores.set(language, merge(scores.get(language), score));
    }
  }
  return { folds, trainingMs, scores: nluLanguages.map((language) => scores.get(language)!) };
}

function withPhrasings(corpus: Corpus, devSet: DevSet): Corpus {
  const pooled: Corpus = Object.fromEntries(Object.entries(corpus).map(([intent, phrasings]) => [intent, [...phrasings]]));
  for (const { text, intent } of devSet) (pooled[intent] ??= []).push(withoutSlots(text));
  return pooled;
}

function merge(total: LanguageScore | undefined, fold: LanguageScore): LanguageScore {
  if (!total) return fold;
  return {
    language: total.language,
    total: total.total + fold.total,
    routed: total.routed + fold.routed,
    topOne: total.topOne + fold.topOne,
    offeredChoices: total.offeredChoices + fold.offeredChoices,
    wrongLanguage: total.wrongLanguage + fold.wrongLanguage,
    outcomes: [...total.outcomes, ...fold.outcomes],
    confusions: [...total.confusions, ...fold.confusions],
  };
}

/** Per intent: of the phrasings routed to it, how many meant it (precision); of those meaning it, how many got there (recall). */
export function precisionRecall(score: LanguageScore): Map<string, { precision: number; recall: number }> {
  const intents = [...new Set(score.outcomes.map((outcome) => outcome.expected))].sort();
  return new Map(
    intents.map((intent) => {
      const right = score.outcomes.filter((o) => o.expected === intent && o.routed === intent).length;
      const routedTo = score.outcomes.filter((o) => o.routed === intent).length;
      const meant = score.outcomes.filter((o) => o.expected === intent).length;
      return [intent, { precision: routedTo === 0 ? 1 : right / routedTo, recall: right / meant }];
    }),
  );
}

const shortTextsSchema = z.object({ en: z.array(z.string()), nl: z.array(z.string()), fr: z.array(z.string()), unclear: z.array(z.string()) });

/** How well one language detector does, without a hint: the share it gets right, and the unclear texts it leaves not-sure. */
export interface DetectorScore {
  detector: string;
  phrasings: Record<NluLanguage, number>;
  shortTexts: Record<NluLanguage, number>;
  unclearNotSure: number;
}

/**
 * Compares language detectors on the development sets' phrasings and on short texts (test/nlu/shorttexts.json: one
 * to three words per language, and texts that are no language in particular, which must stay not-sure). The
 * detectors that use words learn them from the corpus only, so every text scored is unseen.
 */
export async function compareDetectors(): Promise<DetectorScore[]> {
  const corpora = loadCorpora();
  const eld = await loadEld();
  const eldAlone = (text: string): LanguageGuess => {
    const result = eld.detect(text);
    const language = nluLanguages.find((candidate) => candidate === result.language);
    return language ? { language, sure: result.isReliable() } : { language: 'en', sure: false };
  };
  const bots = new LanguageDetector(corpora, nlpjsTrigrams());
  const withEld = new LanguageDetector(corpora, eldLetters(eld));
  const detectors: Array<[string, (text: string) => LanguageGuess]> = [
    ['corpus words + NLP.js trigrams (the bot)', (text) => bots.detect(text, undefined)],
    ['eld alone', eldAlone],
    ['corpus words + eld', (text) => withEld.detect(text, undefined)],
  ];
  // As the bot does: numbers and addresses are taken out before the language is guessed.
  const rest = (text: string) => extractEntities(text, (word) => bots.knows(word)).rest;
  const shortTexts = shortTextsSchema.parse(readTestFile('shorttexts.json'));
  const share = (texts: string[], language: NluLanguage, detect: (text: string) => LanguageGuess) =>
    texts.filter((text) => detect(rest(text)).language === language).length / texts.length;
  return detectors.map(([detector, detect]) => ({
    detector,
    phrasings: Object.fromEntries(nluLanguages.map((language) => [language, share(loadDevSet(language).map((entry) => typed(entry.text)), language, detect)])) as Record<NluLanguage, number>,
    shortTexts: Object.fromEntries(nluLanguages.map((language) => [language, share(shortTexts[language], language, detect)])) as Record<NluLanguage, number>,
    unclearNotSure: shortTexts.unclear.filter((text) => !detect(rest(text)).sure).length / shortTexts.unclear.length,
  }));
}
