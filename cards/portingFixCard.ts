import type { PortingField } from '../services/numbers/portingDetails';
import { render, type AdaptiveCard } from './render';
import template from './templates/portingFix.json';

export interface PortingFixButton {
  title: string;
  verb: string;
  data: Record<string, unknown>;
  /** "auto" sends the form's inputs with the button; "none" leaves them out. */
  inputs: 'auto' | 'none';
}

export interface PortingFixCardData {
  title: string;
  intro: string;
  /** The block from renderPortingFields, pre-filled with the details as they were sent. */
  portingFields: Record<string, unknown>;
  /** The donor's reason, shown under the field it refused (at the top when it names none). */
  refusal: { field: PortingField | null; text: string };
  buttons: PortingFixButton[];
}

/** "Fix" on a refused porting request: the details as sent, the refused one marked, and "Send again". */
export function renderPortingFixCard(data: PortingFixCardData): AdaptiveCard {
  return render(template, { ...data, portingFields: markRefusedField(data.portingFields, data.refusal) });
}

/** Puts the refusal right under its input in the fields block, where the administrator corrects it. */
function markRefusedField(fields: Record<string, unknown>, refusal: PortingFixCardData['refusal']): Record<string, unknown> {
  const items = Array.isArray(fields.items) ? [...(fields.items as Array<Record<string, unknown>>)] : [];
  const at = refusal.field ? items.findIndex((item) => item.id === refusal.field) + 1 : 0;
  items.splice(at, 0, { type: 'TextBlock', text: refusal.text, color: 'Attention', weight: 'Bolder', size: 'Small', wrap: true, spacing: 'None' });
  return { ...fields, items };
}
