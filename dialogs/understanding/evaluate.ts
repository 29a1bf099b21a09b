import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../../services/platform/projectRoot';
import { nluLanguages, type NluLanguage } from './corpus';
import { decide, type IntentModel } from './model';

const devSetSchema = z.array(z.object({ text: z.string().min(1), intent: z.string().min(1) })).min(1);
export type DevSet = z.infer<typeof devSetSchema>;

/** The development set of one language (test/nlu/devset.<language>.json): phrasings the model was not trained on. */
export function loadDevSet(language: NluLanguage): DevSet {
  const file = path.join(projectRoot(), 'test', 'nlu', `devset.${language}.json`);
  return devSetSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
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
  confusions: Array<{ text: string; expected: string; got: string }>;
}

/** Scores the model on a development set as the message route would use it, the set's language as the hint. */
export async function evaluate(model: IntentModel, language: NluLanguage, devSet: DevSet): Promise<LanguageScore> {
  const score: LanguageScore = { language, total: devSet.length, routed: 0, topOne: 0, offeredChoices: 0, wrongLanguage: 0, confusions: [] };
  for (const { text, intent } of devSet) {
    const understanding = await model.understand(text, language);
    if (understanding.language !== language) score.wrongLanguage++;
    if (understanding.ranking[0]?.intent === intent) score.topOne++;
    const decision = decide(understanding);
    if (decision.kind === 'intent' && decision.intent === intent) score.routed++;
    else if (decision.kind === 'choose' && decision.candidates.includes(intent)) score.offeredChoices++;
    else score.confusions.push({ text, expected: intent, got: decision.kind === 'intent' ? decision.intent : `choose(${decision.candidates.join(', ')})` });
  }
  return score;
}

export async function evaluateAll(model: IntentModel): Promise<LanguageScore[]> {
  return Promise.all(nluLanguages.map((language) => evaluate(model, language, loadDevSet(language))));
}
