import type { DataButton } from './questionCard';
import { render, type AdaptiveCard } from './render';
import serviceTimelineTemplate from './templates/serviceTimeline.json';

export interface ServiceTimelineCardData {
  /** Whose service, and which. */
  title: string;
  subtitle: string;
  facts: Array<{ title: string; value: string }>;
  timelineTitle: string;
  /** Every event of the service, oldest first, with its time as the reader's language writes it. */
  events: Array<{ at: string; what: string }>;
  changesTitle: string;
  /** The audit trail (support and administrators): who changed what, before → after; left out when empty. */
  changes: Array<{ at: string; what: string }>;
  buttons: DataButton[];
}

/** Support's view of one service: where it stands, everything that happened to it, and what support can do. */
export function renderServiceTimelineCard(data: ServiceTimelineCardData): AdaptiveCard {
  return render(serviceTimelineTemplate, data);
}
