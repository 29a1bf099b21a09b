import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';

/**
 * An import's file as it arrives: the template's columns, and the formats read (CSV, XLSX), streamed row by row
 * within the limits. A file that is not an import at all is rejected (FileRejected), and nothing is kept of it.
 */

export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_ROWS = 5_000;

/** The template's columns, in order; names are matched without regard to case, spaces or dashes. */
export const templateColumns = [
  'user_email',
  'product_type',
  'service_type',
  'bundle',
  'options',
  'number_option',
  'number',
  'donor_operator',
  'holder_kind',
  'holder_name',
  'holder_vat',
  'line_type',
  'current_sim_number',
  'customer_number',
  'wish_date',
  'move_from_number',
  'sim_card_number',
  'fixed_number',
  'take_over_fixed_number',
  'activation_method',
  'activation_when',
  // A user no one of the organisation has yet is added with this name and language; last and optional, so that files
  // made from the template before them still import.
  'user_name',
  'user_language',
  // A physical SIM card (empty) or an eSIM; optional for the same reason.
  'sim_type',
] as const;
export type TemplateColumn = (typeof templateColumns)[number];

/** Columns a file may leave out: their cells read as empty. */
const optionalColumns: readonly TemplateColumn[] = ['user_name', 'user_language', 'sim_type'];

/** The column the validation report adds; a corrected report can be sent again as it is. */
export const ERROR_COLUMN = 'error';

export type FileFormat = 'csv' | 'xlsx';

export type FileRejection = 'not-csv-or-xlsx' | 'empty' | 'headers' | 'too-big' | 'too-many-rows' | 'unreadable';

/** A file that cannot be read as an import at all; nothing was kept of it. */
export class FileRejected extends Error {
  constructor(
    readonly reason: FileRejection,
    readonly details: { missing?: string[]; unknown?: string[] } = {},
  ) {
    super(`file rejected: ${reason}`);
    this.name = 'FileRejected';
  }
}

/** The format a file's name says, if it is one we read. */
export function fileFormatOf(fileName: string): FileFormat | null {
  const extension = /\.([a-z0-9]+)$/i.exec(fileName.trim())?.[1]?.toLowerCase();
  return extension === 'csv' ? 'csv' : extension === 'xlsx' ? 'xlsx' : null;
}

/** A row's cells by template column. */
export type RowCells = Record<TemplateColumn, string>;

export interface IncomingFile {
  name: string;
  /** Its bytes as they arrive; read at most up to MAX_FILE_BYTES. */
  content: Readable;
  /** The size the sender announced, if any: a file announced too big is not read at all. */
  declaredBytes?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the file

/** Stops the stream with `too-big` past the limit, so that a file is never read further than that. */
function byteLimit(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) callback(new FileRejected('too-big'));
      else callback(null, chunk);
    },
  });
}

const columnKey = (name: string) => name.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** A spreadsheet-safe cell written by our own report ('+32…) reads back as what it was. */
export const unquote = (value: string) => (/^'[=+\-@]/.test(value) ? value.slice(1) : value);

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  // Excel keeps a date and time without a zone (the reader needs the styles to know a date): its wall-clock reading is
  // in the UTC fields.
  if (value instanceof Date) return value.toISOString().slice(0, 16).replace('T', ' ');
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((part) => part.text).join('');
    if ('text' in value) return String(value.text);
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    return '';
  }
  return String(value);
}

async function* csvRecords(source: Readable): AsyncGenerator<string[]> {
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, trim: true, max_record_size: 64 * 1024 });
  let failure: unknown;
  // A reader that stops early (too many rows) ends the pipeline too: that is no failure of the file.
  const piped = pipeline(source, byteLimit(MAX_FILE_BYTES), parser).catch((error: unknown) => {
    failure = error;
  });
  for await (const record of parser) yield record as string[];
  await piped;
  if (failure) throw failure;
}

async function* xlsxRecords(source: Readable): AsyncGenerator<string[]> {
  const limited = source.pipe(byteLimit(MAX_FILE_BYTES));
  let failure: unknown;
  source.on('error', (error) => limited.destroy(error));
  limited.on('error', (error) => (failure = error));
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(limited, { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', worksheets: 'emit', entries: 'emit' });
  try {
    for await (const sheet of workbook) {
      for await (const row of sheet) {
        const values = Array.isArray(row.values) ? row.values.slice(1) : [];
        const cells = Array.from(values, (value) => cellText(value as ExcelJS.CellValue).trim());
        if (cells.some((cell) => cell !== '')) yield cells;
      }
      // Only the first sheet holds services; the template's second sheet explains the values.
      break;
    }
  } catch (error) {
    throw failure ?? error;
  } finally {
    limited.destroy();
  }
  if (failure) throw failure;
}

/** The file's records, header first, as trimmed strings; a file we cannot parse is `unreadable`. */
export async function* recordsOf(format: FileFormat, source: Readable): AsyncGenerator<string[]> {
  try {
    yield* format === 'csv' ? csvRecords(source) : xlsxRecords(source);
  } catch (error) {
    if (error instanceof FileRejected) throw error;
    throw new FileRejected('unreadable');
  }
}

/** Where each template column is in the file's header (-1 for an optional one left out), or why the header is not the template's. */
export function headerIndex(header: string[]): Record<TemplateColumn, number> {
  const keys = header.map(columnKey);
  const missing = templateColumns.filter((column) => !keys.includes(column) && !optionalColumns.includes(column));
  const unknown = header.filter((_, i) => keys[i] !== '' && !(templateColumns as readonly string[]).includes(keys[i]!) && keys[i] !== ERROR_COLUMN);
  if (missing.length > 0 || unknown.length > 0) throw new FileRejected('headers', { missing, unknown });
  return Object.fromEntries(templateColumns.map((column) => [column, keys.indexOf(column)])) as Record<TemplateColumn, number>;
}

/** A file's content as a stream, from bytes already in memory (the web chat's upload). */
export function contentOf(bytes: Buffer): Readable {
  return Readable.from([bytes]);
}
