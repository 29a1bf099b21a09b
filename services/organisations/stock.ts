import type { Prisma } from '../../prisma/generated/client';
import { NumberKind, NumberState, SimForm } from '../../prisma/generated/enums';
import { checkBelgianNumber } from '../numbers/phoneNumbers';
import type { Db } from '../platform/db/database';
import { checkIccid } from '../simCards/simNumber';
import { activationCodeMessages, confirmationCodeSchema, readActivationCode } from '../simCards/esimProfiles';
import { esimProfilesInputSchema, numbersInputSchema, OrganisationProblem, parsed, simCardsInputSchema, type OperatorActor } from './input';
import { auditOperatorChange, organisationOf } from './organisations';

/**
 * SIM cards and numbers the operator delivers to an organisation. Each item is checked as the bot checks what people
 * type; what cannot be added is reported with its reason, and the rest is added: sending the same list again adds
 * nothing and reports every item as already there.
 */

export const ALREADY_IN_STOCK = 'already in your stock';
export const OTHER_ORGANISATION = 'belongs to another organisation';
export const LISTED_TWICE = 'listed twice in this call';

export interface StockReport<Key extends string> {
  added: number;
  refused: Array<Record<Key, string> & { reason: string }>;
}

/** Adds SIM cards to the organisation's stock (IN_STOCK, for its administrators to give to services). */
export async function addSimCards(db: Db, operator: OperatorActor, tenantIdInput: unknown, input: unknown): Promise<StockReport<'iccid'>> {
  const { iccids } = parsed(simCardsInputSchema, input, 'SIM cards');
  const organisation = await activeOrganisationOf(db, tenantIdInput);
  const refused: StockReport<'iccid'>['refused'] = [];
  const wanted = new Map<string, string>();
  for (const typed of iccids) {
    const check = checkIccid(typed);
    if (!check.ok) refused.push({ iccid: typed, reason: check.message });
    else if (wanted.has(check.iccid)) refused.push({ iccid: typed, reason: LISTED_TWICE });
    else wanted.set(check.iccid, typed);
  }
  const rows = [...wanted.keys()].map((iccid) => ({ iccid, organisationId: organisation.id }));
  return addCards(db, operator, organisation.id, rows, (iccid) => wanted.get(iccid)!, refused, 'operator.simCards.added');
}

/**
 * Creates the checked cards in one statement: a card another call adds at the same moment is simply not created here,
 * and reported as already there with the others, by the ICCID as it was typed.
 */
async function addCards(
  db: Db,
  operator: OperatorActor,
  organisationId: string,
  rows: Prisma.SimCardCreateManyInput[],
  typedOf: (iccid: string) => string,
  refused: StockReport<'iccid'>['refused'],
  action: string,
): Promise<StockReport<'iccid'>> {
  const created = await db.simCard.createManyAndReturn({ data: rows, skipDuplicates: true, select: { iccid: true } });
  const createdIccids = new Set(created.map((card) => card.iccid));
  const present = await db.simCard.findMany({
    where: { iccid: { in: rows.map((row) => row.iccid).filter((iccid) => !createdIccids.has(iccid)) } },
    select: { iccid: true, organisationId: true },
  });
  for (const card of present) {
    refused.push({ iccid: typedOf(card.iccid), reason: card.organisationId === organisationId ? ALREADY_IN_STOCK : OTHER_ORGANISATION });
  }
  if (created.length > 0) await auditOperatorChange(db, operator, { organisationId, action, after: { added: created.length, refused: refused.length } });
  return { added: created.length, refused };
}

/**
 * Adds eSIM profiles to the organisation's stock: each its ICCID (checked as a SIM card's) and its activation code
 * (LPA:1$<SM-DP+ address>$<matching id>), with the confirmation code where the profile asks for one.
 */
