import { z } from 'zod';

/**
 * Belgian VAT numbers (the company number with BE in front): BE, then 10 digits starting with 0 or 1, the last two
 * being 97 minus the first eight modulo 97. Old 9-digit numbers get their leading 0 back.
 */

export type VatProblem = 'empty' | 'not-belgian' | 'format' | 'first-digit' | 'check-digits';

export type VatCheck = { ok: true; vat: string } | { ok: false; problem: VatProblem; message: string };

/** "be 0123.456.749", "BE-0123 456 749", "0123456749", "123456749" → "BE0123456749" (not yet checked). */
export function normaliseVat(input: string): string {
  const compact = input.toUpperCase().replace(/[\s.\-/]+/g, '');
  const digits = compact.startsWith('BE') ? compact.slice(2) : compact;
  return /^\d{9}$/.test(digits) ? `BE0${digits}` : `BE${digits}`;
}

/** The two check digits for the first eight digits of a Belgian company number. */
export function vatCheckDigits(firstEight: string): string {
  if (!/^\d{8}$/.test(firstEight)) throw new Error('vatCheckDigits needs exactly 8 digits');
  return String(97 - (Number(firstEight) % 97)).padStart(2, '0');
}

export function checkBelgianVat(input: string): VatCheck {
  const typed = input.trim();
  if (typed === '') return fail('empty', 'Please type the company\'s VAT number, for example BE 0123.456.749.');
  const compact = typed.toUpperCase().replace(/[\s.\-/]+/g, '');
  if (/^[A-Z]{2}/.test(compact) && !compact.startsWith('BE')) {
    return fail('not-belgian', `This is not a Belgian VAT number (it starts with ${compact.slice(0, 2)}): a Belgian one starts with BE.`);
  }
  const vat = normaliseVat(typed);
  if (!/^BE\d{10}$/.test(vat)) {
    return fail('format', 'A Belgian VAT number is BE followed by 10 digits, for example BE 0123.456.749.');
  }
  if (vat[2] !== '0' && vat[2] !== '1') {
    return fail('first-digit', 'A Belgian VAT number\'s 10 digits start with 0 or 1, for example BE 0123.456.749.');
  }
  if (vatCheckDigits(vat.slice(2, 10)) !== vat.slice(10)) {
    return fail('check-digits', 'This VAT number has a typo somewhere: its last two digits do not match the others. Please compare it with an invoice of the company.');
  }
  return { ok: true, vat };
}

/** "BE0123456749" → "BE 0123.456.749", the way it is printed on invoices. */
export function formatVat(vat: string): string {
  const match = /^BE(\d{4})(\d{3})(\d{3})$/.exec(vat);
  if (!match) throw new Error('formatVat needs a normalised Belgian VAT number');
  return `BE ${match[1]}.${match[2]}.${match[3]}`;
}

function fail(problem: VatProblem, message: string): VatCheck {
  return { ok: false, problem, message };
}

export const belgianVatSchema = z.string().transform((input, ctx) => {
  const result = checkBelgianVat(input);
  if (result.ok) return result.vat;
  ctx.addIssue({ code: 'custom', message: result.message, params: { problem: result.problem } });
  return z.NEVER;
});
