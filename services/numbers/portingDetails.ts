import { z } from 'zod';
import { HolderKind, LineType, Role } from '../../prisma/generated/enums';
import type { PortingRequest } from '../../prisma/generated/client';
import type { Db } from '../platform/db/database';
import { donorOperatorName, isDonorOperatorCode, type DonorOperatorCode } from './donorOperators';
import { requireRole, type Actor } from '../people/people';
import { checkBelgianMobile } from './phoneNumbers';
import { portingInProgress } from './portingEvents';
import { checkIccid } from '../simCards/simNumber';
import { checkBelgianVat } from './vatNumber';
import {
  addWorkingDays,
  brusselsDate,
  isCalendarDate,
  isWeekend,
  publicHolidayName,
  toCalendarDate,
  type CalendarDate,
} from '../platform/workingDays';

/**
 * Porting a number from another Belgian operator, before the donor sees it: the details an administrator gives, and
 * the checks that can be made on them (services/numbers/portingRequests.ts records the request).
 */

/** The porting form as submitted: shape only, so that the pre-check can explain every problem at once. */
export const portingDetailsSchema = z.object({
  number: z.string().trim().max(40),
  donorOperator: z.string().trim().max(40),
  holderKind: z.enum(HolderKind),
  holderName: z.string().trim().max(200),
  holderVat: z.string().trim().max(40).optional(),
  lineType: z.enum(LineType),
  currentSimNumber: z.string().trim().max(40).optional(),
  customerNumber: z.string().trim().max(40).optional(),
  /** YYYY-MM-DD, a date in Belgium. */
  wishDate: z.string().trim().max(10).optional(),
});
export type PortingDetailsInput = z.input<typeof portingDetailsSchema>;

export type PortingField = keyof z.output<typeof portingDetailsSchema>;

/** The details as stored on a PortingRequest. */
export interface PortingDetails {
  e164: string;
  donorOperator: DonorOperatorCode;
  holderKind: HolderKind;
  holderName: string;
  holderVat: string | null;
  lineType: LineType;
  currentSimNumber: string | null;
  customerNumber: string | null;
  wishDate: CalendarDate | null;
}

export type PrecheckCode =
  | 'number-invalid'
  | 'number-already-ours'
  | 'porting-in-progress'
  | 'operator-unknown'
  | 'holder-name-missing'
  | 'company-without-vat'
  | 'vat-invalid'
  | 'prepaid-customer-number'
  | 'prepaid-sim-missing'
  | 'sim-number-invalid'
  | 'subscription-sim-number'
  | 'subscription-customer-missing'
  | 'customer-number-invalid'
  | 'wish-date-invalid'
  | 'wish-date-past'
  | 'wish-date-not-working-day'
  | 'wish-date-too-soon';

export interface PrecheckWarning {
  code: PrecheckCode;
  field: PortingField;
  message: string;
  /** A blocking warning means the donor would refuse; the others only tell what will happen. */
  blocking: boolean;
}

/** What only the database knows about the number. */
export interface PrecheckContext {
  now: Date;
  numberIsOurs: boolean;
  portingInProgress: boolean;
}

export type PrecheckResult =
  | { ok: true; details: PortingDetails; warnings: PrecheckWarning[] }
  | { ok: false; warnings: PrecheckWarning[] };

/** Working days a donor needs: a person's number ports within one, a company's within three. */
export function portingWorkingDays(holderKind: HolderKind): number {
  return holderKind === HolderKind.COMPANY ? 3 : 1;
}

/** The first date a porting can happen if requested at `now`. */
export function earliestPortingDate(holderKind: HolderKind, now: Date): CalendarDate {
  return addWorkingDays(brusselsDate(now), portingWorkingDays(holderKind));
}

// Customer numbers differ per operator (digits, sometimes letters and dashes); only the shape is checked.
const customerNumberPattern = /^[A-Za-z0-9][A-Za-z0-9 ./-]{3,30}$/;

