import type { CardChoice, StepHeader } from './addServiceParts';
import { render, type AdaptiveCard } from './render';
import template from './templates/addServiceBundle.json';

export interface AddServiceBundleCardData extends StepHeader {
  labels: { bundleCode: string; optionCodes: string };
  /** optionCodes comma-separated, as a multi-select submits them. */
  values: { bundleCode: string; optionCodes: string };
  choices: { bundleCode: CardChoice[]; optionCodes: CardChoice[] };
  errors: { bundleCode?: string };
}

/** Step 3: the bundle and its options. */
export function renderAddServiceBundleCard(data: AddServiceBundleCardData): AdaptiveCard {
  return render(template, data);
}
