import crypto from 'node:crypto';
import { z } from 'zod';
import { portingFormSchema, portingInputOf, type PortingProblem } from '../../cards/portingFields';
import type { AdaptiveCard } from '../../cards/render';
import { t, type Language } from '../../cards/strings';
import { NumberKind, NumberOption } from '../../prisma/generated/enums';
import { catalogHintOf, contractCatalog, findProduct, findServiceType, settledByHint, type CatalogProduct } from '../../services/catalog/catalog';
import type { Db } from '../../services/platform/db/database';
import { releaseNumber, reserveNumber } from '../../services/numbers/numberPool';
import { AccessDenied, type Actor } from '../../services/people/people';
import { precheckPortingFor } from '../../services/numbers/porting';
import {
  auditRefusal,
  automaticActivationAllowed,
  checkSimForService,
  fixedNumberFor,
  FixedOption,
  movableNumberFor,
  OrderRefused,
  refuseOrder,
  saveService,
  SimOption,
  stepInputSchemas,
  userForService,
  type OrderProblem,
  type ServiceDraft,
} from '../../services/addService/addService';
import { findPeople, searchQuerySchema } from '../../services/people/userSearch';
import { nextStep, previousStep } from './machine';
import { readFlowState, RESUMABLE_MS, type FlowState, type FlowStep } from './state';
import { flowCard, noticeCard, resumeCard, summaryCard, type CardErrors, type FlowView } from './views';

/** Who acts, in which language, with the flow as the conversation stored it. */
export interface FlowTurn {
  actor: Actor;
  language: Language;
  stored: unknown;
  now?: Date;
}

export interface FlowOutcome {
  /** What the conversation keeps: undefined forgets the flow. */
  state: FlowState | undefined;
  card: AdaptiveCard;
  /** Set when this turn saved the service (or showed it again after a second Save). */
  savedServiceId?: string;
}

/** What a request in words names: the person ("Jan", an address) and the product ("a data SIM, 20 GB"). */
export interface FlowRequest {
  person?: string;
  catalogText?: string;
}

/** The fields every flow card's actions carry. The step inputs come with them and are checked per step. */
export const flowCardSchema = z.looseObject({
  flowId: z.string().max(60).optional(),
  step: z.string().max(40).optional(),
});
export type FlowCardData = z.infer<typeof flowCardSchema>;

type StepResult = { ok: true } | { ok: false; errors: CardErrors; portingProblems?: PortingProblem[] };

/**
 * The "Add Service" conversation: eight steps of Adaptive Cards over the services in services/. Every method takes
 * the stored flow and the card's data and answers with the next card and the flow to keep; nothing is written
 * until Save, except the reservation of a new number (released on Cancel).
 */
export class AddServiceFlow {
  constructor(private readonly db: Db) {}

  /** "Add a service": a fresh flow, or the offer to continue the unfinished one. */
  start(turn: FlowTurn, request: FlowRequest = {}): Promise<FlowOutcome> {
    return this.guard(turn, async (now) => {
      const unfinished = readFlowState(turn.stored, now);
      if (unfinished && unfinished.step !== 'done') return { state: unfinished, card: await resumeCard(await this.view(turn, unfinished)) };
      const catalog = await contractCatalog(this.db, turn.actor);
      const flow: FlowState = { flowId: crypto.randomUUID(), step: 'user', updatedAt: now.toISOString(), draft: { optionCodes: [] } };
      if (request.catalogText) {
        const hint = catalogHintOf(catalog, request.catalogText);
        if (Object.keys(hint).length > 0) flow.hint = hint;
      }
      if (!request.person) return this.show(turn, flow);
      return this.searchFor(turn, flow, request.person);
    });
  }

  search(turn: FlowTurn, data: FlowCardData): Promise<FlowOutcome> {
    return this.onCard(turn, data, async (flow) => this.searchFor(turn, flow, typeof data.query === 'string' ? data.query : ''));
  }

  pickUser(turn: FlowTurn, data: FlowCardData): Promise<FlowOutcome> {
    return this.onCard(turn, data, async (flow) => {
      const person = await userForService(this.db, turn.actor, z.string().max(60).catch('').parse(data.personId));
      flow.draft.userId = person.id;
      return this.advance(turn, flow);
    });
  }

