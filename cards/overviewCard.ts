import type { DataButton } from './questionCard';
import { render, type AdaptiveCard } from './render';
import overviewTemplate from './templates/overview.json';

export interface OverviewCardData {
  title: string;
  subtitle: string;
  attentionTitle: string;
  /** Shown when nothing needs the administrator. */
  attentionNone: string;
  /** One button per kind of trouble that is there now: refused portings, failures, overdue activations. */
  attention: DataButton[];
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
