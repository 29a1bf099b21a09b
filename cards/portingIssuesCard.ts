import { render, type AdaptiveCard } from './render';
import template from './templates/portingIssues.json';

export interface PortingIssueRow {
  /** Whose service, and which: its type and number. */
  user: string;
  /** Operator, attempt and date, in one line. */
  summary: string;
  /** Why the donor refused, in plain words. */
  reason: string;
  /** "Fix", for those who may correct the request; none for the others. */
  buttons: Array<{ title: string; verb: string; data: { requestId: string } }>;
}

export interface PortingIssuesCardData {
  title: string;
  intro: string;
  issues: PortingIssueRow[];
}

/** "Mobile porting issues": the organisation's refused requests, each with its reason and, for administrators, a button to fix it. */
export function renderPortingIssuesCard(data: PortingIssuesCardData): AdaptiveCard {
  return render(template, data);
}
