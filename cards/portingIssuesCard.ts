import { render, type AdaptiveCard } from './render';
import template from './templates/portingIssues.json';

export interface PortingIssueRow {
  user: string;
  /** Number, operator, attempt and date, in one line. */
  summary: string;
  /** Why the donor refused, in plain words. */
  reason: string;
  fix: { title: string; verb: string; data: { requestId: string } };
}

export interface PortingIssuesCardData {
  title: string;
  intro: string;
  issues: PortingIssueRow[];
}

/** "Mobile porting issues": the organisation's refused requests, each with its reason and a button to fix it. */
export function renderPortingIssuesCard(data: PortingIssuesCardData): AdaptiveCard {
  return render(template, data);
}
