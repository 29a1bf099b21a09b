import { z } from 'zod';

/** A UTF-16 surrogate without its pair: not a character, and PostgreSQL refuses to store it (as it does NUL). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const NUL = /\u0000/g;

/** Text that can be stored and shown: no NUL byte, no unpaired surrogate. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !new RegExp(LONE_SURROGATE.source).test(text);
}

/** The text without what cannot be stored: NUL bytes and unpaired surrogates removed. */
export function storableText(text: string): string {
  return text.replace(NUL, '').replace(LONE_SURROGATE, '');
}

/** Every string in a parsed JSON value made storable: for input the person typed, which loses nothing they meant. */
export function storableJson<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map((item) => storableJson(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(key), storableJson(item)])) as T;
  }
  return value;
}

/** True when every string (and key) of a parsed JSON value is storable. */
export function isStorableJson(value: unknown): boolean {
  if (typeof value === 'string') return isStorableText(value);
  if (Array.isArray(value)) return value.every((item) => isStorableJson(item));
  if (value !== null && typeof value === 'object') return Object.entries(value).every(([key, item]) => isStorableText(key) && isStorableJson(item));
  return true;
}

/** A string field of a system's message (a webhook, an API): refused, not altered, when it cannot be stored. */
export const storableString = () => z.string().refine(isStorableText, { message: 'contains a NUL byte or an unpaired UTF-16 surrogate' });
