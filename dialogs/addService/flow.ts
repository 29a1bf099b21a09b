import crypto from 'node:crypto';
import { z } from 'zod';
import type { PortingProblem } from '../portingFields';
import type { AdaptiveCard } from '../../cards/render';
import { t, textOfKey, type Language } from '../../cards/strings';
import { catalogHintOf, contractCatalog, findServiceType, hintedOptionCodes, settledByHint, type CatalogProduct } from '../../services/catalog/catalog';
import type { Db } from '../../services/platform/db/database';
import { AccessDenied, type Actor } from '../../services/people/people';
import { reservedNumberOf } from '../../services/addService/numberChoices';
import { auditRefusal, OrderRefused, userForService } from '../../services/addService/orderAccess';
import { SimOption, type OrderProblem } from '../../services/addService/orderDraft';
import { saveService } from '../../services/addService/orderSaving';
import { serviceSummary } from '../../services/addService/summaryCard';
import { addEmployee } from '../../services/people/peopleAdmin';
import { findPeople, findPeopleNamedIn, searchQuerySchema, type PersonMatch } from '../../services/people/userSearch';
import { errorsOf } from '../people';
import { nextStep, portalStepOf, previousStep, TOTAL_STEPS } from './machine';
import { flowKey, flowSteps, readFlowState, type FlowState, type FlowStep } from './state';
import { holdNewNumber, releaseReservation, steps, type StepReading, type StepTaking } from './steps';
import { noticeCard, refusedCard, resumeCard, stepHeader, summaryCard, type CardErrors, type FlowView, type NewUserForm } from './views';

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

/** "Add as a new user": the fields arrive as typed, bounded here and checked by addEmployee, which words nothing. */
export const newUserCardSchema = flowCardSchema.extend({
  displayName: z.string().max(2000).optional(),
  email: z.string().max(2000).optional(),
  language: z.string().max(100).optional(),
});
export type NewUserCardData = z.infer<typeof newUserCardSchema>;

const NO_PROBLEMS: NewUserForm['errors'] = { displayName: '', email: '', language: '' };

/**
 * The "Add Service" conversation: eight steps of Adaptive Cards over the services in services/, as the steps table
 * (steps.ts) declares them. Every method takes the stored flow and the card's data and answers with the next card
 * and the flow to keep; nothing is written until Save, except the reservation of a new number (released on Cancel).
 */
export class AddServiceFlow {
  constructor(private readonly db: Db) {}