  next(turn: FlowTurn, data: FlowCardData): Promise<FlowOutcome> {
    return this.onCard(turn, data, async (flow) => {
      const result = await this.take(turn, flow, data);
      if (!result.ok) return this.show(turn, flow, result.errors, result.portingProblems);
      return this.advance(turn, flow);
    });
  }

  back(turn: FlowTurn, data: FlowCardData): Promise<FlowOutcome> {
    return this.onCard(turn, data, async (flow, catalog) => {
      const type = findServiceType(catalog, flow.draft.serviceTypeCode, flow.draft.productTypeCode);
      // Without a service type yet, the first steps only go back one by one.
      flow.step = previousStep(flow.step, type ?? { hasSim: false, hasMobileNumber: false, hasFixedNumber: false }, flow.draft);
      delete flow.hint;
      return this.show(turn, flow);
    });
  }

  /** Nothing was created; a number reserved for this flow goes back to the pool. */
  cancel(turn: FlowTurn, data: FlowCardData): Promise<FlowOutcome> {
    return this.guard(turn, async (now) => {
      const flow = readFlowState(turn.stored, now);
      if (!flow || flow.flowId !== data.flowId || flow.step === 'done') return this.stale(turn, data);
      const released = await this.releaseReservation(turn, flow);
      const text = t(turn.language, released ? 'addService.cancelled.numberReleased' : 'addService.cancelled.text');
      return { state: undefined, card: noticeCard(turn.language, t(turn.language, 'addService.cancelled.title'), text, true) };
    });
  }

  /** Step 8's Save: the service is created once per flow, whatever the number of clicks. */
  save(turn: FlowTurn, data: FlowCardData): Promise<FlowOutcome> {
    return this.onCard(turn, data, async (flow, catalog) => {
      if (flow.step === 'done' && flow.savedServiceId) return this.summary(turn, flow, flow.savedServiceId);
      const result = await this.takeActivation(turn, flow, data, catalog);
      if (!result.ok) return this.show(turn, flow, result.errors);
      const saved = await saveService(this.db, turn.actor, flow.draft, `addService:${flow.flowId}`, turn.now ?? new Date());
      if (!saved.ok) return this.backTo(turn, flow, saved.problem);
      flow.step = 'done';
      flow.savedServiceId = saved.service.id;
      delete flow.draft.reservedNumberId;
      return this.summary(turn, flow, saved.service.id);
    }, ['activation', 'done']);
  }

  /** "Continue": the unfinished flow's card, where it stopped. */
  resume(turn: FlowTurn): Promise<FlowOutcome> {
    return this.guard(turn, async (now) => {
      const flow = readFlowState(turn.stored, now);
      if (!flow || flow.step === 'done') {
        return { state: flow, card: noticeCard(turn.language, t(turn.language, 'addService.title'), t(turn.language, 'addService.resume.nothing'), true) };
      }
      return this.show(turn, flow);
    });
  }

  /** "Start over": the unfinished flow is dropped (its reserved number released) and a new one begins. */
  restart(turn: FlowTurn): Promise<FlowOutcome> {
    return this.guard(turn, async (now) => {
      const flow = readFlowState(turn.stored, now);
      if (flow) await this.releaseReservation(turn, flow);
      return this.start({ ...turn, stored: undefined });
    });
  }

  // -------------------------------------------------------------------------------------------------------------

  /** Refusals (a non-administrator, another organisation's ids) end in a plain card; the service has audited them. */
  private async guard(turn: FlowTurn, work: (now: Date) => Promise<FlowOutcome>): Promise<FlowOutcome> {
    try {
      return await work(turn.now ?? new Date());
    } catch (error) {
      if (!(error instanceof AccessDenied)) throw error;
      if (!(error instanceof OrderRefused)) await auditRefusal(this.db, turn.actor, error.reason);
      const key = turn.actor.role === 'ADMINISTRATOR' ? 'addService.refused.notAllowed' : 'addService.refused.notAdministrator';
      return { state: readFlowState(turn.stored, turn.now ?? new Date()), card: noticeCard(turn.language, t(turn.language, 'addService.refused.title'), t(turn.language, key), false) };
    }
  }

