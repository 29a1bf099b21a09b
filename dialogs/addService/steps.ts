import type { z } from 'zod';
import type { AdaptiveCard } from '../../cards/render';
import { t, textOfKey, type Language, type StringKey } from '../../cards/strings';
import { NumberKind, NumberOption } from '../../prisma/generated/enums';
import { findProduct, findServiceType, type CatalogProduct, type CatalogServiceType } from '../../services/catalog/catalog';
import type { Db } from '../../services/platform/db/database';
import { releaseNumber, reserveNumber } from '../../services/numbers/numberPool';
import { precheckPortingFor } from '../../services/numbers/portingDetails';
import type { Actor } from '../../services/people/people';
import { fixedNumberChoices, fixedNumberFor, movableNumberFor, movableNumbers } from '../../services/addService/numberChoices';
import { refuseOrder } from '../../services/addService/orderAccess';
import { automaticActivationAllowed, FixedOption, SimOption, stepInputSchemas, stepsOf, type ServiceDraft } from '../../services/addService/orderDraft';
import { checkSimForService, esimsLeftFor } from '../../services/addService/simCheck';
import { serviceSummary } from '../../services/addService/summaryCard';
import { portingFormSchema, portingInputOf, type PortingProblem } from '../portingFields';
import type { FlowCardData } from './flow';
import { flowKey, flowSteps, RESUMABLE_MS, type FlowState, type FlowStep } from './state';
import * as views from './views';
import type { CardErrors, FlowView } from './views';

/**
 * The add-service flow's steps as one table: for each step, its card and what that card shows (read through the
 * domain before drawing), how its inputs are parsed and checked, what they record in the draft, and which card
 * comes next and which one Back returns to. The flow (flow.ts), the cards (views.ts) and the machine (machine.ts)
 * are driven from it.
 */

/** What a service type needs: a UC user has no number and no SIM step; only fixed/mobile integration has a fixed number. */
export type Needs = Pick<CatalogServiceType, 'hasSim' | 'hasMobileNumber' | 'hasFixedNumber'>;

/** Where the flow stands when it moves on or back. */
export interface Route {
  step: FlowStep;
  needs: Needs;
  draft: ServiceDraft;
}

/** What a step's card is read with. */
export interface StepReading {
  db: Db;
  actor: Actor;
  now: Date;
  flow: FlowState;
  /** The chosen service type, once there is one. */
  type: CatalogServiceType | undefined;
}

/** What a step's inputs are taken with: the card's data, and the flow whose draft they go into. */
export interface StepTaking {
  db: Db;
  actor: Actor;
  language: Language;
  /** The turn's clock, when it has one (tests); the services take their own otherwise. */
  now: Date | undefined;
  flow: FlowState;
  data: FlowCardData;
  catalog: CatalogProduct[];
  /** The service type the draft had before this step's inputs. */
  type: CatalogServiceType | undefined;
}

export type StepResult = { ok: true } | { ok: false; errors: CardErrors; portingProblems?: PortingProblem[] };

interface StepDeclaration<Shown, Input> {
  /** The portal's step ("Step 5 of 8"); null for the cards before and after them. */
  portal: number | null;
  title: StringKey;
  /** The first card of one of the portal's steps 5 to 8: whether a service type has that step, and the card it ends on. */
  phase?: { applies: (needs: Needs) => boolean; endsOn: (draft: ServiceDraft) => FlowStep };
  /** The draft's choice a request in words ("a data SIM, 20 GB") can settle, skipping this card. */
  settles?: 'productTypeCode' | 'serviceTypeCode' | 'bundleCode';
  /** Whether the card notes the new number reserved for the flow. */
  notesReservedNumber?: (draft: ServiceDraft) => boolean;
  /** What the card shows beyond the flow and the contract. */
  read?: (reading: StepReading) => Promise<Shown>;
  card: (view: FlowView, shown: Shown) => AdaptiveCard;
  /** What the card keeps as typed, even when its inputs are refused. */
  keepTyped?: (taking: StepTaking) => void;
  /** The card's inputs: their schema, and the fields its messages go next to (the first for any other). */
  input?: { schema: z.ZodType<Input>; fields: [string, ...string[]] };
  /** Checks the parsed inputs against the domain and records them in the draft. */
  take?: (taking: StepTaking, input: Input) => Promise<StepResult>;
  /** Its inputs come with Save, not Next. */
  takenOnSave?: boolean;
  /** The field a problem Save found with this step is shown next to, or which one, by the problem's message. */
  problemField?: string | ((message: string) => string);
  next: (route: Route) => FlowStep;
  back: (route: Route) => FlowStep;
}