  /** "Add a service": a fresh flow, or the offer to continue the unfinished one. */
  start(turn: FlowTurn, request: FlowRequest = {}): Promise<FlowOutcome> {
    return this.guard(turn, async (now) => {
      const unfinished = readFlowState(turn.stored, now);
      if (unfinished && unfinished.step !== 'done') return { state: unfinished, card: await this.resumeCard(turn, unfinished) };
      const catalog = await contractCatalog(this.db, turn.actor);
      const flow: FlowState = { flowId: crypto.randomUUID(), step: 'user', updatedAt: now.toISOString(), draft: { optionCodes: [] } };
      if (request.catalogText) {
        const hint: NonNullable<FlowState['hint']> = catalogHintOf(catalog, request.catalogText);
        if (asksForEsim(request.catalogText)) hint.simOption = SimOption.ESIM;
        if (Object.keys(hint).length > 0) flow.hint = hint;
      }
      if (!request.person) return this.show(turn, flow);
      return this.searchFor(turn, flow, request.person, 'namedInRequest');
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

  /**
   * Nobody matched: the person typed is added to the organisation and the flow goes on for them, as with a person
   * picked. The flow's key makes a second press (a double click, a retry) find the person the first one added.
   */
  addUser(turn: FlowTurn, data: NewUserCardData): Promise<FlowOutcome> {
    return this.onCard(turn, data, async (flow) => {
      const values = { displayName: data.displayName ?? '', email: data.email ?? '', language: data.language ?? turn.language };
      const added = await addEmployee(this.db, turn.actor, values, { requestKey: flowKey(flow) });
      if (!added.ok) return this.nobodyFound(turn, flow, { values, errors: errorsOf(turn.language, added.problems) });
      flow.draft.userId = added.employee.id;
      return this.advance(turn, flow);
    });
  }

  next(turn: FlowTurn, data: FlowCardData): Promise<FlowOutcome> {
    return this.onCard(turn, data, async (flow, catalog) => {
      const step = steps[flow.step];
      // The last step's inputs come with Save.
      if (!step.takenOnSave) {
        const result = await step.take(this.taking(turn, flow, data, catalog));
        if (!result.ok) return this.show(turn, flow, result.errors, result.portingProblems);
      }
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
      const released = await releaseReservation(this.db, turn.actor, flow);
      const text = t(turn.language, released ? 'addService.cancelled.numberReleased' : 'addService.cancelled.text');
      return { state: undefined, card: noticeCard(turn.language, t(turn.language, 'addService.cancelled.title'), text, true) };
    });
  }

  /** Step 8's Save: the service is created once per flow, whatever the number of clicks. */
  save(turn: FlowTurn, data: FlowCardData): Promise<FlowOutcome> {
    return this.onCard(turn, data, async (flow, catalog) => {
      if (flow.step === 'done' && flow.savedServiceId) return this.summary(turn, flow, flow.savedServiceId);
      const result = await steps.activation.take(this.taking(turn, flow, data, catalog));
      if (!result.ok) return this.show(turn, flow, result.errors);
      const saved = await saveService(this.db, turn.actor, flow.draft, flowKey(flow), turn.now ?? new Date());
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
      if (flow) await releaseReservation(this.db, turn.actor, flow);
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
      return { state: readFlowState(turn.stored, turn.now ?? new Date()), card: refusedCard(turn.language, turn.actor) };
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
    onSteps?: FlowStep[],
  ): Promise<FlowOutcome> {
    return this.guard(turn, async (now) => {
      const flow = readFlowState(turn.stored, now);
      if (!flow || flow.flowId !== data.flowId) return this.stale(turn, data);
      const catalog = await contractCatalog(this.db, turn.actor);
      const onStep = flow.step === data.step || (flow.step === 'user' && data.step === 'user');
      // Every press moves the resume window on, and the number held for the flow with it (RESUMABLE_MS).
      if (flow.draft.reservedNumberId) await holdNewNumber(this.db, turn.actor, flow, now);
      if (!onStep && !(onSteps?.includes(flow.step) ?? false)) return this.show(turn, flow);
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

  /**
   * The search box's words must all fit the person; the words of a typed request may hold other words than the name
   * ("Marie with the 20 GB bundle"), so there the person most of whose name they name is found.
   */
  private async searchFor(turn: FlowTurn, flow: FlowState, query: string, words: 'searchBox' | 'namedInRequest' = 'searchBox'): Promise<FlowOutcome> {
    flow.search = query.slice(0, 200);
    const parsed = searchQuerySchema.safeParse(query);
    if (!parsed.success) return this.show(turn, flow, { query: t(turn.language, 'addService.error.searchEmpty') });
    const find = words === 'searchBox' ? findPeople : findPeopleNamedIn;
    const found = await find(this.db, turn.actor, parsed.data, { limit: 5 });
    const [only] = found;
    if (found.length === 1 && only) {
      flow.draft.userId = only.id;
      return this.advance(turn, flow);
    }
    if (found.length === 0) return this.nobodyFound(turn, flow, { values: typedPerson(parsed.data, turn.language), errors: NO_PROBLEMS });
    return this.show(turn, flow, {}, undefined, found);
  }

  /** "Nobody matches", and under it the offer to add who was typed. */
  private nobodyFound(turn: FlowTurn, flow: FlowState, newUser: NewUserForm): Promise<FlowOutcome> {
    const query = flow.search?.trim() ?? '';
    return this.show(turn, flow, { query: t(turn.language, 'addService.search.none', { query }) }, undefined, undefined, newUser);
  }

  /** Forward from the current step, through the steps a request in words already settled. */
  private async advance(turn: FlowTurn, flow: FlowState): Promise<FlowOutcome> {
    const catalog = await contractCatalog(this.db, turn.actor);
    let step = this.following(flow, catalog);
    for (let settles = steps[step].settles; flow.hint && settles; settles = steps[step].settles) {
      const value = settledByHint(catalog, flow.hint, flow.draft)[settles];
      if (!value) break;
      flow.draft[settles] = value;
      // The options are chosen on the bundle's card: a bundle the request settled takes the options it named.
      const type = findServiceType(catalog, flow.draft.serviceTypeCode, flow.draft.productTypeCode);
      if (settles === 'bundleCode' && type) flow.draft.optionCodes = hintedOptionCodes(type, flow.hint);
      flow.step = step;
      step = this.following(flow, catalog);
    }
    // The hint also preselects the number and SIM card choices; past them, it has said all it can.
    if (flowSteps.indexOf(step) > flowSteps.indexOf('sim')) delete flow.hint;
    flow.step = step;
    return this.show(turn, flow);
  }

  private following(flow: FlowState, catalog: CatalogProduct[]): FlowStep {
    const type = findServiceType(catalog, flow.draft.serviceTypeCode, flow.draft.productTypeCode);
    return nextStep(flow.step, type ?? { hasSim: false, hasMobileNumber: false, hasFixedNumber: false }, flow.draft);
  }

  private taking(turn: FlowTurn, flow: FlowState, data: FlowCardData, catalog: CatalogProduct[]): StepTaking {
    const type = findServiceType(catalog, flow.draft.serviceTypeCode, flow.draft.productTypeCode);
    return { db: this.db, actor: turn.actor, language: turn.language, now: turn.now, flow, data, catalog, type };
  }

  /** Save found something to change: the step it concerns, with the message next to its field. */
  private backTo(turn: FlowTurn, flow: FlowState, problem: OrderProblem): Promise<FlowOutcome> {
    flow.step = problem.step;
    if (problem.message === 'addService.error.numberLost') delete flow.draft.reservedNumberId;
    const at = steps[problem.step].problemField;
    const field = typeof at === 'function' ? at(problem.message) : at;
    return this.show(turn, flow, { [field]: textOfKey(turn.language, problem.message, problem.vars) }, problem.portingWarnings);
  }

  private async summary(turn: FlowTurn, flow: FlowState, serviceId: string): Promise<FlowOutcome> {
    return { state: flow, card: summaryCard(turn.language, await serviceSummary(this.db, turn.actor, serviceId)), savedServiceId: serviceId };
  }

  /** "You have an unfinished service for Jan at step 5 of 8". */
  private async resumeCard(turn: FlowTurn, flow: FlowState): Promise<AdaptiveCard> {
    // The contract is read first, as for every card: it refuses whoever may not order.
    await contractCatalog(this.db, turn.actor);
    const userName = await this.userName(turn, flow);
    return resumeCard(turn.language, flow, { userName, portal: portalStepOf(flow.step), total: TOTAL_STEPS });
  }

  /** The current step's card: what it shows is read through the domain first, then the card is drawn from it. */
  private async show(
    turn: FlowTurn,
    flow: FlowState,
    errors: CardErrors = {},
    portingProblems: PortingProblem[] = [],
    matches: PersonMatch[] = [],
    newUser?: NewUserForm,
  ): Promise<FlowOutcome> {
    const now = turn.now ?? new Date();
    const step = steps[flow.step];
    const catalog = await contractCatalog(this.db, turn.actor);
    const userName = await this.userName(turn, flow);
    // The header says what is chosen now, read again at every card (after Back too): on the person's own step the
    // person is being chosen, so no "For …" of the one chosen before.
    const reserved =
      flow.draft.reservedNumberId && step.notesReservedNumber?.(flow.draft) ? await reservedNumberOf(this.db, turn.actor.organisationId, flow.draft.reservedNumberId, flowKey(flow)) : null;
    const header = stepHeader(turn.language, flow, {
      portal: step.portal,
      total: TOTAL_STEPS,
      title: step.title,
      userName: flow.step === 'user' ? '' : userName,
      reservedNumber: reserved?.e164 ?? null,
    });
    const view: FlowView = { language: turn.language, now, flow, catalog, userName, header, errors, portingProblems, matches, newUser };
    const reading: StepReading = { db: this.db, actor: turn.actor, now, flow, type: findServiceType(catalog, flow.draft.serviceTypeCode, flow.draft.productTypeCode) };
    return { state: flow, card: await step.draw(reading, view) };
  }

  private async userName(turn: FlowTurn, flow: FlowState): Promise<string> {
    return flow.draft.userId ? (await userForService(this.db, turn.actor, flow.draft.userId)).displayName : '';
  }
}

/**
 * Whether a request in words asks for an eSIM: "eSIM", "e-sim", "e-simkaart", "une eSIM" (the same word in English,
 * Dutch and French). Read on its first 500 characters, lower case and without accents.
 */
export function asksForEsim(text: string): boolean {
  const words = ` ${text.slice(0, 500).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
  return / e ?sim(?:s|kaart|kaartje|profiel)? /.test(words);
}

/** The new person's fields as a search typed them: an email address goes in the address, anything else is the name. */
function typedPerson(query: string, language: Language): NewUserForm['values'] {
  const isEmail = z.email().safeParse(query).success;
  return { displayName: isEmail ? '' : query, email: isEmail ? query : '', language };
}
