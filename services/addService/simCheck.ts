import { Role, SimForm, SimState } from '../../prisma/generated/enums';
import type { DbClient } from '../platform/jobQueue';
import { requireRole, type Actor } from '../people/people';
import { esimsInStock } from '../simCards/esimProfiles';
import { checkIccid, groupedIccid, typoCandidates, type IccidProblem } from '../simCards/simNumber';

/** The SIM card an administrator types while ordering: a card of the organisation's stock, not yet used. */

export type SimCheck = { ok: true; simCardId: string; iccid: string } | { ok: false; message: string; vars?: Record<string, string> };

const iccidMessages: Record<IccidProblem, string> = {
  empty: 'addService.error.iccid.empty',
  'not-digits': 'addService.error.iccid.notDigits',
  length: 'addService.error.iccid.length',
  prefix: 'addService.error.iccid.prefix',
  'check-digit': 'addService.error.iccid.checkDigit',
};

/**
 * An unused SIM card of the organisation's stock, as typed by the administrator. Another organisation's card reads
 * as not in stock. A typo one digit (or one swap) away from a stock card is answered with that card.
 */
export async function checkSimForService(db: DbClient, actor: Actor, typed: string): Promise<SimCheck> {
  // Whether a SIM card is in the organisation's stock is the administrator's business only.
  requireRole(actor, Role.ADMINISTRATOR);
  const checked = checkIccid(typed);
  if (!checked.ok && checked.problem !== 'check-digit') {
    return { ok: false, message: iccidMessages[checked.problem], vars: { count: String(typed.replace(/[\s-]/g, '').length), prefix: typed.trim().slice(0, 2) } };
  }
  const sim = checked.ok
    ? await db.simCard.findFirst({ where: { iccid: checked.iccid, organisationId: actor.organisationId, form: SimForm.PHYSICAL }, include: { service: { select: { id: true } } } })
    : null;
  if (sim && sim.state === SimState.IN_STOCK && !sim.service) return { ok: true, simCardId: sim.id, iccid: sim.iccid };
  if (sim) return { ok: false, message: 'addService.error.iccid.assigned' };
  const stock = await db.simCard.findMany({ where: { organisationId: actor.organisationId, state: SimState.IN_STOCK, form: SimForm.PHYSICAL }, select: { iccid: true } });
  const [suggestion, ...others] = typoCandidates(typed, stock.map((card) => card.iccid));
  if (suggestion && others.length === 0) return { ok: false, message: 'addService.error.iccid.didYouMean', vars: { iccid: groupedIccid(suggestion.iccid) } };
  return { ok: false, message: checked.ok ? 'addService.error.iccid.notInStock' : iccidMessages['check-digit'] };
}

/** How many eSIMs the organisation has left to give: what the administrator is told before choosing one. */
export async function esimsLeftFor(db: DbClient, actor: Actor): Promise<number> {
  requireRole(actor, Role.ADMINISTRATOR);
  return esimsInStock(db, actor.organisationId);
}
