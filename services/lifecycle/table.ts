import { ActivationMethod, PortingState, ServiceStatus } from '../../prisma/generated/enums';

/**
 * The lifecycle of a service and its parts, as data: the states a service goes through, the events that move it, the
 * effects each transition has (jobs, number changes, notifications), and for every state that is not final, who must
 * act next and by when. services/lifecycle/engine.ts applies an event by looking it up here; no code changes a
 * service's status otherwise.
 *
 *   waiting for activation ─start─▶ waiting for SIM ─SIM entered─▶ activating ─provisioned─▶ active
 *                          └─start─▶ ready (the user presses Start) ─┘   │  └─provisioned─▶ waiting for porting ─ported─▶ active
 *                          └─start (automatic) ─────────────────────────┘  └─failed─▶ failed ─retry─▶ activating
 *   active ─number moved to a colleague's new service─▶ ended
 *
 * An eSIM is reserved when the service is saved, so it never waits for a SIM card number: at the start it is sent to the
 * user, who installs it on the phone, and the line activates once the backend reports it installed:
 *
 *   waiting for activation ─start─▶ waiting for eSIM install ─eSIM installed─▶ activating ─▶ (as above)
 *
 * A lost or new phone needs a replacement profile: the old one is revoked first, the new one sent, and the service
 * stays where it was (its line keeps its number).
 *
 * The porting request has its own table below: it is submitted when the service starts, and its number only switches
 * at the donor's window if the new line works then; otherwise it is held back and resumes when the line works.
 */

/** What happens to a service. */
export const LifecycleEvents = [
  /** The administrator starts it (saved with "now", "Start", "Start all", or its scheduled time). */
  'start',
  /** The user (or an administrator for them) gives the SIM card number. */
  'simEntered',
  /** The user presses "Start activation" on a service whose SIM card is known or that has none. */
  'userStarts',
  /** The provisioning backend reports the line working. */
  'provisioned',
  /** The provisioning backend reports it could not activate the line. */
  'provisioningFailed',
  /** The administrator asks the backend to try a failed activation again. */
  'retry',
  /** The ported number switched to the service at the donor's window. */
  'numberPorted',
  /** The number moved to a colleague's new service ("port an existing Dstny service"): this one ends. */
  'numberMovedAway',
  /** The provisioning backend reports the eSIM profile installed on the user's phone. */
  'esimInstalled',
  /** The administrator, or the user in the chat, asks for a new eSIM profile (a lost or new phone). */
  'esimReplaced',
] as const;
export type LifecycleEvent = (typeof LifecycleEvents)[number];

/** What a transition does besides changing the status, in this order, in the same transaction. */
export const Effects = [
  /** A personal activation link and the job that emails it. */
  'activationEmail',
  /** The order to the provisioning backend (a job). */
  'provision',
  /** The porting request goes to the donor operator (a job). */
  'submitPorting',
  /** The colleague whose mobile or fixed number this service will take is told it will happen. */
  'announceTakeovers',
  /** The SIM card is active on the network. */
  'simActive',
  /** A porting held back because the line did not work at its window goes back to the donor. */
  'resumeHeldPorting',
  /** The mobile number (new, moved or ported) is in use by this service. */
  'numberInUse',
  /** The colleague's service hands its mobile number over and ends. */
  'takeMovedNumber',
  /** The colleague's fixed number is taken over. */
  'takePlannedFixedNumber',
  /** The SIM card of a service that ended stops working. */
  'simDeactivated',
  /** The eSIM profile may be downloaded: the backend is asked to release it on its SM-DP+ server (a job). */
  'releaseEsim',
  /** The installed eSIM profile is recorded. */
  'esimInstalled',
  /** The service's eSIM profile is revoked (a job tells the backend) and a new one from stock takes its place. */
  'replaceEsim',
  'notifyStarted',
  'notifySimEntered',
  /** The user gets the eSIM (its QR code) in the chat; the administrator hears it was sent, never the code. */
  'notifyEsimSent',
  'notifyProvisioned',
  'notifyActive',
  'notifyFailed',
  'notifyNumberMovedAway',
] as const;
export type Effect = (typeof Effects)[number];

/** What the table's conditions look at: the service's own choices and where its porting stands. */
export interface ServiceFacts {
  /** The service type has a SIM card (every type but a UC user). */
  needsSim: boolean;
  simKnown: boolean;
  /** The SIM is an eSIM profile (reserved when the service was saved). */
  esim: boolean;
  method: ActivationMethod;
  /** A number is being ported to the service and has not switched yet. */
  portingOpen: boolean;
}

