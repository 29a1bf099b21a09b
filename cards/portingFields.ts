import { render } from './render';
import portingFieldsTemplate from './templates/portingFields.json';

/**
 * The porting details as a reusable block of card inputs: the add-service flow's step 5 and the porting-issues "Fix"
 * card show the same fields, with what was entered, an error under each field the pre-check refused, and its
 * non-blocking notes below. The words and values come from dialogs/portingFields.ts.
 */

/** The inputs of the block, by id. */
export type PortingInput =
  | 'number'
  | 'donorOperator'
  | 'holderKind'
  | 'holderName'
  | 'holderVat'
  | 'lineType'
  | 'currentSimNumber'
  | 'customerNumber'
  | 'wishDate';

export interface PortingChoice {
  title: string;
  value: string;
}

export interface PortingFieldsData {
  /** What each input shows. */
  values: Readonly<Record<PortingInput, string>>;
  labels: Readonly<Record<PortingInput, string>>;
  /** The message under a field, if any. */
  errors: Partial<Record<PortingInput, string>>;
  /** Below the form. */
  notes: string[];
  operators: PortingChoice[];
  holderKinds: PortingChoice[];
  lineTypes: PortingChoice[];
}

/** A Container of the porting inputs, to put in a card's body. */
export function renderPortingFieldsBlock(data: PortingFieldsData): Record<string, unknown> {
  return render(portingFieldsTemplate, data);
}
