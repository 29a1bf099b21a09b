/**
 * SIM card numbers (ICCIDs) as printed on the card: 19 or 20 digits, starting with 89 (telecom), the last digit a
 * Luhn check digit. People type them from the card, so every rule that fails gets its own plain explanation.
 */

export type IccidProblem = 'empty' | 'not-digits' | 'length' | 'prefix' | 'check-digit';

export type IccidCheck =
  | { ok: true; iccid: string }
  | { ok: false; problem: IccidProblem; message: string };

/** Removes what people type between the groups printed on the card. */
export function normaliseIccid(input: string): string {
  return input.replace(/[\s-]+/g, '');
}

/** Groups of four, as printed on the card: easier to compare than 19 digits in a row. */
export function groupedIccid(iccid: string): string {
  return normaliseIccid(iccid).replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** The digit that, appended to `payload`, makes the whole number pass the Luhn check. */
export function luhnCheckDigit(payload: string): string {
  if (!/^\d+$/.test(payload)) throw new Error('luhnCheckDigit needs digits only');
  return String((10 - (luhnSum(payload, true) % 10)) % 10);
}

export function hasValidLuhn(digits: string): boolean {
  return /^\d{2,}$/.test(digits) && luhnSum(digits, false) % 10 === 0;
}

/**
 * Luhn sum, doubling every second digit from the right. When a check digit is still to be appended, the doubling
 * starts at the rightmost digit of `digits`.
 */
function luhnSum(digits: string, checkDigitMissing: boolean): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === (checkDigitMissing ? 0 : 1)) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum;
}

export function checkIccid(input: string): IccidCheck {
  const iccid = normaliseIccid(input);
  if (iccid === '') {
    return fail('empty', 'Please type the SIM card number: the 19 or 20 digits printed on the card, starting with 89.');
  }
  if (!/^\d+$/.test(iccid)) {
    return fail(
      'not-digits',
      'A SIM card number has only digits (spaces and dashes between the groups are fine); this one has other characters.',
    );
  }
  if (iccid.length < 19 || iccid.length > 20) {
    return fail('length', `A SIM card number has 19 or 20 digits; this one has ${iccid.length}.`);
  }
  if (!iccid.startsWith('89')) {
    return fail('prefix', `A SIM card number starts with 89; this one starts with ${iccid.slice(0, 2)}.`);
  }
  if (!hasValidLuhn(iccid)) {
    return fail(
      'check-digit',
      'This SIM card number has a typo somewhere: its last digit does not match the others. Please compare it digit by digit with the card.',
    );
  }
  return { ok: true, iccid };
}

function fail(problem: IccidProblem, message: string): IccidCheck {
  return { ok: false, problem, message };
}

export type TypoKind = 'digit' | 'swap';

export interface TypoCandidate {
  iccid: string;
  kind: TypoKind;
}

/**
 * The numbers in `stock` one typo away from what was typed: one digit wrong, or two neighbouring digits swapped.
 * Used to ask "Did you mean …?" when a number fails its check but a card in stock is that close.
 */
export function typoCandidates(input: string, stock: Iterable<string>): TypoCandidate[] {
  const typed = normaliseIccid(input);
  const found: TypoCandidate[] = [];
  for (const candidate of new Set(stock)) {
    const kind = typoKind(typed, candidate);
    if (kind) found.push({ iccid: candidate, kind });
  }
  return found.sort((a, b) => a.iccid.localeCompare(b.iccid));
}

function typoKind(typed: string, candidate: string): TypoKind | null {
  if (typed.length !== candidate.length) return null;
  const differences: number[] = [];
  for (let i = 0; i < typed.length; i += 1) {
    if (typed[i] !== candidate[i]) {
      differences.push(i);
      if (differences.length > 2) return null;
    }
  }
  const [first, second] = differences;
  if (first === undefined) return null; // identical: not a typo
  if (second === undefined) return 'digit';
  const swapped = second === first + 1 && typed[first] === candidate[second] && typed[second] === candidate[first];
  return swapped ? 'swap' : null;
}

/** A SIM card number in running text: 19 or 20 digits starting with 89, grouped by spaces or dashes as printed. */
export const ICCID_IN_TEXT = /(?<!\d)89(?:[ -]?\d){17,18}(?!\d)/;

/** From the first digit to the last, with what stands between: a number with a letter in it stays one. */
const DIGITS_SPAN = /\d(?:.{0,60}\d)?/s;

/**
 * The SIM card number in what a person typed when asked for one ("my sim is 8932 1001 … thanks"): a whole number in
 * running text, else everything from the first digit to the last when it holds at least 8 (a mistyped number, which
 * the check then explains: too short, a letter O for a zero).
 */
export function simNumberIn(text: string): string | undefined {
  const whole = ICCID_IN_TEXT.exec(text);
  if (whole) return whole[0];
  const span = DIGITS_SPAN.exec(text.slice(0, 200))?.[0];
  return span && span.replace(/\D/g, '').length >= 8 ? span : undefined;
}

/**
 * A message that is nothing but an attempt at a SIM card number (starting with 89, digits in groups), even a
 * mistyped one: checkIccid then says what is wrong with it.
 */
export function isSimNumberAttempt(text: string): boolean {
  // One class to the end: a trailing \s* after it could share every space with it, and backtrack over each split.
  return text.length <= 100 && /^\s*89[\d\s-]{15,98}$/.test(text);
}
