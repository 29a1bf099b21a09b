import type { CardChoice } from './addServiceParts';
import { render, type AdaptiveCard } from './render';
import formTemplate from './templates/peopleForm.json';
import listTemplate from './templates/peopleList.json';
import removeTemplate from './templates/peopleRemove.json';

/** A button of the people cards: ids only in its data, the handlers re-read the rest. */
export interface PeopleButton {
  title: string;
  verb: string;
  data: Record<string, string>;
  style: 'positive' | 'destructive' | 'default';
  /** Cancel and the per-person buttons send no inputs. */
  inputs: 'auto' | 'none';
}

type FormField = 'displayName' | 'email' | 'language';

export interface PeopleFormCardData {
  title: string;
  notes: string[];
  /**
   * Teams only: the organisation's directory (the Teams people picker, a Data.Query of graph.microsoft.com/users),
   * whose value is the chosen account's AAD object id; `none` is the one fixed choice, for someone not in it.
   */
  picker?: { label: string; none: string; value: string };
  labels: Record<FormField, string>;
  /** As typed, kept when something is wrong. */
  values: Record<FormField, string>;
  /** Next to each field; empty when nothing is wrong. */
  errors: Record<FormField | 'directoryId', string>;
  languages: CardChoice[];
  buttons: PeopleButton[];
}

/** Adding an employee, or changing one: the fields as typed, each with what is wrong with it. */
export function renderPeopleFormCard(data: PeopleFormCardData): AdaptiveCard {
  return render(formTemplate, data);
}

export interface PeopleListCardData {
  title: string;
  text: string;
  search: { label: string; placeholder: string; value: string };
  /** The employees found, each with Change and Remove. */
  people: Array<{ name: string; detail: string; buttons: PeopleButton[] }>;
  /** Find, Add an employee. */
  buttons: PeopleButton[];
}

/** The start of managing people, and the employees a search found. */
export function renderPeopleListCard(data: PeopleListCardData): AdaptiveCard {
  return render(listTemplate, data);
}

export interface PeopleRemoveCardData {
  title: string;
  text: string;
  /** The person's services by state, one line each ("Active: 2"): a state's name is too long for a fact's title on a phone. */
  lines: string[];
  /** What removing does, or why it cannot be done yet. */
  outcome: string;
  buttons: PeopleButton[];
}

/** The question before removing an employee: their services by state, and what happens to them. */
export function renderPeopleRemoveCard(data: PeopleRemoveCardData): AdaptiveCard {
  return render(removeTemplate, data);
}
