import { PortingState } from '../../prisma/generated/enums';

/**
 * Every kind of entry a service's timeline (ServiceEvent.kind) holds: those the domain writes, and
 * `activation_started`, which older rows still hold. Cards word each one (a kind without words does not compile),
 * and test/unit/serviceEvents.test.ts fails on a kind the domain writes that is not listed here.
 */
export const serviceEventKinds = [
  'service_created',
  'number_reserved',
  'number_move_planned',
  'sim_assigned',
  'esim_reserved',
  'fixed_number_assigned',
  'fixed_number_take_planned',
  'activation_deferred',
  'summary_card_posted',
  'activation_email_sent',
  'activation_email_resent',
  'activation_scheduled',
  'activation_schedule_dropped',
  'service_started',
  'sim_submitted',
  'esim_installed',
  'esim_replaced',
  'esim_awaits_stock',
  'activation_confirmed',
  'activation_started',
  'provisioned',
  'activated',
  'activation_failed',
  'activation_retried',
  'service_ended',
  ...(Object.values(PortingState).map((state) => `porting_${state.toLowerCase()}`) as Array<`porting_${Lowercase<PortingState>}`>),
  'number_moved_in',
  'number_moved_out',
  'fixed_number_taken',
  'escalated',
  'activation_overdue',
  'porting_overdue',
  'escalation_overdue',
  'notification_undeliverable',
] as const;
export type ServiceEventKind = (typeof serviceEventKinds)[number];

export function isServiceEventKind(kind: string): kind is ServiceEventKind {
  return (serviceEventKinds as readonly string[]).includes(kind);
}
