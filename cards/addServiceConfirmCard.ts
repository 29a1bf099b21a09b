import type { StepHeader } from './addServiceParts';
import { render, type AdaptiveCard } from './render';
import template from './templates/addServiceConfirm.json';

export interface AddServiceConfirmCardData extends StepHeader {
  facts: Array<{ title: string; value: string }>;
  texts: string[];
}

/** A question to confirm (the bundle, a number move, taking a fixed number) or a plain notice with its buttons. */
export function renderAddServiceConfirmCard(data: AddServiceConfirmCardData): AdaptiveCard {
  return render(template, data);
}
