import { render, type AdaptiveCard } from './render';
import waitingServicesTemplate from './templates/waitingServices.json';

export interface WaitingRow {
  id: string;
  heading: string;
  detail: string;
  buttonTitle: string;
  buttonVerb: string;
}

export interface WaitingServicesCardData {
  title: string;
  /** What the last action did; empty for none. */
  message: string;
  empty: string;
  rows: WaitingRow[];
  /** The services that can be started, for the selection. */
  startable: Array<{ title: string; value: string }>;
  selectLabel: string;
  dateLabel: string;
  timeLabel: string;
  page: number;
  pages: number;
  pageText: string;
  /** Carried by every button: a double click or a Teams retry repeats the same request, not a new one. */
  requestKey: string;
  /** This card among the others, so that its answer replaces it in the web chat too. */
  cardKey: string;
  /** What this card shows, carried by every button: an action on a list changed since is not done. */
  listKey: string;
  actions: Array<{ title: string; verb: string; to: number }>;
}

export function renderWaitingServicesCard(data: WaitingServicesCardData): AdaptiveCard {
  return render(waitingServicesTemplate, data);
}
