import type { StepHeader } from './addServiceParts';
import { render, type AdaptiveCard } from './render';
import template from './templates/addServicePorting.json';

export interface AddServicePortingCardData extends StepHeader {
  /** The block from renderPortingFields. */
  portingFields: Record<string, unknown>;
}

/** Step 5, porting: the details the current operator checks. */
export function renderAddServicePortingCard(data: AddServicePortingCardData): AdaptiveCard {
  return render(template, data);
}
