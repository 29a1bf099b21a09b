import { stringify } from 'csv-stringify/sync';

/** A spreadsheet would run a cell starting with one of these as a formula: the quote makes it text. */
const FORMULA_START = /^[=+\-@\t\r]/;

function safeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * RFC 4180 CSV (CRLF, quoted where needed), with a byte order mark so that spreadsheets read the accents right, and
 * no cell a spreadsheet would take for a formula.
 */
export function toCsv(header: string[], records: string[][]): string {
  // The library quotes only line breaks matching its record delimiter; RFC 4180 wants any CR or LF quoted.
  return stringify([header, ...records].map((record) => record.map(safeCell)), { record_delimiter: 'windows', bom: true, quoted_match: /[\r\n]/ });
}