/** Checks porting details against everything that can be known before the donor answers. */
export function precheckPorting(input: PortingDetailsInput, context: PrecheckContext): PrecheckResult {
  const details = portingDetailsSchema.parse(input);
  const warnings: PrecheckWarning[] = [];
  const warn = (code: PrecheckCode, field: PortingField, message: string, blocking = true) =>
    warnings.push({ code, field, message, blocking });

  const number = checkBelgianMobile(details.number);
  if (!number.ok) {
    warn('number-invalid', 'number', number.message);
  } else if (context.numberIsOurs) {
    warn('number-already-ours', 'number',
      'This number is already a Dstny number: choose "Port an existing Dstny service" to move it within your organisation.');
  } else if (context.portingInProgress) {
    warn('porting-in-progress', 'number',
      'A transfer of this number is already in progress: a number can only be transferred once at a time. Wait for it to finish or be refused.');
  }

  const operator = isDonorOperatorCode(details.donorOperator) ? details.donorOperator : null;
  if (!operator) warn('operator-unknown', 'donorOperator', 'Please choose the operator the number is with today from the list.');
  const operatorName = operator ? donorOperatorName(operator) : 'the current operator';

  if (details.holderName === '') {
    warn('holder-name-missing', 'holderName', details.holderKind === HolderKind.COMPANY
      ? 'Please give the name of the company that holds the number, as on its invoices.'
      : 'Please give the name of the person who holds the number.');
  }
  let vat: string | null = null;
  if (details.holderVat) {
    const checked = checkBelgianVat(details.holderVat);
    if (checked.ok) vat = checked.vat;
    else warn('vat-invalid', 'holderVat', checked.message);
  } else if (details.holderKind === HolderKind.COMPANY) {
    warn('company-without-vat', 'holderVat',
      `A number held by a company needs the company's VAT number: ${operatorName} checks it before letting the number go.`);
  }

  let sim: string | null = null;
  let customer: string | null = null;
  if (details.lineType === LineType.PREPAID) {
    if (!details.currentSimNumber) {
      if (details.customerNumber) {
        warn('prepaid-customer-number', 'currentSimNumber',
          'A prepaid number needs the current SIM card\'s number, not a customer number. It is printed on the SIM card that is in the phone now (19 or 20 digits, starting with 89).');
      } else {
        warn('prepaid-sim-missing', 'currentSimNumber',
          'A prepaid number needs the number of the SIM card that is in the phone now: 19 or 20 digits printed on the card, starting with 89.');
      }
    } else {
      const checked = checkIccid(details.currentSimNumber);
      if (checked.ok) sim = checked.iccid;
      else warn('sim-number-invalid', 'currentSimNumber', checked.message);
    }
  } else if (!details.customerNumber) {
    if (details.currentSimNumber) {
      warn('subscription-sim-number', 'customerNumber',
        `A subscription needs the customer number at ${operatorName}, not the SIM card's number. It is on every ${operatorName} invoice.`);
    } else {
      warn('subscription-customer-missing', 'customerNumber',
        `A subscription needs the customer number at ${operatorName}: it is on every ${operatorName} invoice.`);
    }
  } else if (!customerNumberPattern.test(details.customerNumber)) {
    warn('customer-number-invalid', 'customerNumber',
      `This does not look like a customer number: copy it from a ${operatorName} invoice (letters and digits, at least 4).`);
  } else {
    customer = details.customerNumber.replace(/\s+/g, '');
  }

  const wishDate = details.wishDate ? checkWishDate(details.wishDate, details.holderKind, context.now, warn) : null;

  const blocked = warnings.some((w) => w.blocking);
  if (blocked || !number.ok || !operator) return { ok: false, warnings };
  return {
    ok: true,
    warnings,
    details: {
      e164: number.e164,
      donorOperator: operator,
      holderKind: details.holderKind,
      holderName: details.holderName,
      holderVat: vat,
      lineType: details.lineType,
      currentSimNumber: sim,
      customerNumber: customer,
      wishDate,
    },
  };
}

function checkWishDate(
  date: string,
  holderKind: HolderKind,
  now: Date,
  warn: (code: PrecheckCode, field: PortingField, message: string, blocking?: boolean) => void,
): CalendarDate | null {
  if (!isCalendarDate(date)) {
    warn('wish-date-invalid', 'wishDate', 'Please choose the wish date from the calendar.');
    return null;
  }
  if (date < brusselsDate(now)) {
    warn('wish-date-past', 'wishDate', 'The wish date is in the past: choose a working day from tomorrow on, or leave it empty for the earliest date.');
    return null;
  }
  const holiday = publicHolidayName(date);
  if (isWeekend(date) || holiday) {
    warn('wish-date-not-working-day', 'wishDate', holiday
      ? `The wish date is a public holiday (${holiday}): numbers are only transferred on working days.`
      : 'The wish date falls in a weekend: numbers are only transferred on working days (Monday to Friday).');
    return null;
  }
  const earliest = earliestPortingDate(holderKind, now);
  if (date < earliest) {
    const kind = holderKind === HolderKind.COMPANY ? 'a company\'s number takes three working days' : 'a person\'s number takes one working day';
    warn('wish-date-too-soon', 'wishDate', `The wish date is too soon: transferring ${kind}, so the earliest date is ${earliest}. The transfer will happen then.`, false);
    return earliest;
  }
  return date;
}

/** The pre-check with what the database knows: whether the number is already Dstny's or being ported. */
export async function precheckPortingFor(db: Db, actor: Actor, input: PortingDetailsInput, now = new Date()): Promise<PrecheckResult> {
  requireRole(actor, Role.ADMINISTRATOR, Role.SUPPORT);
  const details = portingDetailsSchema.parse(input);
  const number = checkBelgianMobile(details.number);
  const context: PrecheckContext = { now, numberIsOurs: false, portingInProgress: false };
  if (number.ok) {
    // Only what the asker's own organisation holds: whether another customer has this number is not theirs to learn.
    const organisationId = actor.organisationId;
    context.numberIsOurs = (await db.phoneNumber.findFirst({ where: { e164: number.e164, organisationId }, select: { id: true } })) !== null;
    context.portingInProgress = await portingInProgress(db, number.e164, { organisationId });
  }
  return precheckPorting(details, context);
}

/** The stored details of a request as form input, for "Fix" to open pre-filled. */
export function portingDetailsOf(request: PortingRequest): PortingDetailsInput {
  return {
    number: request.e164,
    donorOperator: request.donorOperator,
    holderKind: request.holderKind,
    holderName: request.holderName,
    holderVat: request.holderVat ?? undefined,
    lineType: request.lineType,
    currentSimNumber: request.currentSimNumber ?? undefined,
    customerNumber: request.customerNumber ?? undefined,
    wishDate: request.wishDate ? toCalendarDate(request.wishDate) : undefined,
  };
}
