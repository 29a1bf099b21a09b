import fs from 'node:fs';
import path from 'node:path';
import { withSubmitActions, type AdaptiveCard } from '../../cards/render';
import { languages } from '../../cards/strings';
import { cardProblems } from '../support/adaptiveCards';
import { templateCases } from '../support/cardSamples';

type Json = Record<string, any>;

// What Teams' mobile client shows without cutting: its host config gives a FactSet title 150 px and shows six actions.
const PHONE_WIDTH_PX = 320;
const MAX_COLUMNS = 3;
const MAX_ACTIONS = 6;
const MAX_FACT_TITLE = 32;
const MAX_BUTTON_TITLE = 48;
const MAX_UNWRAPPED_TEXT = 30;
// Teams refuses a bot message over about 28 KB, card included; the activity around the card needs some of it.
const MAX_CARD_BYTES = 24 * 1024;

function walk(node: unknown, visit: (element: Json) => void): void {
  if (Array.isArray(node)) return node.forEach((item) => walk(item, visit));
  if (node === null || typeof node !== 'object') return;
  visit(node as Json);
  for (const [key, value] of Object.entries(node)) if (key !== 'fallback') walk(value, visit);
}

/** What would not fit on a phone in Teams, as readable lines. */
export function mobileProblems(card: AdaptiveCard): string[] {
  const problems: string[] = [];
  if ((card.actions?.length ?? 0) > MAX_ACTIONS) problems.push(`${card.actions!.length} card actions: Teams shows ${MAX_ACTIONS}`);
  walk(card, (element) => {
    const { type } = element;
    if (type === 'ColumnSet' && (element.columns?.length ?? 0) > MAX_COLUMNS) problems.push(`ColumnSet of ${element.columns.length} columns`);
    if (type === 'Table' && (element.columns?.length ?? 0) > MAX_COLUMNS) problems.push(`Table of ${element.columns.length} columns`);
    if (type === 'ActionSet' && (element.actions?.length ?? 0) > MAX_ACTIONS) problems.push(`ActionSet of ${element.actions.length} actions: Teams shows ${MAX_ACTIONS}`);
    for (const key of ['width', 'minHeight', 'height']) {
      const px = /^(\d+)px$/.exec(String(element[key] ?? ''));
      if (px && Number(px[1]) > PHONE_WIDTH_PX) problems.push(`${type} ${key} ${element[key]} is wider than a phone`);
    }
    if (type === 'TextBlock' && element.size === 'ExtraLarge') problems.push(`ExtraLarge text "${element.text}"`);
    if (type === 'TextBlock' && !element.wrap && String(element.text ?? '').length > MAX_UNWRAPPED_TEXT) problems.push(`text cut off on a phone, no wrap: "${element.text}"`);
    if (type === 'FactSet') {
      for (const fact of element.facts ?? []) if (String(fact.title).length > MAX_FACT_TITLE) problems.push(`fact title too long for a phone: "${fact.title}"`);
    }
    if (typeof type === 'string' && type.startsWith('Action.') && String(element.title ?? '').length > MAX_BUTTON_TITLE) problems.push(`button title too long: "${element.title}"`);
  });
  return problems;
}

/** Every Action.Execute carries the Action.Submit the web chat presses: same title, its data plus the verb. */
export function fallbackProblems(card: AdaptiveCard): string[] {
  const problems: string[] = [];
  walk(card, (element) => {
    if (element.type !== 'Action.Execute') return;
    const fallback = element.fallback as Json | undefined;
    const expected = { type: 'Action.Submit', title: element.title, data: { ...(element.data ?? {}), verb: element.verb } };
    if (!fallback || JSON.stringify(fallback) !== JSON.stringify(expected)) problems.push(`"${element.title}" (${element.verb}) has no web chat fallback`);
  });
  return problems;
}

function executes(card: unknown): number {
  let count = 0;
  walk(card, (element) => {
    if (element.type === 'Action.Execute') count += 1;
  });
  return count;
}

const templatesDir = path.join(__dirname, '../../cards/templates');
const templates = fs.readdirSync(templatesDir).filter((name) => name.endsWith('.json')).map((name) => name.replace(/\.json$/, '')).sort();

describe('every card template', () => {
  it('has representative data here, so a new card cannot go unchecked', () => {
    expect(Object.keys(templateCases).sort()).toEqual(templates);
  });

  const cases = templates.flatMap((template) => languages.map((language) => [template, language] as const));
  it.each(cases)('%s in %s parses as Adaptive Card 1.5, fits a phone and works in the web chat', (template, language) => {
    const cards = templateCases[template]?.(language) ?? [];
    expect(cards.length).toBeGreaterThan(0);
    for (const card of cards) {
      const webChat = withSubmitActions(card);
      expect({ teams: cardProblems(card), webChat: cardProblems(webChat) }).toEqual({ teams: [], webChat: [] });
      expect(fallbackProblems(card)).toEqual([]);
      expect(executes(webChat)).toBe(0);
      expect(mobileProblems(card)).toEqual([]);
      expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(MAX_CARD_BYTES);
      // The templating leaves an unbound ${…} as text when data is missing: a person would read it.
      expect(JSON.stringify(card)).not.toMatch(/\$\{/);
    }
  });
});

describe('the checks themselves', () => {
  const welcome = () => templateCases.welcome!('en')[0]!;

  it('catch a card without the web chat fallback', () => {
    const card = welcome();
    const first = (card.body.find((element) => (element as Json).type === 'ActionSet') as Json).actions[0] as Json;
    delete first.fallback;
    expect(fallbackProblems(card)).toEqual([`"${first.title}" (welcome.addService) has no web chat fallback`]);
  });

  it('catch what does not fit a phone', () => {
    const card = welcome();
    card.body.push(
      { type: 'ColumnSet', columns: [1, 2, 3, 4].map(() => ({ type: 'Column', items: [] })) },
      { type: 'Image', url: 'https://example.com/a.png', width: '480px' },
      { type: 'TextBlock', text: 'A long sentence that is not wrapped at all on a phone', size: 'ExtraLarge' },
      { type: 'FactSet', facts: [{ title: 'A fact title far too long for the phone column', value: 'x' }] },
    );
    card.actions = Array.from({ length: 7 }, (_, i) => ({ type: 'Action.Submit', title: `Button ${i}` }));
    expect(mobileProblems(card)).toHaveLength(6);
  });

  it('catch an input without a label and a version Teams does not render', () => {
    const card = { ...welcome(), version: '1.6', body: [{ type: 'Input.Text', id: 'x' }] };
    expect(cardProblems(card)).toEqual(expect.arrayContaining(['version 1.6 is newer than Teams renders (1.5)', 'input "x" has no label']));
  });
});
