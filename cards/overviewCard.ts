import type { DataButton } from './questionCard';
import { render, type AdaptiveCard } from './render';
import overviewTemplate from './templates/overview.json';

/** One kind of what waits for the administrator: how many, the first few with their buttons, and the whole list. */
export interface AttentionGroup {
  heading: string;
  /** What else helps, below the heading; empty for nothing. */
  hint: string;
  items: Array<{ text: string; buttons: DataButton[] }>;
  /** The kind's whole list when the card names only the first few; empty otherwise. */
  more: DataButton[];
}

export interface OverviewCardData {
  title: string;
  subtitle: string;
  /** What the button just pressed did; empty for nothing. */
  notice: string;
  attentionTitle: string;
  /** 'Attention' (red) when the reader must act, 'Default' when the list is only to keep an eye on. */
  attentionColor: 'Attention' | 'Default';
  /** Shown, plainly, when nothing needs the administrator. */
  attentionNone: string;
  /** Only the kinds there are now. */
  attention: AttentionGroup[];
  byStateTitle: string;
  /**
   * The count of every state as buttons, one per row: side by side, Teams cuts the long Dutch and French state
   * names, even on a desktop.
   */
  states: DataButton[];
  othersTitle: string;
  /** Support's other organisations, to open their overview. */
  others: DataButton[];
  actions: DataButton[];
}

/** The organisation's services counted by state, what needs the administrator now first. */
export function renderOverviewCard(data: OverviewCardData): AdaptiveCard {
  return render(overviewTemplate, data);
}