  /**
   * A card action on the current flow. A card of another (finished, cancelled, forgotten) flow is refused and
   * audited; a card of an earlier step of this flow (a double click, an old message) shows where the flow is now.
   */
  private onCard(
    turn: FlowTurn,
    data: FlowCardData,
    work: (flow: FlowState, catalog: CatalogProduct[]) => Promise<FlowOutcome>,
    steps?: FlowStep[],
  ): Promise<FlowOutcome> {
    return this.guard(turn, async (now) => {
      const flow = readFlowState(turn.stored, now);
      if (!flow || flow.flowId !== data.flowId) return this.stale(turn, data);
      const catalog = await contractCatalog(this.db, turn.actor);
      const onStep = flow.step === data.step || (flow.step === 'user' && data.step === 'user');
      if (!onStep && !(steps?.includes(flow.step) ?? false)) return this.show(turn, flow);
      const outcome = await work(flow, catalog);
      if (outcome.state) outcome.state.updatedAt = now.toISOString();
      return outcome;
    });
  }

  private async stale(turn: FlowTurn, data: FlowCardData): Promise<FlowOutcome> {
    await auditRefusal(this.db, turn.actor, 'card of a finished or unknown add-service flow', { type: 'AddServiceFlow', id: data.flowId ?? null });
    const card = noticeCard(turn.language, t(turn.language, 'addService.title'), t(turn.language, 'addService.staleCard'), true);
    return { state: readFlowState(turn.stored, turn.now ?? new Date()), card };
  }

  private async searchFor(turn: FlowTurn, flow: FlowState, query: string): Promise<FlowOutcome> {
    flow.search = query.slice(0, 200);
    const parsed = searchQuerySchema.safeParse(query);
    if (!parsed.success) return this.show(turn, flow, { query: t(turn.language, 'addService.error.searchEmpty') });
    const found = await findPeople(this.db, turn.actor, parsed.data, { limit: 5 });
    const [only] = found;
    if (found.length === 1 && only) {
      flow.draft.userId = only.id;
      return this.advance(turn, flow);
    }
    if (found.length === 0) return this.show(turn, flow, { query: t(turn.language, 'addService.search.none', { query: parsed.data }) });
    return this.show(turn, flow, {}, undefined, found);
  }

  /** Forward from the current step, through the steps a request in words already settled. */
  private async advance(turn: FlowTurn, flow: FlowState): Promise<FlowOutcome> {
    const catalog = await contractCatalog(this.db, turn.actor);
    let step = this.following(flow, catalog);
    while (flow.hint && (step === 'product' || step === 'serviceType' || step === 'bundle')) {
      const settled = settledByHint(catalog, flow.hint, flow.draft);
      const value = step === 'product' ? settled.productTypeCode : step === 'serviceType' ? settled.serviceTypeCode : settled.bundleCode;
      if (!value) break;
      if (step === 'product') flow.draft.productTypeCode = value;
      if (step === 'serviceType') flow.draft.serviceTypeCode = value;
      if (step === 'bundle') flow.draft.bundleCode = value;
      flow.step = step;
      step = this.following(flow, catalog);
    }
    if (step === 'confirm') delete flow.hint;
    flow.step = step;
    return this.show(turn, flow);
  }

  private following(flow: FlowState, catalog: CatalogProduct[]): FlowStep {
    const type = findServiceType(catalog, flow.draft.serviceTypeCode, flow.draft.productTypeCode);
    return nextStep(flow.step, type ?? { hasSim: false, hasMobileNumber: false, hasFixedNumber: false }, flow.draft);
  }

