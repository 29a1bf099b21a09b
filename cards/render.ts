import { Template } from 'adaptivecards-templating';

/** An Adaptive Card 1.5 as JSON, ready to attach. */
export type AdaptiveCard = { type: 'AdaptiveCard'; version: string; body: unknown[]; actions?: CardAction[] } & Record<string, unknown>;

type CardAction = { type: string; title?: string; verb?: string; data?: Record<string, unknown> } & Record<string, unknown>;

export interface CardButton {
  title: string;
  verb: string;
}

// Parsing a template's expressions costs far more than binding data to them: each template is parsed once.
const prepared = new WeakMap<object, Template>();

/** The one place templates are bound; every Action.Execute gets the Action.Submit fallback older clients need. */
export function render(template: object, data: object): AdaptiveCard {
  let parsed = prepared.get(template);
  if (!parsed) prepared.set(template, (parsed = new Template(template)));
  const card = parsed.expand({ $root: data }) as AdaptiveCard;
  return mapActions(card, (action) => ({ ...action, fallback: submitFor(action) }));
}

function submitFor(action: CardAction): CardAction {
  return { type: 'Action.Submit', title: action.title, data: { ...action.data, verb: action.verb } };
}

/**
 * The card for a client without Universal Actions (the web chat): every Action.Execute becomes its Action.Submit,
 * whose data carries the verb, so the same handlers answer both.
 */
export function withSubmitActions(card: AdaptiveCard): AdaptiveCard {
  return mapActions(card, submitFor);
}

/** Rewrites every Action.Execute wherever it stands: card actions, action sets, select actions, show cards. */
function mapActions<T>(node: T, change: (action: CardAction) => CardAction): T {
  if (Array.isArray(node)) return node.map((item) => mapActions(item, change)) as T;
  if (node === null || typeof node !== 'object') return node;
  const mapped = Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, key === 'fallback' ? value : mapActions(value, change)]),
  ) as Record<string, unknown>;
  return (mapped.type === 'Action.Execute' ? change(mapped as CardAction) : mapped) as T;
}
