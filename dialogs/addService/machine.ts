import { NumberOption } from '../../prisma/generated/enums';
import type { CatalogServiceType } from '../../services/catalog/catalog';
import { FixedOption, stepsOf, type ServiceDraft } from '../../services/addService/addService';
import type { FlowStep } from './state';

/**
 * The flow as an explicit state machine: which card follows which, forwards and back, from the chosen service
 * type's needs (a UC user has no number and no SIM step; only fixed/mobile integration has a fixed number) and
 * the choices made. Pure: the flow applies it.
 */

export const TOTAL_STEPS = 8;

const portalStep: Record<FlowStep, number | null> = {
  user: null,
  product: 1,
  serviceType: 2,
  bundle: 3,
  confirm: 4,
  number: 5,
  porting: 5,
  move: 5,
  moveConfirm: 5,
  sim: 6,
  fixedNumber: 7,
  fixedPick: 7,
  fixedConfirm: 7,
  activation: 8,
  done: null,
};

/** "Step 5 of 8": the portal's step a card belongs to. */
export function portalStepOf(step: FlowStep): number | null {
  return portalStep[step];
}

type Needs = Pick<CatalogServiceType, 'hasSim' | 'hasMobileNumber' | 'hasFixedNumber'>;

/** Steps 5 to 8 in order, each entered through its first card. */
const phases = ['number', 'sim', 'fixedNumber', 'activation'] as const;
type Phase = (typeof phases)[number];

function applies(phase: Phase, needs: Needs): boolean {
  return phase === 'activation' || stepsOf(needs)[phase];
}

function firstPhaseAfter(phase: Phase | 'confirm', needs: Needs): Phase {
  const from = phase === 'confirm' ? 0 : phases.indexOf(phase) + 1;
  return phases.slice(from).find((candidate) => applies(candidate, needs)) ?? 'activation';
}

/** The card a phase ends on, which Back from the next phase returns to. */
function lastCardOf(phase: Phase, draft: ServiceDraft): FlowStep {
  if (phase === 'number') {
    if (draft.numberOption === NumberOption.PORT) return 'porting';
    if (draft.numberOption === NumberOption.MOVE) return 'moveConfirm';
    return 'number';
  }
  if (phase === 'fixedNumber') return draft.fixedOption === FixedOption.IN_USE ? 'fixedConfirm' : 'fixedPick';
  return phase;
}

/** The card after `step` once its value is in the draft. */
export function nextStep(step: FlowStep, needs: Needs, draft: ServiceDraft): FlowStep {
  switch (step) {
    case 'user':
      return 'product';
    case 'product':
      return 'serviceType';
    case 'serviceType':
      return 'bundle';
    case 'bundle':
      return 'confirm';
    case 'confirm':
      return firstPhaseAfter('confirm', needs);
    case 'number':
      if (draft.numberOption === NumberOption.PORT) return 'porting';
      if (draft.numberOption === NumberOption.MOVE) return 'move';
      return firstPhaseAfter('number', needs);
    case 'move':
      return 'moveConfirm';
    case 'porting':
    case 'moveConfirm':
      return firstPhaseAfter('number', needs);
    case 'sim':
      return firstPhaseAfter('sim', needs);
    case 'fixedNumber':
      return 'fixedPick';
    case 'fixedPick':
      return draft.fixedOption === FixedOption.IN_USE ? 'fixedConfirm' : 'activation';
    case 'fixedConfirm':
      return 'activation';
    case 'activation':
    case 'done':
      return 'done';
  }
}

/** The card Back returns to from `step`: the one that led here, with its value still chosen. */
export function previousStep(step: FlowStep, needs: Needs, draft: ServiceDraft): FlowStep {
  switch (step) {
    case 'user':
    case 'product':
      return 'user';
    case 'serviceType':
      return 'product';
    case 'bundle':
      return 'serviceType';
    case 'confirm':
      return 'bundle';
    case 'porting':
    case 'move':
      return 'number';
    case 'moveConfirm':
      return 'move';
    case 'fixedPick':
      return 'fixedNumber';
    case 'fixedConfirm':
      return 'fixedPick';
    case 'number':
    case 'sim':
    case 'fixedNumber':
    case 'activation': {
      const before = phases.slice(0, phases.indexOf(step)).filter((phase) => applies(phase, needs));
      const last = before.at(-1);
      return last ? lastCardOf(last, draft) : 'confirm';
    }
    case 'done':
      return 'activation';
  }
}
