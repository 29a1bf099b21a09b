import type { ServiceDraft } from '../../services/addService/orderDraft';
import { flowSteps, type FlowStep } from './state';
import { steps, type Needs } from './steps';

/**
 * The flow as a state machine, read from the steps table: which card follows which, forwards and back, from the
 * chosen service type's needs and the choices made, and the portal's step each card belongs to. Pure: the flow
 * applies it.
 */

/** The portal's steps: 8. */
export const TOTAL_STEPS = Math.max(...flowSteps.map((step) => steps[step].portal ?? 0));

/** "Step 5 of 8": the portal's step a card belongs to. */
export function portalStepOf(step: FlowStep): number | null {
  return steps[step].portal;
}

/** The card after `step` once its value is in the draft. */
export function nextStep(step: FlowStep, needs: Needs, draft: ServiceDraft): FlowStep {
  return steps[step].next({ step, needs, draft });
}

/** The card Back returns to from `step`: the one that led here, with its value still chosen. */
export function previousStep(step: FlowStep, needs: Needs, draft: ServiceDraft): FlowStep {
  return steps[step].back({ step, needs, draft });
}
