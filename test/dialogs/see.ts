import type { AdaptiveCard } from '../../cards/render';
import type { Reply } from '../../dialogs/reply';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { expectValidCard } from '../support/adaptiveCards';

/**
 * What a person sees of a dialog's replies, for the tests that call dialogs directly: the sentence, or the card's
 * texts, facts, inputs and buttons in reading order.
 */

type Json = Record<string, any>;

/** The person behind an email address of the demo data, as the bot recognises them. */
export function actorOf(db: Database, email: string): Promise<Actor> {
  return db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });
}

/** Several people of the demo data at once, by the names the test gives them. */
export async function actorsOf<K extends string>(db: Database, emails: Record<K, string>): Promise<Record<K, Actor>> {
  const entries = await Promise.all(Object.entries<string>(emails).map(async ([name, email]) => [name, await actorOf(db, email)] as const));
  return Object.fromEntries(entries) as Record<K, Actor>;
}

/** The reply's sentence; fails when it is a card. */
export function textOf(reply: Reply | undefined): string {
  if (reply?.kind !== 'text') throw new Error(`expected a sentence, got ${reply ? 'a card' : 'nothing'}`);
  return reply.text;
}

/** The reply's card, checked by the official parser as Teams would render it; fails when it is a sentence. */
export function cardOf(reply: Reply | undefined): AdaptiveCard {
  if (reply?.kind !== 'card') throw new Error(`expected a card, got ${reply ? `"${reply.text}"` : 'nothing'}`);
  expectValidCard(reply.card);
  return reply.card;
}

/** Every element of a card, depth first, in reading order (a button's fallback is not shown, so not read). */
function elements(node: unknown): Json[] {
  if (Array.isArray(node)) return node.flatMap(elements);
  if (node === null || typeof node !== 'object') return [];
  const element = node as Json;
  return [element, ...elements(element.body), ...elements(element.items), ...elements(element.columns), ...elements(element.actions)];
}

/** The card's sentences: its text blocks, and each fact as "title: value". */
export function textsOf(card: AdaptiveCard): string[] {
  return elements(card).flatMap((element) => {
    if (element.type === 'TextBlock') return [String(element.text)];
    if (element.type === 'FactSet') return (element.facts as Json[]).map((fact) => `${fact.title}: ${fact.value}`);
    return [];
  });
}

/** The card's facts, by title. */
export function factsOf(card: AdaptiveCard): Record<string, string> {
  const facts = elements(card).filter((element) => element.type === 'FactSet').flatMap((element) => element.facts as Json[]);
  return Object.fromEntries(facts.map((fact) => [fact.title, fact.value]));
}

export interface Button {
  title: string;
  verb: string;
  data: Json;
}

/** The card's buttons in reading order: what each says, and what pressing it sends. */
export function buttonsOf(card: AdaptiveCard): Button[] {
  return elements(card)
    .filter((element) => element.type === 'Action.Execute')
    .map((action) => ({ title: action.title, verb: action.verb, data: action.data ?? {} }));
}

export const titlesOf = (card: AdaptiveCard) => buttonsOf(card).map((button) => button.title);

/** The button with this title; fails, naming the titles there are, when there is none. */
export function buttonOf(card: AdaptiveCard, title: string): Button {
  const button = buttonsOf(card).find((candidate) => candidate.title === title);
  if (!button) throw new Error(`no button "${title}" on the card; it has ${JSON.stringify(titlesOf(card))}`);
  return button;
}

/** An input of the card by id. */
export function inputOf(card: AdaptiveCard, id: string): Json {
  const input = elements(card).find((element) => element.id === id && String(element.type).startsWith('Input.'));
  if (!input) throw new Error(`no input "${id}" on the card`);
  return input;
}

/** What a person reads right under an input: the message next to the field. */
export function underInput(card: AdaptiveCard, id: string): string | undefined {
  const all = elements(card);
  const next = all[all.findIndex((element) => element.id === id) + 1];
  return next?.type === 'TextBlock' ? String(next.text) : undefined;
}

/** The form as a button sends it: every input's value, changed where the person typed. */
export function formOf(card: AdaptiveCard, changes: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(
    elements(card)
      .filter((element) => String(element.type).startsWith('Input.'))
      .map((element) => [element.id, changes[element.id] ?? element.value ?? '']),
  );
}