export interface Step extends Pick<StepDeclaration<unknown, unknown>, 'portal' | 'title' | 'phase' | 'settles' | 'notesReservedNumber' | 'takenOnSave' | 'problemField' | 'next' | 'back'> {
  /** Reads what the card shows, then draws it. */
  draw(reading: StepReading, view: FlowView): Promise<AdaptiveCard>;
  /** Parses, checks and records the card's inputs, or says what is wrong next to the field. */
  take(taking: StepTaking): Promise<StepResult>;
}

/** One step's declaration as the table keeps it; the field a Save problem goes next to stays known by step. */
function step<Shown = undefined, Input = undefined, Field extends StepDeclaration<Shown, Input>['problemField'] = undefined>(
  declaration: StepDeclaration<Shown, Input> & { problemField?: Field },
): Step & { problemField: Field } {
  const { read, card, keepTyped, input, take, ...rest } = declaration;
  return {
    ...rest,
    problemField: rest.problemField as Field,
    draw: async (reading, view) => card(view, read ? await read(reading) : (undefined as Shown)),
    take: async (taking) => {
      keepTyped?.(taking);
      if (!input) return take ? take(taking, undefined as Input) : ok;
      const parsed = input.schema.safeParse(taking.data);
      if (!parsed.success) return invalid(taking.language, parsed.error, ...input.fields);
      return take ? take(taking, parsed.data) : ok;
    },
  };
}

const ok: StepResult = { ok: true };

