import type { InTransaction } from '../numbers/portingEvents';

/**
 * What a service's lifecycle asks of the systems outside it: the donor operators numbers are ported from, and the
 * provisioning backend that activates a line. The domain never imports an implementation: the composition root
 * (bot/background.ts) gives one, in this demo the simulated ones. Their answers come back through the domain's own
 * entry points (applyPortingEvent, recordActivationResult), from a simulator's job or a real system's webhook
 * (provisioningEvents.ts) alike.
 */

/** The donor operators: each answers the porting requests sent to it through applyPortingEvent. */
export interface DonorOperators {
  /**
   * A request has just been sent to its donor (submitted, or sent back after a hold), inside the transaction that
   * sends it: whatever brings the donor's answer starts here, so that a request never leaves without it.
   */
  requestSent: InTransaction;
}

/** The provisioning backend: it answers an order through recordActivationResult. */
export interface ProvisioningBackend {
  /**
   * Activate the service's line, for the activation attempt started at `activationStartedAt`. Asked again for the
   * same attempt (a retried job), it must not order twice.
   */
  order(order: { serviceId: string; activationStartedAt: Date }): Promise<void>;
  /**
   * Let the user's phone download this eSIM profile from the SM-DP+ server; the backend reports the profile installed
   * through recordEsimInstalled. Asked twice for one profile, it must not release it twice.
   */
  releaseEsim(profile: { iccid: string }): Promise<void>;
  /** The profile must stop working: its phone was lost or replaced. */
  revokeEsim(profile: { iccid: string }): Promise<void>;
}