export interface Transition {
  from: ServiceStatus;
  on: LifecycleEvent;
  /** The first row whose condition holds is taken. */
  when?: (facts: ServiceFacts) => boolean;
  to: ServiceStatus;
  /** The timeline entry (ServiceEvent.kind) it writes. */
  timeline: string;
  effects: readonly Effect[];
}

const S = ServiceStatus;
const startEffects = ['submitPorting', 'announceTakeovers'] as const;
/** An eSIM goes out by the activation email (the personal page shows it too) and in the chat. */
const sendEsim = ['releaseEsim', 'activationEmail', 'notifyEsimSent'] as const;
/** Where a replacement profile may be asked for: once one was sent, and as long as the line is the user's. */
const replaceable = [S.WAITING_FOR_ESIM_INSTALL, S.ACTIVATING, S.WAITING_FOR_PORTING, S.FAILED, S.ACTIVE] as const;

export const transitions: readonly Transition[] = [
  // The seed's step 8: by email, the user enters the SIM card number (if the administrator did not) or starts the
  // activation from the link; automatically, it starts without them, which needs the SIM card known (or none). An
  // eSIM is sent, whichever way: installing it is the user's part.
  { from: S.WAITING_FOR_ACTIVATION, on: 'start', when: (f) => f.needsSim && f.esim, to: S.WAITING_FOR_ESIM_INSTALL, timeline: 'service_started', effects: [...sendEsim, ...startEffects] },
  { from: S.WAITING_FOR_ACTIVATION, on: 'start', when: (f) => f.needsSim && !f.simKnown, to: S.WAITING_FOR_SIM, timeline: 'service_started', effects: ['activationEmail', ...startEffects] },
  { from: S.WAITING_FOR_ACTIVATION, on: 'start', when: (f) => f.method === ActivationMethod.EMAIL, to: S.READY, timeline: 'service_started', effects: ['activationEmail', ...startEffects] },
  { from: S.WAITING_FOR_ACTIVATION, on: 'start', to: S.ACTIVATING, timeline: 'service_started', effects: ['provision', 'notifyStarted', ...startEffects] },
  { from: S.WAITING_FOR_SIM, on: 'simEntered', to: S.ACTIVATING, timeline: 'sim_submitted', effects: ['provision', 'notifySimEntered', 'notifyStarted'] },
  { from: S.WAITING_FOR_ESIM_INSTALL, on: 'esimInstalled', to: S.ACTIVATING, timeline: 'esim_installed', effects: ['esimInstalled', 'provision', 'notifyStarted'] },
  { from: S.READY, on: 'userStarts', to: S.ACTIVATING, timeline: 'activation_confirmed', effects: ['provision', 'notifyStarted'] },
  // Number portability: the new line works first, the number switches to it at the donor's window.
  { from: S.ACTIVATING, on: 'provisioned', when: (f) => f.portingOpen, to: S.WAITING_FOR_PORTING, timeline: 'provisioned', effects: ['simActive', 'resumeHeldPorting', 'notifyProvisioned'] },
  { from: S.ACTIVATING, on: 'provisioned', to: S.ACTIVE, timeline: 'activated', effects: ['simActive', 'takeMovedNumber', 'takePlannedFixedNumber', 'numberInUse', 'notifyActive'] },
  { from: S.ACTIVATING, on: 'provisioningFailed', to: S.FAILED, timeline: 'activation_failed', effects: ['notifyFailed'] },
  { from: S.FAILED, on: 'retry', to: S.ACTIVATING, timeline: 'activation_retried', effects: ['provision', 'notifyStarted'] },
  { from: S.WAITING_FOR_PORTING, on: 'numberPorted', to: S.ACTIVE, timeline: 'activated', effects: ['takePlannedFixedNumber', 'numberInUse', 'notifyActive'] },
  { from: S.ACTIVE, on: 'numberMovedAway', to: S.ENDED, timeline: 'service_ended', effects: ['simDeactivated', 'notifyNumberMovedAway'] },
  // A replacement profile keeps the service where it is; installing it later changes nothing but the profile's record.
  ...replaceable.map((status): Transition => ({ from: status, on: 'esimReplaced', when: (f) => f.esim, to: status, timeline: 'esim_replaced', effects: ['replaceEsim', ...sendEsim] })),
  ...replaceable.filter((status) => status !== S.WAITING_FOR_ESIM_INSTALL)
    .map((status): Transition => ({ from: status, on: 'esimInstalled', to: status, timeline: 'esim_installed', effects: ['esimInstalled'] })),
];

