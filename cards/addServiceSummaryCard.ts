import type { StepHeader } from './addServiceParts';
import { render, type AdaptiveCard } from './render';
import template from './templates/addServiceSummary.json';

export interface AddServiceSummaryCardData extends StepHeader {
  status: string;
  statusColor: 'Good' | 'Warning' | 'Attention' | 'Accent' | 'Default';
  facts: Array<{ title: string; value: string }>;
  texts: string[];
}

/** The service as saved, with its current status: the card that status updates later replace in place. */
export function renderAddServiceSummaryCard(data: AddServiceSummaryCardData): AdaptiveCard {
  return render(template, data);
}