export const steps = {
  user: step({
    portal: null,
    title: 'addService.user.title',
    card: views.userCard,
    next: () => 'product',
    back: () => 'user',
  }),
  product: step({
    portal: 1,
    title: 'addService.product.title',
    settles: 'productTypeCode',
    card: views.productCard,
    input: { schema: stepInputSchemas.product, fields: ['productTypeCode'] },
    take: async ({ db, actor, flow: { draft }, catalog }, { productTypeCode }) => {
      if (!findProduct(catalog, productTypeCode)) return refuseOrder(db, actor, 'product type outside the contract', { type: 'ProductType', id: productTypeCode });
      if (draft.productTypeCode !== productTypeCode) {
        draft.productTypeCode = productTypeCode;
        forgetFrom(draft, catalog, 'serviceType');
      }
      return ok;
    },
    problemField: 'productTypeCode',
    next: () => 'serviceType',
    back: () => 'user',
  }),
  serviceType: step({
    portal: 2,
    title: 'addService.serviceType.title',
    settles: 'serviceTypeCode',
    card: views.serviceTypeCard,
    input: { schema: stepInputSchemas.serviceType, fields: ['serviceTypeCode'] },
    take: async ({ db, actor, flow: { draft }, catalog }, { serviceTypeCode }) => {
      if (!findServiceType(catalog, serviceTypeCode, draft.productTypeCode)) {
        return refuseOrder(db, actor, 'service type outside the contract', { type: 'ServiceType', id: serviceTypeCode });
      }
      if (draft.serviceTypeCode !== serviceTypeCode) {
        draft.serviceTypeCode = serviceTypeCode;
        forgetFrom(draft, catalog, 'bundle');
      }
      return ok;
    },
    problemField: 'serviceTypeCode',
    next: () => 'bundle',
    back: () => 'product',
  }),
  bundle: step({
    portal: 3,
    title: 'addService.bundle.title',
    settles: 'bundleCode',
    card: views.bundleCard,
    input: { schema: stepInputSchemas.bundle, fields: ['bundleCode'] },
    take: async ({ db, actor, flow: { draft }, type }, { bundleCode, optionCodes }) => {
      const offered = type && type.bundles.some((bundle) => bundle.code === bundleCode)
        && optionCodes.every((option) => type.options.some((candidate) => candidate.code === option));
      if (!offered) return refuseOrder(db, actor, 'bundle or option outside the contract', { type: 'Bundle', id: bundleCode });
      draft.bundleCode = bundleCode;
      draft.optionCodes = optionCodes;
      return ok;
    },
    problemField: 'bundleCode',
    next: () => 'confirm',
    back: () => 'serviceType',
  }),
  confirm: step({
    portal: 4,
    title: 'addService.confirm.title',
    card: views.confirmCard,
    next: onward,
    back: () => 'bundle',
  }),
  number: step({
    portal: 5,
    title: 'addService.number.title',
    phase: {
      applies: (needs) => stepsOf(needs).number,
      endsOn: (draft) => (draft.numberOption === NumberOption.PORT ? 'porting' : draft.numberOption === NumberOption.MOVE ? 'moveConfirm' : 'number'),
    },
    card: views.numberCard,
    input: { schema: stepInputSchemas.number, fields: ['numberOption'] },
    // A new number is reserved as soon as it is chosen, so the cards can name it; choosing otherwise gives it back.
    take: async ({ db, actor, language, now, flow }, { numberOption }) => {
      flow.draft.numberOption = numberOption;
      if (numberOption !== NumberOption.NEW) {
        await releaseReservation(db, actor, flow);
        return ok;
      }
      if (!(await holdNewNumber(db, actor, flow, now ?? new Date()))) return fieldError(language, 'numberOption', 'addService.error.noFreeNumber');
      return ok;
    },
    problemField: 'numberOption',
    next: (route) => (route.draft.numberOption === NumberOption.PORT ? 'porting' : route.draft.numberOption === NumberOption.MOVE ? 'move' : onward(route)),
    back: behind,
  }),
  porting: step({
    portal: 5,
    title: 'addService.porting.title',
    card: views.portingCard,
    // The form as typed is kept even when refused; the current operator's rules are checked before going on.
    take: async ({ db, actor, now, flow, data }) => {
      const values = portingFormSchema.parse(data);
      flow.porting = values;
      const form = portingInputOf(values);
      if (!form.ok) return { ok: false, errors: {}, portingProblems: form.problems };
      const checked = await precheckPortingFor(db, actor, form.input, now ?? new Date());
      if (!checked.ok) return { ok: false, errors: {}, portingProblems: checked.warnings };
      flow.draft.porting = form.input;
      return ok;
    },
    problemField: 'number',
    next: onward,
    back: () => 'number',
  }),
  move: step({
    portal: 5,
    title: 'addService.move.title',
    read: ({ db, actor }) => movableNumbers(db, actor),
    card: views.moveCard,
    input: { schema: stepInputSchemas.move, fields: ['fromServiceId'] },
    take: async ({ db, actor, language, flow: { draft } }, { fromServiceId }) => {
      if (!(await movableNumberFor(db, actor, fromServiceId))) return fieldError(language, 'fromServiceId', 'addService.error.moveUnavailable');
      draft.moveFromServiceId = fromServiceId;
      return ok;
    },
    problemField: 'fromServiceId',
    next: () => 'moveConfirm',
    back: () => 'number',
  }),
  moveConfirm: step({
    portal: 5,
    title: 'addService.moveConfirm.title',
    read: async ({ db, actor, flow }) => (await movableNumbers(db, actor)).find((m) => m.serviceId === flow.draft.moveFromServiceId),
    card: views.moveConfirmCard,
    next: onward,
    back: () => 'move',
  }),
  sim: step({
    portal: 6,
    title: 'addService.sim.title',
    phase: { applies: (needs) => stepsOf(needs).sim, endsOn: () => 'sim' },
    // The step right after the number's: the new number just reserved, while it is still the choice.
    notesReservedNumber: (draft) => draft.numberOption === NumberOption.NEW,
    // The eSIMs left in stock, so that the choice says how many there are before it is made.
    read: ({ db, actor }) => esimsLeftFor(db, actor),
    card: views.simCard,
    keepTyped: ({ flow: { draft }, data }) => {
      draft.iccid = typeof data.iccid === 'string' ? data.iccid.slice(0, 60) : draft.iccid;
    },
    input: { schema: stepInputSchemas.sim, fields: ['simOption'] },
    take: async ({ db, actor, language, flow: { draft } }, { simOption, iccid }) => {
      draft.simOption = simOption;
      if (simOption === SimOption.ADMIN_ENTERS) {
        const sim = await checkSimForService(db, actor, iccid);
        if (!sim.ok) return fieldError(language, 'iccid', sim.message, sim.vars);
      }
      if (simOption === SimOption.ESIM && (await esimsLeftFor(db, actor)) === 0) return fieldError(language, 'simOption', 'addService.error.noEsimInStock');
      return ok;
    },
    // The stock ran out since step 6 (another order took the last eSIM): said next to the choice, not the number.
    problemField: (message) => (message === 'addService.error.noEsimInStock' ? 'simOption' : 'iccid'),
    next: onward,
    back: behind,
  }),
  fixedNumber: step({
    portal: 7,
    title: 'addService.fixedNumber.title',
    phase: { applies: (needs) => stepsOf(needs).fixedNumber, endsOn: (draft) => (draft.fixedOption === FixedOption.IN_USE ? 'fixedConfirm' : 'fixedPick') },
    card: views.fixedNumberCard,
    input: { schema: stepInputSchemas.fixedNumber, fields: ['fixedOption'] },
    take: async ({ flow: { draft } }, { fixedOption }) => {
      if (draft.fixedOption !== fixedOption) {
        draft.fixedOption = fixedOption;
        delete draft.fixedNumberId;
        draft.takeOverConfirmed = false;
      }
      return ok;
    },
    problemField: 'fixedOption',
    next: () => 'fixedPick',
    back: behind,
  }),
  fixedPick: step({
    portal: 7,
    title: 'addService.fixedPick.title',
    read: ({ db, actor, now }) => fixedNumberChoices(db, actor, now),
    card: views.fixedPickCard,
    input: { schema: stepInputSchemas.fixedPick, fields: ['fixedNumberId'] },
    take: async ({ db, actor, language, now, flow: { draft } }, { fixedNumberId }) => {
      const number = await fixedNumberFor(db, actor, draft.fixedOption ?? FixedOption.FREE, fixedNumberId, now);
      if (!number) return fieldError(language, 'fixedNumberId', 'addService.error.fixedNumberGone');
      if (draft.fixedNumberId !== number.id) draft.takeOverConfirmed = false;
      draft.fixedNumberId = number.id;
      return ok;
    },
    next: (route) => (route.draft.fixedOption === FixedOption.IN_USE ? 'fixedConfirm' : onward(route)),
    back: () => 'fixedNumber',
  }),
  fixedConfirm: step({
    portal: 7,
    title: 'addService.fixedConfirm.title',
    read: async ({ db, actor, now, flow }) => (await fixedNumberChoices(db, actor, now)).inUse.find((n) => n.id === flow.draft.fixedNumberId),
    card: views.fixedConfirmCard,
    take: async ({ flow: { draft } }) => {
      draft.takeOverConfirmed = true;
      return ok;
    },
    next: onward,
    back: () => 'fixedPick',
  }),
  activation: step({
    portal: 8,
    title: 'addService.activation.title',
    phase: { applies: () => true, endsOn: () => 'activation' },
    read: async ({ flow, type }) => (type ? automaticActivationAllowed(type, flow.draft) : false),
    card: views.activationCard,
    takenOnSave: true,
    input: { schema: stepInputSchemas.activation, fields: ['activationMethod', 'activationTiming'] },
    take: async ({ language, flow: { draft }, type }, { activationMethod, activationTiming }) => {
      draft.activationMethod = activationMethod;
      draft.activationTiming = activationTiming;
      if (activationMethod === 'AUTOMATIC' && (!type || !automaticActivationAllowed(type, draft))) {
        return fieldError(language, 'activationMethod', 'addService.error.automaticNeedsSim');
      }
      return ok;
    },
    problemField: 'activationMethod',
    next: () => 'done',
    back: behind,
  }),
  done: step({
    portal: null,
    title: 'addService.summary.title',
    read: async ({ db, actor, flow }) => (flow.savedServiceId ? serviceSummary(db, actor, flow.savedServiceId) : null),
    card: views.doneCard,
    next: () => 'done',
    back: () => 'activation',
  }),
} satisfies Record<FlowStep, Step>;