export async function addEsimProfiles(db: Db, operator: OperatorActor, tenantIdInput: unknown, input: unknown): Promise<StockReport<'iccid'>> {
  const { profiles } = parsed(esimProfilesInputSchema, input, 'eSIM profiles');
  const organisation = await activeOrganisationOf(db, tenantIdInput);
  const refused: StockReport<'iccid'>['refused'] = [];
  const wanted = new Map<string, { typed: string; activationCode: string; confirmationCode: string | null }>();
  const codes = new Set<string>();
  for (const profile of profiles) {
    const iccid = checkIccid(profile.iccid);
    const code = readActivationCode(profile.activationCode);
    const confirmation = profile.confirmationCode === undefined ? undefined : confirmationCodeSchema.safeParse(profile.confirmationCode);
    if (!iccid.ok) refused.push({ iccid: profile.iccid, reason: iccid.message });
    else if (!code.ok) refused.push({ iccid: profile.iccid, reason: activationCodeMessages[code.problem] });
    else if (confirmation && !confirmation.success) refused.push({ iccid: profile.iccid, reason: 'a confirmation code is 4 to 8 digits' });
    else if (code.confirmationRequired && !confirmation) refused.push({ iccid: profile.iccid, reason: 'its activation code asks for a confirmation code, and none is given' });
    else if (wanted.has(iccid.iccid) || codes.has(code.code)) refused.push({ iccid: profile.iccid, reason: LISTED_TWICE });
    else {
      codes.add(code.code);
      wanted.set(iccid.iccid, { typed: profile.iccid, activationCode: code.code, confirmationCode: confirmation?.data ?? null });
    }
  }
  const rows = [...wanted].map(([iccid, profile]) => ({
    iccid, organisationId: organisation.id, form: SimForm.ESIM, activationCode: profile.activationCode, confirmationCode: profile.confirmationCode,
  }));
  return addCards(db, operator, organisation.id, rows, (iccid) => wanted.get(iccid)!.typed, refused, 'operator.esimProfiles.added');
}

/**
 * Gives numbers to the organisation, free for its new services: numbers new to the operator, and free numbers of the
 * operator's pool that no organisation holds yet.
 */
export async function addNumbers(db: Db, operator: OperatorActor, tenantIdInput: unknown, input: unknown): Promise<StockReport<'number'>> {
  const lists = parsed(numbersInputSchema, input, 'numbers');
  const organisation = await activeOrganisationOf(db, tenantIdInput);
  const refused: StockReport<'number'>['refused'] = [];
  const wanted = new Map<string, { typed: string; kind: NumberKind }>();
  const listed: Array<[string, NumberKind]> = [
    ...(lists.mobile ?? []).map((typed): [string, NumberKind] => [typed, NumberKind.MOBILE]),
    ...(lists.fixed ?? []).map((typed): [string, NumberKind] => [typed, NumberKind.FIXED]),
  ];
  for (const [typed, kind] of listed) {
    const check = checkBelgianNumber(typed, kind);
    if (!check.ok) refused.push({ number: typed, reason: check.message });
    else if (wanted.has(check.e164)) refused.push({ number: typed, reason: LISTED_TWICE });
    else wanted.set(check.e164, { typed, kind });
  }
  const e164s = [...wanted.keys()];
  const added = await db.$transaction(async (tx) => {
    // A free number of the pool that no organisation holds becomes this one's, still free.
    const claimed = await tx.phoneNumber.updateManyAndReturn({
      where: { e164: { in: e164s }, state: NumberState.FREE, organisationId: null },
      data: { organisationId: organisation.id },
      select: { e164: true },
    });
    const created = await tx.phoneNumber.createManyAndReturn({
      data: e164s.map((e164) => ({ e164, kind: wanted.get(e164)!.kind, organisationId: organisation.id })),
      skipDuplicates: true,
      select: { e164: true },
    });
    return new Set([...claimed, ...created].map((row) => row.e164));
  });
  const present = await db.phoneNumber.findMany({
    where: { e164: { in: e164s.filter((e164) => !added.has(e164)) } },
    select: { e164: true, organisationId: true },
  });
  for (const row of present) {
    refused.push({ number: wanted.get(row.e164)!.typed, reason: row.organisationId === organisation.id ? ALREADY_IN_STOCK : OTHER_ORGANISATION });
  }
  if (added.size > 0) {
    await auditOperatorChange(db, operator, { organisationId: organisation.id, action: 'operator.numbers.added', after: { added: added.size, refused: refused.length } });
  }
  return { added: added.size, refused };
}

/** The organisation, refused when deactivated: nothing is delivered to an organisation whose people cannot act. */
async function activeOrganisationOf(db: Db, tenantIdInput: unknown) {
  const organisation = await organisationOf(db, tenantIdInput);
  if (organisation.deactivatedAt) {
    throw new OrganisationProblem('deactivated', `the organisation with tenant id ${organisation.tenantId} is deactivated: it receives no stock`);
  }
  return organisation;
}
