import { z } from 'zod';
import { NumberOption } from '../../prisma/generated/enums';
import { portingFormSchema } from '../portingFields';
import { serviceDraftSchema, SimOption } from '../../services/addService/orderDraft';

/**
 * The add-service flow's steps. The portal's eight steps, some in two or three cards: step 5 asks how the number is
 * chosen, then the porting details or the service to move it from; step 7 asks free or in use, then which number,
 * then (for a number in use) the confirmation. `user` comes first and is no step of the portal's.
 */
export const flowSteps = [
  'user',
  'product',
  'serviceType',
  'bundle',
  'confirm',
  'number',
  'porting',
  'move',
  'moveConfirm',
  'sim',
  'fixedNumber',
  'fixedPick',
  'fixedConfirm',
  'activation',
  'done',
] as const;
export type FlowStep = (typeof flowSteps)[number];

const catalogHintSchema = z.object({
  productTypeCode: z.string().max(40).optional(),
  dataOnly: z.boolean().optional(),
  fixedOnly: z.boolean().optional(),
  converged: z.boolean().optional(),
  dataGb: z.number().int().min(0).max(10_000).optional(),
  bundleCode: z.string().max(40).optional(),
  optionNames: z.array(z.string().max(100)).max(20).optional(),
  numberOption: z.enum(NumberOption).optional(),
  /** "with an eSIM": the SIM card choice preselected at step 6. */
  simOption: z.enum(SimOption).optional(),
});

/** What the conversation keeps of an unfinished flow (ConversationState.addService), checked when read back. */
export const flowStateSchema = z.object({
  flowId: z.uuid(),
  step: z.enum(flowSteps),
  updatedAt: z.iso.datetime(),
  draft: serviceDraftSchema,
  /** What a request in words named of the catalog, applied as the flow reaches those steps. */
  hint: catalogHintSchema.optional(),
  /** The porting form as typed, kept even when the pre-check refused it. */
  porting: portingFormSchema.optional(),
  /** The last search, shown again when going back to the first card. */
  search: z.string().max(200).optional(),
  /** The message that shows the flow's card, to update in place where the channel needs the id (web chat). */
  cardActivityId: z.string().max(500).optional(),
  /** Set once saved: a second Save (double click, retry) shows this service again. */
  savedServiceId: z.uuid().optional(),
});
export type FlowState = z.output<typeof flowStateSchema>;

/**
 * An abandoned flow can be continued for a day after its last press; after that it is forgotten. The new number
 * reserved for it lives exactly as long (renewed at every press, see AddServiceFlow), not the pool's default hour:
 * the card names that number and a flow continued the next morning must still find it, while a number held for a
 * flow nobody can continue any more (forgotten, or its process killed) is free again for anyone at the same moment.
 */
export const RESUMABLE_MS = 24 * 60 * 60 * 1000;

/** The flow's own key: its Save's idempotency key and what its reserved number is held for (one per flow). */
export function flowKey(flow: Pick<FlowState, 'flowId'>): string {
  return `addService:${flow.flowId}`;
}

/** The stored flow if it is still usable at `now`; anything unreadable or too old counts as no flow. */
export function readFlowState(stored: unknown, now: Date): FlowState | undefined {
  const parsed = flowStateSchema.safeParse(stored);
  if (!parsed.success) return undefined;
  return now.getTime() - Date.parse(parsed.data.updatedAt) <= RESUMABLE_MS ? parsed.data : undefined;
}