  /** Takes the current step's inputs into the draft, or says what is wrong next to the field. */
  private async take(turn: FlowTurn, flow: FlowState, data: FlowCardData): Promise<StepResult> {
    const { db } = this;
    const { actor, language } = turn;
    const draft = flow.draft;
    const catalog = await contractCatalog(db, actor);
    const type = findServiceType(catalog, draft.serviceTypeCode, draft.productTypeCode);
    switch (flow.step) {
      case 'product': {
        const input = stepInputSchemas.product.safeParse(data);
        if (!input.success) return invalid(language, input.error, 'productTypeCode');
        if (!findProduct(catalog, input.data.productTypeCode)) {
          return refuseOrder(db, actor, 'product type outside the contract', { type: 'ProductType', id: input.data.productTypeCode });
        }
        if (draft.productTypeCode !== input.data.productTypeCode) {
          draft.productTypeCode = input.data.productTypeCode;
          forgetFrom(draft, catalog, 'serviceType');
        }
        return { ok: true };
      }
      case 'serviceType': {
        const input = stepInputSchemas.serviceType.safeParse(data);
        if (!input.success) return invalid(language, input.error, 'serviceTypeCode');
        if (!findServiceType(catalog, input.data.serviceTypeCode, draft.productTypeCode)) {
          return refuseOrder(db, actor, 'service type outside the contract', { type: 'ServiceType', id: input.data.serviceTypeCode });
        }
        if (draft.serviceTypeCode !== input.data.serviceTypeCode) {
          draft.serviceTypeCode = input.data.serviceTypeCode;
          forgetFrom(draft, catalog, 'bundle');
        }
        return { ok: true };
      }
      case 'bundle': {
        const input = stepInputSchemas.bundle.safeParse(data);
        if (!input.success) return invalid(language, input.error, 'bundleCode');
        const offered = type && type.bundles.some((bundle) => bundle.code === input.data.bundleCode)
          && input.data.optionCodes.every((option) => type.options.some((candidate) => candidate.code === option));
        if (!offered) return refuseOrder(db, actor, 'bundle or option outside the contract', { type: 'Bundle', id: input.data.bundleCode });
        draft.bundleCode = input.data.bundleCode;
        draft.optionCodes = input.data.optionCodes;
        return { ok: true };
      }
      case 'number':
        return this.takeNumberOption(turn, flow, data);
      case 'porting': {
        const values = portingFormSchema.parse(data);
        flow.porting = values;
        const form = portingInputOf(values);
        if (!form.ok) return { ok: false, errors: {}, portingProblems: form.problems };
        const checked = await precheckPortingFor(db, actor, form.input, turn.now ?? new Date());
        if (!checked.ok) return { ok: false, errors: {}, portingProblems: checked.warnings };
        draft.porting = form.input;
        return { ok: true };
      }
      case 'move': {
        const input = stepInputSchemas.move.safeParse(data);
        if (!input.success) return invalid(language, input.error, 'fromServiceId');
        if (!(await movableNumberFor(db, actor, input.data.fromServiceId))) return fieldError(language, 'fromServiceId', 'addService.error.moveUnavailable');
        draft.moveFromServiceId = input.data.fromServiceId;
        return { ok: true };
      }
      case 'sim': {
        const input = stepInputSchemas.sim.safeParse(data);
        draft.iccid = typeof data.iccid === 'string' ? data.iccid.slice(0, 60) : draft.iccid;
        if (!input.success) return invalid(language, input.error, 'simOption');
        draft.simOption = input.data.simOption;
        if (input.data.simOption === SimOption.ADMIN_ENTERS) {
          const sim = await checkSimForService(db, actor, input.data.iccid);
          if (!sim.ok) return fieldError(language, 'iccid', sim.message, sim.vars);
        }
        return { ok: true };
      }
      case 'fixedNumber': {
        const input = stepInputSchemas.fixedNumber.safeParse(data);
        if (!input.success) return invalid(language, input.error, 'fixedOption');
        if (draft.fixedOption !== input.data.fixedOption) {
          draft.fixedOption = input.data.fixedOption;
          delete draft.fixedNumberId;
          draft.takeOverConfirmed = false;
        }
        return { ok: true };
      }
      case 'fixedPick': {
        const input = stepInputSchemas.fixedPick.safeParse(data);
        if (!input.success) return invalid(language, input.error, 'fixedNumberId');
        const number = await fixedNumberFor(db, actor, draft.fixedOption ?? FixedOption.FREE, input.data.fixedNumberId, turn.now);
        if (!number) return fieldError(language, 'fixedNumberId', 'addService.error.fixedNumberGone');
        if (draft.fixedNumberId !== number.id) draft.takeOverConfirmed = false;
        draft.fixedNumberId = number.id;
        return { ok: true };
      }
      case 'fixedConfirm':
        draft.takeOverConfirmed = true;
        return { ok: true };
      default:
        return { ok: true };
    }
  }

  /** A new number is reserved as soon as it is chosen, so the card can name it; choosing otherwise gives it back. */
  private async takeNumberOption(turn: FlowTurn, flow: FlowState, data: FlowCardData): Promise<StepResult> {
    const input = stepInputSchemas.number.safeParse(data);
    if (!input.success) return invalid(turn.language, input.error, 'numberOption');
    flow.draft.numberOption = input.data.numberOption;
    if (input.data.numberOption !== NumberOption.NEW) {
      await this.releaseReservation(turn, flow);
      return { ok: true };
    }
    if (flow.draft.reservedNumberId) return { ok: true };
    const reserved = await reserveNumber(this.db, turn.actor, { kind: NumberKind.MOBILE, ttlMs: RESUMABLE_MS, now: turn.now });
    if (!reserved.ok) return fieldError(turn.language, 'numberOption', 'addService.error.noFreeNumber');
    flow.draft.reservedNumberId = reserved.number.id;
    return { ok: true };
  }

