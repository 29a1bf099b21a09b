import { render, type AdaptiveCard } from './render';
import bulkImportReportTemplate from './templates/bulkImportReport.json';

export interface BulkImportReportCardData {
  title: string;
  /** What the last action could not do; empty for none. */
  message: string;
  counts: string;
  invalid: string;
  /** "2 new users are added…" and one line per new user; empty when the file adds nobody. */
  newUsersTitle?: string;
  newUsers?: string[];
  /** This page's invalid rows: "Row 12" and one line per problem. */
  rows: Array<{ heading: string; problems: string[] }>;
  pages: number;
  pageText: string;
  /** Whether the start choice and the confirm button are offered (valid rows, not confirmed yet). */
  confirmable: boolean;
  startLabel: string;
  starts: Array<{ title: string; value: string }>;
  dateLabel: string;
  timeLabel: string;
  importId: string;
  /** Carried by every button: a double click or a Teams retry confirms once. */
  confirmKey: string;
  actions: Array<{ title: string; verb: string; to: number }>;
}

export function renderBulkImportReportCard(data: BulkImportReportCardData): AdaptiveCard {
  return render(bulkImportReportTemplate, { newUsersTitle: '', newUsers: [], ...data });
}
