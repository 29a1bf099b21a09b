import type { FlowButton, StepHeader } from './addServiceParts';
import { render, type AdaptiveCard } from './render';
import template from './templates/addServiceUser.json';

export interface AddServiceUserCardData extends StepHeader {
  labels: { query: string };
  placeholder: string;
  values: { query: string };
  errors: { query?: string };
  /** One button per person found. */
  matches: Omit<FlowButton, 'style' | 'inputs'>[];
}

/** Who the service is for: a search box and, once searched, the people found. */
export function renderAddServiceUserCard(data: AddServiceUserCardData): AdaptiveCard {
  return render(template, data);
}