  private async takeActivation(turn: FlowTurn, flow: FlowState, data: FlowCardData, catalog: CatalogProduct[]): Promise<StepResult> {
    const input = stepInputSchemas.activation.safeParse(data);
    if (!input.success) return invalid(turn.language, input.error, 'activationMethod', 'activationTiming');
    flow.draft.activationMethod = input.data.activationMethod;
    flow.draft.activationTiming = input.data.activationTiming;
    const type = findServiceType(catalog, flow.draft.serviceTypeCode, flow.draft.productTypeCode);
    if (input.data.activationMethod === 'AUTOMATIC' && (!type || !automaticActivationAllowed(type, flow.draft))) {
      return fieldError(turn.language, 'activationMethod', 'addService.error.automaticNeedsSim');
    }
    return { ok: true };
  }

  private async releaseReservation(turn: FlowTurn, flow: FlowState): Promise<boolean> {
    const id = flow.draft.reservedNumberId;
    if (!id) return false;
    delete flow.draft.reservedNumberId;
    return releaseNumber(this.db, turn.actor, id);
  }

  /** Save found something to change: the step it concerns, with the message next to its field. */
  private backTo(turn: FlowTurn, flow: FlowState, problem: OrderProblem): Promise<FlowOutcome> {
    flow.step = problem.step;
    if (problem.message === 'addService.error.numberLost') delete flow.draft.reservedNumberId;
    const field: Record<OrderProblem['step'], string> = {
      product: 'productTypeCode',
      serviceType: 'serviceTypeCode',
      bundle: 'bundleCode',
      number: 'numberOption',
      porting: 'number',
      move: 'fromServiceId',
      sim: 'iccid',
      fixedNumber: 'fixedOption',
      activation: 'activationMethod',
    };
    return this.show(turn, flow, { [field[problem.step]]: t(turn.language, problem.message, problem.vars) }, problem.portingWarnings);
  }

  private async summary(turn: FlowTurn, flow: FlowState, serviceId: string): Promise<FlowOutcome> {
    return { state: flow, card: await summaryCard(await this.view(turn, flow), serviceId), savedServiceId: serviceId };
  }

  private async show(
    turn: FlowTurn,
    flow: FlowState,
    errors: CardErrors = {},
    portingProblems?: PortingProblem[],
    matches?: Array<{ id: string; displayName: string; email: string }>,
  ): Promise<FlowOutcome> {
    const view = await this.view(turn, flow);
    return { state: flow, card: await flowCard(view, { errors, portingProblems, matches }) };
  }

  private async view(turn: FlowTurn, flow: FlowState): Promise<FlowView> {
    return { db: this.db, actor: turn.actor, language: turn.language, now: turn.now ?? new Date(), flow, catalog: await contractCatalog(this.db, turn.actor) };
  }
}

/** Values downstream of a changed choice that no longer belong to it. */
function forgetFrom(draft: ServiceDraft, catalog: CatalogProduct[], from: 'serviceType' | 'bundle'): void {
  if (from === 'serviceType' && !findServiceType(catalog, draft.serviceTypeCode, draft.productTypeCode)) delete draft.serviceTypeCode;
  const type = findServiceType(catalog, draft.serviceTypeCode, draft.productTypeCode);
  if (!type?.bundles.some((bundle) => bundle.code === draft.bundleCode)) delete draft.bundleCode;
  draft.optionCodes = draft.optionCodes.filter((option) => type?.options.some((candidate) => candidate.code === option));
}

function fieldError(language: Language, field: string, key: string, vars?: Record<string, string>): StepResult {
  return { ok: false, errors: { [field]: t(language, key, vars) } };
}

/** The step schema's messages are string keys; each goes next to the field it names. */
function invalid(language: Language, error: z.ZodError, ...fields: string[]): StepResult {
  const errors: CardErrors = {};
  for (const issue of error.issues) {
    const field = typeof issue.path[0] === 'string' && fields.includes(issue.path[0]) ? issue.path[0] : fields[0]!;
    errors[field] ??= issue.message.startsWith('addService.') ? t(language, issue.message) : t(language, 'addService.error.invalid');
  }
  return { ok: false, errors };
}
