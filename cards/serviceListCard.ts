import type { DataButton } from './questionCard';
import { render, type AdaptiveCard } from './render';
import serviceListTemplate from './templates/serviceList.json';

export interface ChoiceFilter {
  label: string;
  /** As entered, kept even when wrong. */
  value: string;
  choices: Array<{ title: string; value: string }>;
  /** What is wrong with the value, next to the field; empty when nothing is. */
  error: string;
}

export interface ServiceListCardData {
  title: string;
  subtitle: string;
  stateFilter: ChoiceFilter;
  productFilter: ChoiceFilter;
  nameFilter: { label: string; placeholder: string; value: string; error: string };
  filterButton: DataButton;
  empty: string;
  /** "11–20 of 23". */
  showing: string;
  /** At most a page of services, each with the button that opens its card. */
  rows: Array<{ heading: string; detail: string; button: DataButton }>;
  /** Previous, Next, back to the overview. */
  actions: DataButton[];
}

/** A page of the organisation's services, with the filters that narrowed it. */
export function renderServiceListCard(data: ServiceListCardData): AdaptiveCard {
  return render(serviceListTemplate, data);
}
