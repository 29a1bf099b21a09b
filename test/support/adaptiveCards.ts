// The official parser and renderer loads in Node only from its dist bundle (DESIGN.md, environment facts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AdaptiveCards = require('adaptivecards/dist/adaptivecards.js');

const MAX_VERSION = { major: 1, minor: 5 };

/** What the official parser says about a card: parse warnings and validation failures, as readable lines. */
export function cardProblems(card: unknown): string[] {
  const problems: string[] = [];
  const json = card as { type?: unknown; version?: unknown };
  if (json.type !== 'AdaptiveCard') problems.push(`type is ${String(json.type)}, not AdaptiveCard`);
  const version = typeof json.version === 'string' ? /^(\d+)\.(\d+)$/.exec(json.version) : null;
  if (!version) problems.push(`version ${String(json.version)} is not "major.minor"`);
  else if (Number(version[1]) > MAX_VERSION.major || (Number(version[1]) === MAX_VERSION.major && Number(version[2]) > MAX_VERSION.minor)) {
    problems.push(`version ${json.version} is newer than Teams renders (1.5)`);
  }

  const parsed = new AdaptiveCards.AdaptiveCard();
  const context = new AdaptiveCards.SerializationContext(AdaptiveCards.Versions.v1_5);
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i += 1) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of parsed.validateProperties().validationEvents) problems.push(`validation: ${event.message}`);
  for (const input of parsed.getAllInputs()) {
    if (!input.label) problems.push(`input "${input.id}" has no label`);
  }
  return problems;
}

/** Fails the test with the parser's own words when the card is not a clean Adaptive Card 1.5 with labelled inputs. */
export function expectValidCard(card: unknown): void {
  expect(cardProblems(card)).toEqual([]);
}
