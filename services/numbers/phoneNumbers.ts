import { z } from 'zod';
import { parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js/max';
import { NumberKind } from '../../prisma/generated/enums';

/**
 * Belgian phone numbers as people type them ("0470 12 34 56", "+32 470/12.34.56", "0032 2 401 97 00"), checked
 * with libphonenumber-js's full metadata (the only one that tells mobile from fixed) and stored in E.164.
 */

export type PhoneProblem = 'empty' | 'not-a-number' | 'not-belgian' | 'too-short' | 'too-long' | 'invalid' | 'not-mobile' | 'not-fixed';

export type PhoneCheck =
  | { ok: true; e164: string; kind: NumberKind }
  | { ok: false; problem: PhoneProblem; message: string };

// What people put between digits: spaces, dots, slashes, dashes, brackets around the area code.
const typedNumber = /^\+?[\d\s./()-]+$/;

/** Checks a Belgian number; with `expected`, also that it is a mobile (04…) or a fixed (02…, 03…, 09…) number. */
export function checkBelgianNumber(input: string, expected?: NumberKind): PhoneCheck {
  const typed = input.trim();
  if (typed === '') {
    return fail('empty', expected === NumberKind.FIXED
      ? 'Please type the fixed number, for example 02 401 97 00.'
      : 'Please type the mobile number, for example 0470 12 34 56.');
  }
  if (!typedNumber.test(typed) || !/\d/.test(typed)) {
    return fail('not-a-number', 'A phone number has only digits, optionally with + in front and spaces, dots or dashes between the groups.');
  }
  const international = withPlusForBareCountryCode(typed);
  const parsed = parsePhoneNumberFromString(international, 'BE');
  if (parsed && parsed.countryCallingCode !== '32') {
    return fail('not-belgian', `This is not a Belgian number (it starts with +${parsed.countryCallingCode}): only Belgian numbers can be used here.`);
  }
  // 0470 12 34 has as many digits as a fixed number, so the library finds its length fine: mobile numbers
  // (national part starting with 4) always have nine digits after the 0.
  // The library keeps the trunk 0 of a number it cannot place, hence the replace.
  const national = parsed?.nationalNumber.replace(/^0/, '') ?? '';
  const mobileDigits = national.startsWith('4') ? national.length : undefined;
  const length = mobileDigits === undefined
    ? validatePhoneNumberLength(international, 'BE')
    : mobileDigits < 9 ? 'TOO_SHORT' : mobileDigits > 9 ? 'TOO_LONG' : undefined;
  if (length === 'TOO_SHORT') return fail('too-short', 'This number has too few digits: a Belgian mobile number has 10 digits (0470 12 34 56), a fixed one 9 (02 401 97 00).');
  if (length === 'TOO_LONG') return fail('too-long', 'This number has too many digits: a Belgian mobile number has 10 digits (0470 12 34 56), a fixed one 9 (02 401 97 00).');
  if (!parsed || !parsed.isValid()) {
    return fail('invalid', 'This is not a Belgian phone number in use: please check the digits.');
  }
  const type = parsed.getType();
  const kind = type === 'MOBILE' ? NumberKind.MOBILE : type === 'FIXED_LINE' ? NumberKind.FIXED : undefined;
  if (expected === NumberKind.MOBILE && kind !== NumberKind.MOBILE) {
    return fail('not-mobile', 'This is not a Belgian mobile number: mobile numbers start with 04 (for example 0470 12 34 56).');
  }
  if (expected === NumberKind.FIXED && kind !== NumberKind.FIXED) {
    return fail('not-fixed', 'This is not a Belgian fixed number: fixed numbers start with an area code such as 02, 03 or 09.');
  }
  if (!kind) return fail('invalid', 'This Belgian number is neither a mobile nor a fixed line (for example a 0800 or 090x number).');
  return { ok: true, e164: parsed.number, kind };
}

export function checkBelgianMobile(input: string): PhoneCheck {
  return checkBelgianNumber(input, NumberKind.MOBILE);
}

/** "32470123456" typed without + or 00 is an international number, not a national one with too many digits. */
function withPlusForBareCountryCode(typed: string): string {
  const digits = typed.replace(/\D/g, '');
  return !typed.startsWith('+') && /^32[1-9]\d{7,8}$/.test(digits) ? `+${digits}` : typed;
}

/**
 * A stored number as a person reads it, wherever one is shown: a Belgian number the way Belgians write it
 * ("0470 12 34 56", "02 401 97 00"), any other in the international format ("+31 6 12345678"), and what is no number
 * at all (an old row) as it is. Files meant as data (CSV exports) keep E.164.
 */
export function formatBelgianNational(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  return parsed.countryCallingCode === '32' ? parsed.formatNational() : parsed.formatInternational();
}

function fail(problem: PhoneProblem, message: string): PhoneCheck {
  return { ok: false, problem, message };
}

function numberSchema(expected?: NumberKind) {
  return z.string().transform((input, ctx) => {
    const result = checkBelgianNumber(input, expected);
    if (result.ok) return result.e164;
    ctx.addIssue({ code: 'custom', message: result.message, params: { problem: result.problem } });
    return z.NEVER;
  });
}

/** For boundaries: a Belgian mobile number in, its E.164 form out, or an issue with the person-facing message. */
export const belgianMobileSchema = numberSchema(NumberKind.MOBILE);
