import { render, type AdaptiveCard } from './render';
import bulkImportStartTemplate from './templates/bulkImportStart.json';

export interface BulkImportStartCardData {
  title: string;
  intro: string;
  columns: string;
  limits: string;
  /** The template download verb; each button carries its format. */
  verb: string;
  templates: Array<{ title: string; format: 'csv' | 'xlsx' }>;
}

export function renderBulkImportStartCard(data: BulkImportStartCardData): AdaptiveCard {
  return render(bulkImportStartTemplate, data);
}