/** The first card of the next of the portal's steps 5 to 8 that the service type has. */
function onward({ step: from, needs }: Route): FlowStep {
  return flowSteps.slice(flowSteps.indexOf(from) + 1).find((candidate) => steps[candidate].phase?.applies(needs)) ?? 'activation';
}

/** Back from the first card of one of the portal's steps 5 to 8: where the step before it ended, or the confirmation. */
function behind({ step: from, needs, draft }: Route): FlowStep {
  const before = flowSteps.slice(0, flowSteps.indexOf(from)).flatMap((candidate) => {
    const phase = steps[candidate].phase;
    return phase?.applies(needs) ? [phase] : [];
  });
  return before.at(-1)?.endsOn(draft) ?? 'confirm';
}

/**
 * Holds a new mobile number for the flow until its resume window ends: the one it holds (renewed), else a free one.
 * Concurrent presses of the same flow, in any process, hold the same number. False when the pool has none left.
 */
export async function holdNewNumber(db: Db, actor: Actor, flow: FlowState, now: Date): Promise<boolean> {
  const reserved = await reserveNumber(db, actor, { kind: NumberKind.MOBILE, ttlMs: RESUMABLE_MS, now, heldFor: flowKey(flow) });
  if (reserved.ok) flow.draft.reservedNumberId = reserved.number.id;
  else delete flow.draft.reservedNumberId;
  return reserved.ok;
}

