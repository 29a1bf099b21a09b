import { Prisma } from '../../prisma/generated/client';
import { PortingState, ServiceStatus } from '../../prisma/generated/enums';
import { finalStates, openPortingStates, type NextActor } from '../lifecycle/table';

/**
 * The overview's states: the lifecycle's statuses (services/lifecycle/table.ts) grouped by who must act next, named in
 * TypeScript and derived in SQL from the same rules, so that the overview's counts, lists and export agree.
 */

/** One state of the overview: the lifecycle statuses it holds, narrowed by the schedule and the latest porting. */
export interface FleetRule {
  state: string;
  statuses: readonly ServiceStatus[];
  /** Only with a scheduled start (true) or only without (false); either when left out. */
  scheduled?: boolean;
  /** Only with the latest porting request in one of these states (null: none); any when left out. */
  porting?: readonly (PortingState | null)[];
  /** Who must act next on a service in this state (nextActorOf in the lifecycle table); nobody once it is done. */
  waitsFor: readonly NextActor[];
}

const S = ServiceStatus;
/** Refused, cancelled, or (never for long) completed or missing: the administrator corrects and sends it again. */
const portingNotOpen = [...Object.values(PortingState).filter((state) => !openPortingStates.includes(state)), null];

/**
 * The overview's states, in the order the card shows them; every status and latest porting state falls in exactly
 * one (test/unit/fleetStates.test.ts). The SQL that counts and the TypeScript that names a state both come from here.
 */
export const fleetRules = [
  { state: 'waitingForActivation', statuses: [S.WAITING_FOR_ACTIVATION], scheduled: false, waitsFor: ['administrator'] },
  { state: 'scheduled', statuses: [S.WAITING_FOR_ACTIVATION], scheduled: true, waitsFor: ['time'] },
  { state: 'waitingForSim', statuses: [S.WAITING_FOR_SIM], waitsFor: ['user'] },
  { state: 'waitingForEsimInstall', statuses: [S.WAITING_FOR_ESIM_INSTALL], waitsFor: ['user'] },
  { state: 'waitingForStart', statuses: [S.READY], waitsFor: ['user'] },
  { state: 'activating', statuses: [S.ACTIVATING], waitsFor: ['operator'] },
  { state: 'waitingForPorting', statuses: [S.WAITING_FOR_PORTING], porting: openPortingStates, waitsFor: ['donorOperator', 'time', 'operator'] },
  { state: 'portingRefused', statuses: [S.WAITING_FOR_PORTING], porting: portingNotOpen, waitsFor: ['administrator'] },
  { state: 'failed', statuses: [S.FAILED], waitsFor: ['administrator'] },
  { state: 'active', statuses: [S.ACTIVE], waitsFor: [] },
  { state: 'closed', statuses: [S.CANCELLED, S.ENDED], waitsFor: [] },
] as const satisfies readonly FleetRule[];

/** Cancelled and ended services are 'closed': left out of the counts, still in the export. */
export type ServiceState = (typeof fleetRules)[number]['state'];
export type FleetState = Exclude<ServiceState, 'closed'>;
/** The states the overview counts, in the order the card shows them. */
export const fleetStates = fleetRules.map((rule) => rule.state).filter((state): state is FleetState => state !== 'closed');

/** What a service's overview state depends on. */
export interface FleetFacts {
  status: ServiceStatus;
  scheduledStartAt: Date | null;
  /** The latest porting request's state, if the service has one. */
  porting: PortingState | null;
}

function matches(rule: FleetRule, facts: FleetFacts): boolean {
  return rule.statuses.includes(facts.status)
    && (rule.scheduled === undefined || rule.scheduled === (facts.scheduledStartAt !== null))
    && (rule.porting === undefined || rule.porting.includes(facts.porting));
}

/** The one rule a service falls under; the SQL's CASE takes the first, so two would be a fault of the rules. */
export function fleetRuleOf(facts: FleetFacts): (typeof fleetRules)[number] {
  const [rule, ...others] = fleetRules.filter((candidate) => matches(candidate, facts));
  if (!rule || others.length > 0) throw new Error(`not one overview state for ${facts.status} with porting ${facts.porting}`);
  return rule;
}

/** The overview state of a service, as the SQL below derives it. */
export function fleetStateOf(facts: FleetFacts): ServiceState {
  return fleetRuleOf(facts).state;
}

/** The schema's enum names and the rules' state names, as SQL literals: constants of this file, never input. */
function literal(value: string): string {
  if (!/^\w+$/.test(value)) throw new Error(`not a plain name: ${value}`);
  return `'${value}'`;
}

/** A rule as a condition on `s` (a "Service" row) and `lp` (its latest porting request). */
function ruleCondition(rule: FleetRule): string {
  const conditions = [`s."status" IN (${rule.statuses.map(literal).join(', ')})`];
  if (rule.scheduled !== undefined) conditions.push(`s."scheduledStartAt" IS ${rule.scheduled ? 'NOT NULL' : 'NULL'}`);
  if (rule.porting !== undefined) {
    const states = rule.porting.filter((state) => state !== null);
    const alternatives = [`lp."state" IN (${states.map(literal).join(', ')})`, ...(rule.porting.includes(null) ? ['lp."state" IS NULL'] : [])];
    conditions.push(`(${alternatives.join(' OR ')})`);
  }
  return conditions.join(' AND ');
}

/** The overview state of `s` joined with `lp`: the rules as one CASE, in their order. */
export const derivedState = Prisma.raw(`CASE ${fleetRules.map((rule) => `WHEN ${ruleCondition(rule)} THEN ${literal(rule.state)}`).join(' ')} END`);

/** Services that are done: nothing about them waits for anyone. */
export const finalSql = Prisma.raw(finalStates.map(literal).join(', '));

/** A state's rule as an SQL condition on `s` and `lp`. */
export function stateCondition(state: ServiceState): Prisma.Sql {
  return Prisma.raw(ruleCondition(fleetRules.find((rule) => rule.state === state)!));
}
