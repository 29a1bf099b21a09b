import { withSubmitActions } from '../../cards/render';
import { languages } from '../../cards/strings';
import { addCard } from '../../dialogs/people';
import { cardProblems } from '../support/adaptiveCards';

// The official parser and renderer loads in Node only from its dist bundle.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AdaptiveCards = require('adaptivecards/dist/adaptivecards.js');

type Json = Record<string, any>;

/** What the official parser says at the schema version that defines `choices.data` (Data.Query). */
function problemsAt16(card: unknown): string[] {
  const parsed = new AdaptiveCards.AdaptiveCard();
  const context = new AdaptiveCards.SerializationContext(AdaptiveCards.Versions.v1_6);
  parsed.parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i += 1) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of parsed.validateProperties().validationEvents) problems.push(`validation: ${event.message}`);
  return problems;
}

const inputs = (card: Json): Json[] => card.body.filter((element: Json) => String(element.type).startsWith('Input.'));

/**
 * The add card in Teams offers the organisation's directory through the Teams people picker. `choices.data` is
 * defined by the Adaptive Cards 1.6 schema, and Teams honours it on the 1.5 cards it renders: the card is otherwise
 * a clean 1.5 card, and a clean 1.6 one with the picker.
 */
describe("the add card's people picker", () => {
  it.each(languages)('in Teams, in %s: one directory choice set whose value is the chosen AAD object id', (language) => {
    const card = addCard(language, { teams: true }) as Json;
    const [picker] = inputs(card);
    expect(picker).toMatchObject({
      type: 'Input.ChoiceSet',
      id: 'directoryId',
      isMultiSelect: false,
      'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users' },
    });
    expect(problemsAt16(card)).toEqual([]);
    expect(problemsAt16(withSubmitActions(card as never))).toEqual([]);
    expect(cardProblems(card)).toEqual(['parse: Property "choices.data" is supported in version 1.6, but you are using version 1.5.']);
  });

  it('in the web chat, plain fields only, a clean 1.5 card', () => {
    const card = addCard('en', { teams: false }) as Json;
    expect(inputs(card).map((input) => input.id)).toEqual(['displayName', 'email', 'language']);
    expect(cardProblems(card)).toEqual([]);
  });
});
