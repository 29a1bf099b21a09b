/** What every add-service card shares: where the administrator is, for whom, and the buttons. */

export interface FlowButton {
  title: string;
  verb: string;
  /** Ids only (the flow, the card's step, a chosen person): handlers re-read everything else. */
  data: Record<string, string>;
  style: 'positive' | 'default';
  /** Back and Cancel send no inputs, so nothing half-typed on the card is checked or kept. */
  inputs: 'auto' | 'none';
}

export interface StepHeader {
  /** "Step 3 of 8", empty before the portal's steps begin. */
  stepLabel: string;
  title: string;
  /** "For Jan Peeters", empty when nobody is chosen yet. */
  subtitle: string;
  notes: string[];
  buttons: FlowButton[];
}

export interface CardChoice {
  title: string;
  value: string;
}
