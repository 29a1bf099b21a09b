import { evaluateAll } from '../dialogs/understanding/evaluate';
import { IntentModel } from '../dialogs/understanding/model';

/** Prints how the intent model does on the development sets (npm run eval:nlu): accuracy per language, then every miss. */
async function main(): Promise<void> {
  const started = Date.now();
  const model = await IntentModel.train();
  const trainedMs = Date.now() - started;
  const scores = await evaluateAll(model);
  const pct = (n: number, total: number) => `${((100 * n) / total).toFixed(1)} %`.padStart(8);
  const lines = [
    `intent model trained in ${trainedMs} ms`,
    '',
    'language  phrasings    routed   top-1   asked*   wrong language',
    ...scores.map((s) =>
      [s.language.padEnd(9), String(s.total).padStart(9), pct(s.routed, s.total), pct(s.topOne, s.total), pct(s.offeredChoices, s.total), String(s.wrongLanguage).padStart(8)].join(' '),
    ),
    '* low confidence: the person was offered the right intent among two or three buttons',
    '',
    'confusions (expected → got):',
    ...scores.flatMap((s) => s.confusions.map((c) => `  [${s.language}] "${c.text}": ${c.expected} → ${c.got}`)),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
