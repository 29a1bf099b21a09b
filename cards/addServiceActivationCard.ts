import type { CardChoice, StepHeader } from './addServiceParts';
import { render, type AdaptiveCard } from './render';
import template from './templates/addServiceActivation.json';

export interface AddServiceActivationCardData extends StepHeader {
  labels: { activationMethod: string; activationTiming: string };
  values: { activationMethod: string; activationTiming: string };
  choices: { activationMethod: CardChoice[]; activationTiming: CardChoice[] };
  errors: { activationMethod?: string; activationTiming?: string };
}

/** Step 8: how the activation completes and when it starts; Save is on this card. */
export function renderAddServiceActivationCard(data: AddServiceActivationCardData): AdaptiveCard {
  return render(template, data);
}
