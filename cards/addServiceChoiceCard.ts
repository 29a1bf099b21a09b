import type { CardChoice, StepHeader } from './addServiceParts';
import { render, type AdaptiveCard } from './render';
import template from './templates/addServiceChoice.json';

export interface AddServiceChoiceCardData extends StepHeader {
  /** The input's id, which is the card data field the step's schema reads. */
  inputId: string;
  label: string;
  choiceStyle: 'expanded' | 'compact';
  /** The value chosen before (Back keeps it), or empty. */
  value: string;
  choices: CardChoice[];
  error: string;
}

/** A step that is one choice: product type, service type, how the number is chosen, which number. */
export function renderAddServiceChoiceCard(data: AddServiceChoiceCardData): AdaptiveCard {
  return render(template, data);
}
