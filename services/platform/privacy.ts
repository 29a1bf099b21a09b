/**
 * Masks what must never reach a log in clear: SIM card numbers (ICCIDs), phone numbers, email addresses and
 * tokens. Keeps the last characters so that support can still tell two values apart.
 *
 * Logs carry whatever people and systems send, a megabyte at times: every pattern does a bounded amount of work per
 * position (capped repetitions), or starts only where a run of its characters starts (a lookbehind), so that
 * masking grows with the text's length, never with its square.
 */
const patterns: Array<[RegExp, (match: string) => string]> = [
  // eSIM activation codes (LPA:1$<SM-DP+ address>$<matching id>[$…]): the whole code installs someone's line
  [/LPA:1\$[^\s"'$]{0,253}(?:\$[^\s"'$]{0,255}){0,3}/g, () => 'LPA:1$…'],
  // The local part and domain at their longest (RFC 5321): unbounded, every character of a long word would scan to its end.
  [/[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}/g, (m) => `${m[0]}***@${m.split('@')[1]}`],
  // ICCIDs and long digit runs, spaces or dashes allowed between groups
  [/\b89(?:[ -]?\d){15,20}\b/g, (m) => `89…${m.replace(/\D/g, '').slice(-2)}`],
  // phone numbers: international or Belgian national format
  [/(?:\+|\b00|\b0)\d(?:[ ./-]?\d){6,14}\b/g, (m) => `…${m.replace(/\D/g, '').slice(-2)}`],
  // JSON Web Tokens: their segments are short enough to escape the next rule, and the payload names a person
  [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{0,8192}\.[A-Za-z0-9_-]{1,8192}(?:\.[A-Za-z0-9_-]{0,8192})?/g, (m) => `${m.slice(0, 4)}…`],
  // link tokens and other long opaque strings; base64url may start or end with '-', which \b would leave behind
  [/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])/g, (m) => `${m.slice(0, 4)}…`],
];

// Record ids stay readable for support; without this, their digit groups read as phone numbers or tokens.
const UUID = /\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/i;

export function maskPersonalData(text: string): string {
  // split() with a capturing group puts the UUIDs at the odd positions.
  return text
    .split(UUID)
    .map((part, i) => (i % 2 === 1 ? part : patterns.reduce((out, [pattern, mask]) => out.replace(pattern, mask), part)))
    .join('');
}

/** Masks every string inside a log record, keys included where they carry values. */
export function maskDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return maskPersonalData(value) as T;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: maskPersonalData(value.message) } as T;
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, depth + 1)) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, depth + 1)])) as T;
}