/** Gives back the new number held for the flow, if any, even one a lost write of a concurrent press never noted. */
export async function releaseReservation(db: Db, actor: Actor, flow: FlowState): Promise<boolean> {
  delete flow.draft.reservedNumberId;
  return releaseNumber(db, actor, { heldFor: flowKey(flow) });
}

/** Values downstream of a changed choice that no longer belong to it. */
function forgetFrom(draft: ServiceDraft, catalog: CatalogProduct[], from: 'serviceType' | 'bundle'): void {
  if (from === 'serviceType' && !findServiceType(catalog, draft.serviceTypeCode, draft.productTypeCode)) delete draft.serviceTypeCode;
  const type = findServiceType(catalog, draft.serviceTypeCode, draft.productTypeCode);
  if (!type?.bundles.some((bundle) => bundle.code === draft.bundleCode)) delete draft.bundleCode;
  draft.optionCodes = draft.optionCodes.filter((option) => type?.options.some((candidate) => candidate.code === option));
}

function fieldError(language: Language, field: string, key: string, vars?: Record<string, string>): StepResult {
  return { ok: false, errors: { [field]: textOfKey(language, key, vars) } };
}

/** The step schema's messages are string keys; each goes next to the field it names. */
function invalid(language: Language, error: z.ZodError, ...fields: string[]): StepResult {
  const errors: CardErrors = {};
  for (const issue of error.issues) {
    const field = typeof issue.path[0] === 'string' && fields.includes(issue.path[0]) ? issue.path[0] : fields[0]!;
    errors[field] ??= issue.message.startsWith('addService.') ? textOfKey(language, issue.message) : t(language, 'addService.error.invalid');
  }
  return { ok: false, errors };
}