/** The transition `event` takes from `status` given the facts, if the lifecycle allows it. */
export function transitionFor(status: ServiceStatus, event: LifecycleEvent, facts: ServiceFacts): Transition | undefined {
  return transitions.find((row) => row.from === status && row.on === event && (!row.when || row.when(facts)));
}

// ---------------------------------------------------------------------------------------------------------------
// Who acts next

/** Who must act for a service to move on. */
export type NextActor = 'user' | 'administrator' | 'operator' | 'donorOperator' | 'time';

export const finalStates: readonly ServiceStatus[] = [S.ACTIVE, S.ENDED, S.CANCELLED];

export function isFinal(status: ServiceStatus): boolean {
  return finalStates.includes(status);
}

/** What the next actor depends on besides the status. */
export interface WaitingFacts {
  scheduledStartAt: Date | null;
  /** The latest porting request's state, for a ported number. */
  porting: PortingState | null;
  /** The personal activation link locked after too many wrong SIM card numbers. */
  linkLocked?: boolean;
}

/** Started and waiting for the user's part: the SIM card number, Start, or installing the eSIM (the email can be resent). */
export const waitingForUser: readonly ServiceStatus[] = [S.WAITING_FOR_SIM, S.WAITING_FOR_ESIM_INSTALL, S.READY];

/** Who must act next on a service that is not final; null for a final one. */
export function nextActorOf(status: ServiceStatus, facts: WaitingFacts): NextActor | null {
  switch (status) {
    case S.WAITING_FOR_ACTIVATION:
      return facts.scheduledStartAt ? 'time' : 'administrator';
    case S.WAITING_FOR_SIM:
    case S.WAITING_FOR_ESIM_INSTALL:
    case S.READY:
      // A locked link cannot take the number any more: only a new email from the administrator helps.
      return facts.linkLocked ? 'administrator' : 'user';
    case S.ACTIVATING:
      return 'operator';
    case S.WAITING_FOR_PORTING:
      return portingNextActor(facts.porting);
    case S.FAILED:
      return 'administrator';
    default:
      return null;
  }
}

function portingNextActor(state: PortingState | null): NextActor {
  switch (state) {
    case PortingState.SUBMITTED:
    case PortingState.ACCEPTED:
      return 'donorOperator';
    case PortingState.SCHEDULED:
      return 'time';
    case PortingState.REQUESTED:
    case PortingState.HELD:
      return 'operator';
    default:
      // Refused, cancelled by the holder, or none at all: the administrator corrects and sends it again.
      return 'administrator';
  }
}

/** The longest a state may last before someone is told (the seed: activation takes an hour, at most two days). */
export const ACTIVATION_MAX_MS = 2 * 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------------------------
// The porting request

const P = PortingState;

/**
 * requested → submitted → accepted → scheduled → completed; refused by the donor, or cancelled, on the way; held back
 * at the window when the new line does not work yet, and back to accepted (a new window) once it does.
 */
export const portingTransitions: Readonly<Record<PortingState, readonly PortingState[]>> = {
  REQUESTED: [P.SUBMITTED, P.CANCELLED],
  SUBMITTED: [P.ACCEPTED, P.REFUSED, P.CANCELLED],
  ACCEPTED: [P.SCHEDULED, P.REFUSED, P.CANCELLED],
  SCHEDULED: [P.COMPLETED, P.HELD, P.CANCELLED],
  HELD: [P.ACCEPTED, P.CANCELLED],
  COMPLETED: [],
  REFUSED: [],
  CANCELLED: [],
};

export function canPortingMove(from: PortingState, to: PortingState): boolean {
  return portingTransitions[from].includes(to);
}

/** A number only switches onto a line that works at that moment. */
export function portingMayComplete(serviceStatus: ServiceStatus): boolean {
  return serviceStatus === S.WAITING_FOR_PORTING;
}

/** Porting states in which the number has not switched and the request is still alive. */
export const openPortingStates: readonly PortingState[] = [P.REQUESTED, P.SUBMITTED, P.ACCEPTED, P.SCHEDULED, P.HELD];
