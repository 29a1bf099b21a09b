import type { CardChoice, StepHeader } from './addServiceParts';
import { render, type AdaptiveCard } from './render';
import template from './templates/addServiceSim.json';

export interface AddServiceSimCardData extends StepHeader {
  labels: { simOption: string; iccid: string };
  values: { simOption: string; iccid: string };
  choices: { simOption: CardChoice[] };
  errors: { simOption?: string; iccid?: string };
}

/** Step 6: the user enters the SIM card number later, or the administrator enters it now. */
export function renderAddServiceSimCard(data: AddServiceSimCardData): AdaptiveCard {
  return render(template, data);
}
