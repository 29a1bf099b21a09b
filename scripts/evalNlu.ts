import { compareDetectors, crossValidate, evaluateAll, precisionRecall, type LanguageScore } from '../dialogs/understanding/evaluate';
import { IntentModel } from '../dialogs/understanding/model';

const pct = (share: number) => `${(100 * share).toFixed(1)} %`.padStart(8);

function summary(scores: LanguageScore[]): string[] {
  const all = scores.reduce((sum, s) => ({ total: sum.total + s.total, routed: sum.routed + s.routed, offered: sum.offered + s.offeredChoices, wrong: sum.wrong + s.wrongLanguage }), { total: 0, routed: 0, offered: 0, wrong: 0 });
  return [
    'language  phrasings    routed   routed or offered*   top-1   language right',
    ...scores.map((s) =>
      [s.language.padEnd(9), String(s.total).padStart(9), pct(s.routed / s.total), pct((s.routed + s.offeredChoices) / s.total).padStart(20), pct(s.topOne / s.total), pct(1 - s.wrongLanguage / s.total).padStart(16)].join(' '),
    ),
    [ 'all'.padEnd(9), String(all.total).padStart(9), pct(all.routed / all.total), pct((all.routed + all.offered) / all.total).padStart(20), ''.padStart(8), pct(1 - all.wrong / all.total).padStart(16)].join(' '),
    '* low confidence: the person was offered the right intent among two or three buttons',
  ];
}

function confusions(scores: LanguageScore[]): string[] {
  return scores.flatMap((s) => s.confusions.map((c) => `  [${s.language}] "${c.text}": ${c.expected} → ${c.got}`));
}

/**
 * Prints how the intent model does (npm run eval:nlu): cross-validated on the development sets, per language and per
 * intent; the model the bot trains (corpus only) on the whole development sets; and the language detectors compared.
 */
async function main(): Promise<void> {
  const started = Date.now();
  const model = await IntentModel.train();
  const trainedMs = Date.now() - started;
  const plain = await evaluateAll(model);
  const cv = await crossValidate(5);
  const detectors = await compareDetectors();
  const perIntent = cv.scores.map((s) => precisionRecall(s));
  const intents = [...perIntent[0]!.keys()];
  const lines = [
    `the bot's model (corpus only, three languages) trained in ${trainedMs} ms`,
    `cross-validation: ${cv.folds} folds, each model (corpus + the other folds) trained in ${Math.min(...cv.trainingMs)}–${Math.max(...cv.trainingMs)} ms`,
    '',
    `== cross-validated on the development sets (each phrasing scored by a model that did not train on it)`,
    ...summary(cv.scores),
    '',
    `intent (routed: precision / recall)  ${cv.scores.map((s) => s.language.padEnd(17)).join(' ')}`,
    ...intents.map((intent) => `${intent.padEnd(36)} ${perIntent.map((pr) => `${pct(pr.get(intent)!.precision)} /${pct(pr.get(intent)!.recall)}`).join(' ')}`),
    '',
    '== the bot\'s model (corpus only) on the whole development sets',
    ...summary(plain),
    '',
    '== language detectors, no hint: share right on the development sets\' phrasings and on 1–3 word texts; share of unclear texts ("ok", a name, a number) left not-sure',
    `${'detector'.padEnd(42)} ${'phrasings en'.padStart(12)} ${'nl'.padStart(8)} ${'fr'.padStart(8)} ${'short en'.padStart(9)} ${'nl'.padStart(8)} ${'fr'.padStart(8)} ${'unclear'.padStart(9)}`,
    ...detectors.map((d) =>
      [d.detector.padEnd(42), pct(d.phrasings.en).padStart(12), pct(d.phrasings.nl), pct(d.phrasings.fr), pct(d.shortTexts.en).padStart(9), pct(d.shortTexts.nl), pct(d.shortTexts.fr), pct(d.unclearNotSure).padStart(9)].join(' '),
    ),
    '',
    'confusions, cross-validated (expected → got):',
    ...confusions(cv.scores),
    '',
    'confusions, the bot\'s model (expected → got):',
    ...confusions(plain),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
