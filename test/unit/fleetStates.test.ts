import { PortingState, ServiceStatus } from '../../prisma/generated/enums';
import { isFinal, nextActorOf } from '../../services/lifecycle/table';
import { fleetRuleOf, fleetRules, fleetStates, type FleetFacts } from '../../services/fleet/fleetStates';

/** Every status, with and without a scheduled start, with each latest porting state and with none. */
const everyCase: FleetFacts[] = Object.values(ServiceStatus).flatMap((status) =>
  [null, new Date('2026-11-23T07:00:00Z')].flatMap((scheduledStartAt) =>
    [null, ...Object.values(PortingState)].map((porting) => ({ status, scheduledStartAt, porting }))));

const name = (facts: FleetFacts) => `${facts.status}${facts.scheduledStartAt ? ' scheduled' : ''} with porting ${facts.porting ?? 'none'}`;

test('every status and latest porting state falls in exactly one overview state', () => {
  expect(everyCase).toHaveLength(Object.values(ServiceStatus).length * 2 * (Object.values(PortingState).length + 1));
  for (const facts of everyCase) expect(() => fleetRuleOf(facts)).not.toThrow();
  // fleetRuleOf throws unless exactly one rule holds: here none does.
  expect(() => fleetRuleOf({ status: 'NOT_A_STATUS' as ServiceStatus, scheduledStartAt: null, porting: null })).toThrow('not one overview state');
});

test("each state not final is counted where the lifecycle's next actor is, and what waits for the administrator waits for no one else", () => {
  for (const facts of everyCase) {
    const rule = fleetRuleOf(facts);
    // A locked activation link is not a state of the service: "Needs you now" lists those links by themselves.
    const actor = nextActorOf(facts.status, { scheduledStartAt: facts.scheduledStartAt, porting: facts.porting });
    if (isFinal(facts.status)) expect([name(facts), rule.waitsFor]).toEqual([name(facts), []]);
    else expect([name(facts), rule.waitsFor]).toEqual([name(facts), expect.arrayContaining([actor])]);
  }
  for (const rule of fleetRules) {
    if (rule.waitsFor.some((actor) => actor === 'administrator')) expect([rule.state, rule.waitsFor]).toEqual([rule.state, ['administrator']]);
  }
  expect(fleetRules.filter((rule) => rule.waitsFor.some((actor) => actor === 'administrator')).map((rule) => rule.state))
    .toEqual(['waitingForActivation', 'portingRefused', 'failed']);
});

test('a service waiting for its user is told apart by what they are to do: the SIM card number, or Start', () => {
  const at = (status: ServiceStatus) => fleetRuleOf({ status, scheduledStartAt: null, porting: null }).state;
  expect(at(ServiceStatus.WAITING_FOR_SIM)).toBe('waitingForSim');
  expect(at(ServiceStatus.READY)).toBe('waitingForStart');
  expect(at(ServiceStatus.ACTIVATING)).toBe('activating');
  expect(fleetStates).not.toContain('closed');
  expect(fleetStates).toHaveLength(fleetRules.length - 1);
});
