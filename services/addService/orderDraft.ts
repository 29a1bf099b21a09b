import { z } from 'zod';
import { ActivationMethod, ActivationTiming, NumberOption } from '../../prisma/generated/enums';
import type { CatalogServiceType } from '../catalog/catalog';
import { portingDetailsSchema, type PrecheckWarning } from '../numbers/portingDetails';

/**
 * An administrator's order for a new service (the portal's "Add Service") as the flow fills it in: the inputs of
 * each step as zod schemas, the draft, and the rules of which steps a service type has. Messages are string keys
 * (cards/strings/<language>/addService.json): the dialog shows them in the administrator's language.
 */

const code = z.string().trim().min(1).max(40);
const choice = (message: string) => z.string({ error: message }).trim().min(1, { error: message }).max(60);

/** A physical SIM card whose number the user or the administrator enters, or an eSIM taken from stock at save. */
export const SimOption = { USER_ENTERS: 'USER_ENTERS', ADMIN_ENTERS: 'ADMIN_ENTERS', ESIM: 'ESIM' } as const;
export type SimOption = (typeof SimOption)[keyof typeof SimOption];
export const FixedOption = { FREE: 'FREE', IN_USE: 'IN_USE' } as const;
export type FixedOption = (typeof FixedOption)[keyof typeof FixedOption];

/** One schema per step's card inputs; an empty or missing choice gets the step's own sentence. */
export const stepInputSchemas = {
  product: z.object({ productTypeCode: choice('addService.error.chooseProduct') }),
  serviceType: z.object({ serviceTypeCode: choice('addService.error.chooseServiceType') }),
  bundle: z.object({
    bundleCode: choice('addService.error.chooseBundle'),
    // A multi-select ChoiceSet submits its values comma-separated.
    optionCodes: z.string().max(400).default('').transform((text) => text.split(',').map((item) => item.trim()).filter(Boolean)),
  }),
  number: z.object({ numberOption: z.enum(NumberOption, { error: 'addService.error.chooseNumberOption' }) }),
  move: z.object({ fromServiceId: z.uuid({ error: 'addService.error.chooseMove' }) }),
  sim: z.object({
    simOption: z.enum(SimOption, { error: 'addService.error.chooseSimOption' }),
    iccid: z.string().trim().max(60).default(''),
  }),
  fixedNumber: z.object({ fixedOption: z.enum(FixedOption, { error: 'addService.error.chooseFixedOption' }) }),
  fixedPick: z.object({ fixedNumberId: z.uuid({ error: 'addService.error.chooseFixedNumber' }) }),
  activation: z.object({
    activationMethod: z.enum(ActivationMethod, { error: 'addService.error.chooseMethod' }),
    activationTiming: z.enum(ActivationTiming, { error: 'addService.error.chooseTiming' }),
  }),
} as const;

/** The order as the flow keeps it: each value optional until its step is done. */
export const serviceDraftSchema = z.object({
  userId: z.uuid().optional(),
  productTypeCode: code.optional(),
  serviceTypeCode: code.optional(),
  bundleCode: code.optional(),
  optionCodes: z.array(code).max(20).default([]),
  numberOption: z.enum(NumberOption).optional(),
  /** A new number reserved at step 5 (released on cancel). */
  reservedNumberId: z.uuid().optional(),
  porting: portingDetailsSchema.optional(),
  moveFromServiceId: z.uuid().optional(),
  simOption: z.enum(SimOption).optional(),
  iccid: z.string().max(60).optional(),
  fixedOption: z.enum(FixedOption).optional(),
  fixedNumberId: z.uuid().optional(),
  /** The administrator confirmed taking a fixed number from its current user. */
  takeOverConfirmed: z.boolean().optional(),
  activationMethod: z.enum(ActivationMethod).optional(),
  activationTiming: z.enum(ActivationTiming).optional(),
});
export type ServiceDraft = z.output<typeof serviceDraftSchema>;

/** The steps an order problem can send the administrator back to. */
export type OrderStep = 'product' | 'serviceType' | 'bundle' | 'number' | 'porting' | 'move' | 'sim' | 'fixedNumber' | 'activation';

export interface OrderProblem {
  step: OrderStep;
  /** A string key; `vars` fill its placeholders. */
  message: string;
  vars?: Record<string, string>;
  portingWarnings?: PrecheckWarning[];
}

/** Which steps a service type has: a UC user has neither number nor SIM; only fixed/mobile integration has a fixed number. */
export function stepsOf(type: Pick<CatalogServiceType, 'hasSim' | 'hasMobileNumber' | 'hasFixedNumber'>) {
  return { number: type.hasMobileNumber, sim: type.hasSim, fixedNumber: type.hasFixedNumber };
}

/**
 * Automatic activation needs the SIM card number now (an eSIM's is known from the start); a service without SIM card
 * has nothing to wait for.
 */
export function automaticActivationAllowed(type: Pick<CatalogServiceType, 'hasSim'>, draft: Pick<ServiceDraft, 'simOption'>): boolean {
  return !type.hasSim || draft.simOption === SimOption.ADMIN_ENTERS || draft.simOption === SimOption.ESIM;
}
