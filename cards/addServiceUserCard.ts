import type { CardChoice, FlowButton, StepHeader } from './addServiceParts';
import { render, type AdaptiveCard } from './render';
import template from './templates/addServiceUser.json';

type NewUserField = 'displayName' | 'email' | 'language';

/** "Add as a new user", under a search that found nobody: the person's fields as typed, each with what is wrong. */
export interface NewUserPart {
  title: string;
  note: string;
  labels: Record<NewUserField, string>;
  values: Record<NewUserField, string>;
  /** Next to each field; empty when nothing is wrong. */
  errors: Record<NewUserField, string>;
  languages: CardChoice[];
  button: FlowButton;
}

export interface AddServiceUserCardData extends StepHeader {
  labels: { query: string };
  placeholder: string;
  values: { query: string };
  errors: { query?: string };
  /** One button per person found. */
  matches: Omit<FlowButton, 'style' | 'inputs'>[];
  /** Only when the search found nobody. */
  newUser?: NewUserPart;
}

/** Who the service is for: a search box and, once searched, the people found or the offer to add who was typed. */
export function renderAddServiceUserCard(data: AddServiceUserCardData): AdaptiveCard {
  return render(template, data);
}
