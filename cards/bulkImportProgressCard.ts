import { render, type AdaptiveCard, type CardButton } from './render';
import bulkImportProgressTemplate from './templates/bulkImportProgress.json';

export interface BulkImportProgressCardData {
  title: string;
  /** "412 of 1,000". */
  count: string;
  detail: string;
  /** The closing line once every row is done; empty until then. */
  done: string;
  actions: CardButton[];
}

export function renderBulkImportProgressCard(data: BulkImportProgressCardData): AdaptiveCard {
  return render(bulkImportProgressTemplate, data);
}
