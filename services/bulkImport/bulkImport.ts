import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import { Prisma, type BulkImport } from '../../prisma/generated/client';
import {
  ActivationMethod,
  ActivationTiming,
  BulkImportStatus,
  BulkStart,
  HolderKind,
  LineType,
  NumberKind,
  NumberOption,
  Role,
  ServiceStatus,
} from '../../prisma/generated/enums';
import { scheduleStart } from '../lifecycle/activation';
import { contractCatalog, localisedSchema, namesList, type CatalogProduct, type CatalogServiceType, type Localised } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import { donorOperators } from '../numbers/donorOperators';
import { enqueue, jobHandler, type JobHandler } from '../platform/jobQueue';
import { listFreeFixedNumbers, releaseNumber, reserveNumber } from '../numbers/numberPool';
import { toCsv } from '../fleet/overview';
import { AccessDenied, refuse, type Actor } from '../people/people';
import { checkBelgianMobile, checkBelgianNumber } from '../numbers/phoneNumbers';
import { precheckPortingFor, type PortingDetailsInput, type PortingField, type PrecheckCode } from '../numbers/porting';
import {
  automaticActivationAllowed,
  checkSimForService,
  FixedOption,
  fixedNumberFor,
  movableNumbers,
  saveService,
  serviceDraftSchema,
  SimOption,
  stepInputSchemas,
  stepsOf,
  summaryCardPlaceSchema,
  type ServiceDraft,
  type SummaryCardPlace,
} from '../addService/addService';
import { normaliseIccid } from '../simCards/simNumber';
import { plainText } from '../people/userSearch';
import { brusselsInstant, isCalendarDate } from '../platform/workingDays';

/**
 * Bulk migration: a whole company's services from one file (CSV or XLSX, one row per service). The file is streamed
 * row by row; each row is checked with the add-service flow's own rules (its schemas, saveService's checks, the
 * porting pre-check, the SIM stock) and stored as the order it describes or as what is wrong with it. Nothing is
 * created until the administrator confirms; then a job creates the services in batches, each row once (its
 * idempotency key is "<import id>:<row number>"), so a crash halfway resumes without duplicates.
 */

export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_ROWS = 5_000;
export const REPORT_PAGE_SIZE = 10;
const BATCH_SIZE = 25;
/** Rows of a batch created at the same time: each takes its own number, SIM card and porting, so they do not collide. */
const PARALLEL_ROWS = 4;
/** Rows buffered before they are written during validation: memory stays flat whatever the file's length. */
const WRITE_CHUNK = 200;

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
] as const;
export type TemplateColumn = (typeof templateColumns)[number];

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

// ---------------------------------------------------------------------------------------------------------------
// Access

const refuseImport = (db: Db, actor: Actor, reason: string, importId: string | null = null) =>
  refuse(db, actor, { action: 'bulkImport.denied', subjectType: 'BulkImport', subjectId: importId, reason });

async function requireAdministrator(db: Db, actor: Actor, importId: string | null = null): Promise<void> {
  if (actor.role !== Role.ADMINISTRATOR) await refuseImport(db, actor, `role ${actor.role} may not import services`, importId);
}

/** The import if it is the administrator's organisation's; another organisation's (a replayed card) is refused. */
async function importFor(db: Db, actor: Actor, importId: string): Promise<BulkImport> {
  const wellFormed = z.uuid().safeParse(importId).success;
  await requireAdministrator(db, actor, wellFormed ? importId : null);
  const found = wellFormed ? await db.bulkImport.findUnique({ where: { id: importId } }) : null;
  if (!found || found.organisationId !== actor.organisationId) return refuseImport(db, actor, 'no such import in this organisation', found ? importId : null);
  return found;
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
const unquote = (value: string) => (/^'[=+\-@]/.test(value) ? value.slice(1) : value);

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
async function* recordsOf(format: FileFormat, source: Readable): AsyncGenerator<string[]> {
  try {
    yield* format === 'csv' ? csvRecords(source) : xlsxRecords(source);
  } catch (error) {
    if (error instanceof FileRejected) throw error;
    throw new FileRejected('unreadable');
  }
}

/** Where each template column is in the file's header, or why the header is not the template's. */
function headerIndex(header: string[]): Record<TemplateColumn, number> {
  const keys = header.map(columnKey);
  const missing = templateColumns.filter((column) => !keys.includes(column));
  const unknown = header.filter((_, i) => keys[i] !== '' && !(templateColumns as readonly string[]).includes(keys[i]!) && keys[i] !== ERROR_COLUMN);
  if (missing.length > 0 || unknown.length > 0) throw new FileRejected('headers', { missing, unknown });
  return Object.fromEntries(templateColumns.map((column) => [column, keys.indexOf(column)])) as Record<TemplateColumn, number>;
}

// ---------------------------------------------------------------------------------------------------------------
// Checking a row

export type RowCells = Record<TemplateColumn, string>;

/** A problem's values; catalog names in every language, for a report read in any. */
export type ProblemVars = Record<string, string | Localised>;

/** What is wrong with one cell: a string key of the flow's or the import's catalogue, with its values. */
export interface RowProblem {
  column: TemplateColumn;
  message: string;
  vars?: ProblemVars;
  /** A porting pre-check's rule, worded by the same sentences as the flow's porting card. */
  porting?: PrecheckCode;
}

/** The order a valid row describes: the flow's draft, and the moment the row asks the service to start. */
export const bulkDraftSchema = serviceDraftSchema.extend({
  startAt: z.iso.datetime().optional(),
  /** No fixed number named: the first free one is taken when the service is created. */
  anyFreeFixedNumber: z.boolean().optional(),
});
export type BulkDraft = z.output<typeof bulkDraftSchema>;

export const rowProblemSchema = z.object({
  column: z.enum(templateColumns),
  message: z.string(),
  vars: z.record(z.string(), z.union([z.string(), localisedSchema])).optional(),
  porting: z.string().optional(),
});
const cellsSchema = z.record(z.string(), z.string());

const portingColumn: Record<PortingField, TemplateColumn> = {
  number: 'number',
  donorOperator: 'donor_operator',
  holderKind: 'holder_kind',
  holderName: 'holder_name',
  holderVat: 'holder_vat',
  lineType: 'line_type',
  currentSimNumber: 'current_sim_number',
  customerNumber: 'customer_number',
  wishDate: 'wish_date',
};

/** The words a cell may hold for a choice, in the three languages of the template's help. */
function wordsFor<T extends string>(choices: Record<T, string[]>): (cell: string) => T | undefined {
  const index = new Map<string, T>();
  for (const [value, words] of Object.entries(choices) as Array<[T, string[]]>) for (const word of words) index.set(plainText(word), value);
  return (cell) => index.get(plainText(cell));
}

const numberOptionOf = wordsFor<NumberOption>({
  NEW: ['new', 'nieuw', 'nouveau', 'new number'],
  PORT: ['port', 'porting', 'overzetten', 'porter', 'portage'],
  MOVE: ['move', 'verplaatsen', 'transfert', 'deplacer'],
});
const holderKindOf = wordsFor<HolderKind>({ COMPANY: ['company', 'bedrijf', 'entreprise', 'societe'], PERSON: ['person', 'persoon', 'personne', 'private'] });
const lineTypeOf = wordsFor<LineType>({ SUBSCRIPTION: ['subscription', 'abonnement', 'postpaid'], PREPAID: ['prepaid', 'herlaadkaart', 'prepaye', 'carte prepayee'] });
const methodOf = wordsFor<ActivationMethod>({ EMAIL: ['email', 'e-mail', 'mail', 'courriel'], AUTOMATIC: ['automatic', 'automatisch', 'automatique', 'auto'] });
const yesOf = wordsFor<'yes' | 'no'>({ yes: ['yes', 'ja', 'oui', 'y', 'true', '1'], no: ['no', 'nee', 'non', 'n', 'false', '0', ''] });
const timingOf = wordsFor<ActivationTiming>({ NOW: ['now', 'nu', 'maintenant', 'immediately'], LATER: ['later', 'plus tard', 'wait'] });
const operatorOf = (cell: string) => donorOperators.find((operator) => [operator.code, operator.name].some((word) => plainText(word) === plainText(cell)))?.code;

// A cell may name the catalog by code or by its name in any language.
const byName = (cell: string) => (item: { code: string; name: Localised }) =>
  [item.code, ...Object.values(item.name)].some((word) => plainText(word) === plainText(cell));

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::\d{2})?$/;

type RowCheck = { ok: true; draft: BulkDraft } | { ok: false; problems: RowProblem[] };

/**
 * Checks rows against the organisation as it is now, with what earlier rows of the same file already claim (a SIM
 * card, a number to port or move, a fixed number can be used once).
 */
class RowChecker {
  private readonly claimed = new Map<string, number>();

  private constructor(
    private readonly db: Db,
    private readonly actor: Actor,
    private readonly catalog: CatalogProduct[],
    private readonly movable: Map<string, string>,
    private readonly now: Date,
  ) {}

  static async open(db: Db, actor: Actor, now: Date): Promise<RowChecker> {
    const movable = new Map((await movableNumbers(db, actor)).map((number) => [number.e164, number.serviceId]));
    return new RowChecker(db, actor, await contractCatalog(db, actor), movable, now);
  }

  /** The row that already claimed `key`, or undefined after claiming it for `rowNumber`. */
  private claim(key: string, rowNumber: number): number | undefined {
    const first = this.claimed.get(key);
    if (first === undefined) this.claimed.set(key, rowNumber);
    return first;
  }

  /** The people of the organisation with these emails, by lower-case email: one query for a chunk of rows. */
  async usersByEmail(emails: string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(emails.filter(Boolean).map((email) => email.toLowerCase()))];
    const people = wanted.length === 0
      ? []
      : await this.db.person.findMany({ where: { organisationId: this.actor.organisationId, email: { in: wanted, mode: 'insensitive' } }, select: { id: true, email: true } });
    return new Map(people.map((person) => [person.email.toLowerCase(), person.id]));
  }

  async check(rowNumber: number, cells: RowCells, users: Map<string, string>): Promise<RowCheck> {
    const problems: RowProblem[] = [];
    const problem = (column: TemplateColumn, message: string, vars?: ProblemVars) => problems.push({ column, message, ...(vars ? { vars } : {}) });
    const draft: BulkDraft = { optionCodes: [] };

    const email = cells.user_email;
    const userId = users.get(email.toLowerCase());
    if (!email) problem('user_email', 'bulkImport.problem.userMissing');
    else if (!userId) problem('user_email', 'bulkImport.problem.userUnknown', { value: email });
    else draft.userId = userId;

    const type = this.serviceTypeOf(cells, draft, problem);
    if (type) this.checkBundle(cells, type, draft, problem);

    const steps = type ? stepsOf(type) : { number: false, sim: false, fixedNumber: false };
    if (type && steps.number) await this.checkNumber(rowNumber, cells, draft, problems, problem);
    if (type && steps.sim) await this.checkSim(rowNumber, cells, draft, problem);
    if (type && steps.fixedNumber) await this.checkFixedNumber(rowNumber, cells, draft, problem);
    if (type) {
      const notApplicable = ([
        ...(steps.number ? [] : ['number_option', 'number', 'move_from_number'] as const),
        ...(steps.sim ? [] : ['sim_card_number'] as const),
        ...(steps.fixedNumber ? [] : ['fixed_number'] as const),
      ] as TemplateColumn[]).filter((column) => cells[column] !== '');
      for (const column of notApplicable) problem(column, 'bulkImport.problem.notApplicable', { type: type.name });
    }
    this.checkActivation(cells, type, draft, problem);
    return problems.length === 0 ? { ok: true, draft } : { ok: false, problems };
  }

  private serviceTypeOf(cells: RowCells, draft: BulkDraft, problem: (column: TemplateColumn, message: string, vars?: ProblemVars) => void): CatalogServiceType | undefined {
    const product = this.catalog.find(byName(cells.product_type));
    if (!cells.product_type) return void problem('product_type', 'addService.error.chooseProduct');
    if (!product) return void problem('product_type', 'bulkImport.problem.product', { value: cells.product_type, expected: namesList(this.catalog) });
    draft.productTypeCode = product.code;
    if (!cells.service_type) return void problem('service_type', 'addService.error.chooseServiceType');
    const type = product.serviceTypes.find(byName(cells.service_type));
    if (type) {
      draft.serviceTypeCode = type.code;
      return type;
    }
    const elsewhere = this.catalog.find((other) => other.serviceTypes.some(byName(cells.service_type)));
    if (elsewhere) {
      problem('service_type', 'bulkImport.problem.serviceTypeOfOtherProduct', {
        value: cells.service_type, product: product.name, other: elsewhere.name, expected: namesList(product.serviceTypes),
      });
    } else {
      problem('service_type', 'bulkImport.problem.serviceType', { value: cells.service_type, product: product.name, expected: namesList(product.serviceTypes) });
    }
    return undefined;
  }

  private checkBundle(cells: RowCells, type: CatalogServiceType, draft: BulkDraft, problem: (column: TemplateColumn, message: string, vars?: ProblemVars) => void): void {
    const bundle = type.bundles.find(byName(cells.bundle));
    if (!cells.bundle) problem('bundle', 'addService.error.chooseBundle');
    else if (!bundle) problem('bundle', 'bulkImport.problem.bundle', { value: cells.bundle, type: type.name, expected: namesList(type.bundles) });
    else draft.bundleCode = bundle.code;
    // The flow's own reading of the options input (a list), then each one against the service type's options.
    const options = stepInputSchemas.bundle.shape.optionCodes.safeParse(cells.options.replace(/;/g, ','));
    for (const option of options.success ? options.data : [cells.options]) {
      const offered = type.options.find(byName(option));
      if (!offered) problem('options', 'bulkImport.problem.option', { value: option, type: type.name, expected: namesList(type.options, '—') });
      else draft.optionCodes.push(offered.code);
    }
  }

  private async checkNumber(
    rowNumber: number,
    cells: RowCells,
    draft: BulkDraft,
    problems: RowProblem[],
    problem: (column: TemplateColumn, message: string, vars?: ProblemVars) => void,
  ): Promise<void> {
    const option = numberOptionOf(cells.number_option);
    if (!cells.number_option) return problem('number_option', 'addService.error.chooseNumberOption');
    if (!option) return problem('number_option', 'bulkImport.problem.numberOption', { value: cells.number_option });
    draft.numberOption = option;
    if (option === NumberOption.PORT) {
      const holderKind = holderKindOf(cells.holder_kind);
      const lineType = lineTypeOf(cells.line_type);
      if (!holderKind) problem('holder_kind', 'portingFields.error.holderKind');
      if (!lineType) problem('line_type', 'portingFields.error.lineType');
      if (!holderKind || !lineType) return;
      const optional = (value: string) => (value === '' ? undefined : value);
      const porting: PortingDetailsInput = {
        number: cells.number,
        donorOperator: operatorOf(cells.donor_operator) ?? cells.donor_operator,
        holderKind,
        holderName: cells.holder_name,
        holderVat: optional(cells.holder_vat),
        lineType,
        currentSimNumber: optional(cells.current_sim_number),
        customerNumber: optional(cells.customer_number),
        wishDate: optional(cells.wish_date),
      };
      const precheck = await precheckPortingFor(this.db, this.actor, porting, this.now);
      const vars = { donorOperator: porting.donorOperator, holderKind };
      for (const warning of precheck.warnings.filter((w) => w.blocking)) {
        problems.push({ column: portingColumn[warning.field], message: 'porting', vars, porting: warning.code });
      }
      if (!precheck.ok) return;
      const twice = this.claim(`number:${precheck.details.e164}`, rowNumber);
      if (twice !== undefined) return problem('number', 'bulkImport.problem.numberTwice', { row: String(twice) });
      draft.porting = porting;
    }
    if (option === NumberOption.MOVE) {
      const number = checkBelgianMobile(cells.move_from_number);
      const serviceId = number.ok ? this.movable.get(number.e164) : undefined;
      if (!cells.move_from_number) return problem('move_from_number', 'addService.error.chooseMove');
      if (!number.ok || !serviceId) return problem('move_from_number', 'addService.error.moveUnavailable');
      const twice = this.claim(`number:${number.e164}`, rowNumber);
      if (twice !== undefined) return problem('move_from_number', 'bulkImport.problem.numberTwice', { row: String(twice) });
      draft.moveFromServiceId = serviceId;
    }
  }

  private async checkSim(rowNumber: number, cells: RowCells, draft: BulkDraft, problem: (column: TemplateColumn, message: string, vars?: ProblemVars) => void): Promise<void> {
    if (!cells.sim_card_number) {
      draft.simOption = SimOption.USER_ENTERS;
      return;
    }
    const twice = this.claim(`sim:${normaliseIccid(cells.sim_card_number)}`, rowNumber);
    if (twice !== undefined) return problem('sim_card_number', 'bulkImport.problem.iccidTwice', { row: String(twice) });
    const sim = await checkSimForService(this.db, this.actor, cells.sim_card_number);
    if (!sim.ok) return problem('sim_card_number', sim.message, sim.vars);
    draft.simOption = SimOption.ADMIN_ENTERS;
    draft.iccid = sim.iccid;
  }

  private async checkFixedNumber(rowNumber: number, cells: RowCells, draft: BulkDraft, problem: (column: TemplateColumn, message: string, vars?: ProblemVars) => void): Promise<void> {
    const takeOver = yesOf(cells.take_over_fixed_number);
    if (!takeOver) return problem('take_over_fixed_number', 'bulkImport.problem.yesNo', { value: cells.take_over_fixed_number });
    if (!cells.fixed_number) {
      draft.fixedOption = FixedOption.FREE;
      draft.anyFreeFixedNumber = true;
      return;
    }
    const number = checkBelgianNumber(cells.fixed_number, NumberKind.FIXED);
    const found = number.ok
      ? await this.db.phoneNumber.findFirst({ where: { e164: number.e164, kind: NumberKind.FIXED }, select: { id: true } })
      : null;
    const twice = number.ok ? this.claim(`fixed:${number.e164}`, rowNumber) : undefined;
    if (twice !== undefined) return problem('fixed_number', 'bulkImport.problem.numberTwice', { row: String(twice) });
    // The flow's offer: a free number, or one in use whose user loses it, which the row must say yes to.
    for (const option of [FixedOption.FREE, FixedOption.IN_USE]) {
      if (!found || !(await fixedNumberFor(this.db, this.actor, option, found.id, this.now))) continue;
      if (option === FixedOption.IN_USE && takeOver !== 'yes') return problem('take_over_fixed_number', 'bulkImport.problem.takeOver');
      draft.fixedOption = option;
      draft.fixedNumberId = found.id;
      draft.takeOverConfirmed = option === FixedOption.IN_USE;
      return;
    }
    problem('fixed_number', 'addService.error.fixedNumberGone');
  }

  private checkActivation(cells: RowCells, type: CatalogServiceType | undefined, draft: BulkDraft, problem: (column: TemplateColumn, message: string, vars?: ProblemVars) => void): void {
    const method = methodOf(cells.activation_method);
    if (!cells.activation_method) problem('activation_method', 'addService.error.chooseMethod');
    else if (!method) problem('activation_method', 'bulkImport.problem.method', { value: cells.activation_method });
    // A SIM card number that is there but wrong is its own cell's problem, not this one's.
    else if (type && method === ActivationMethod.AUTOMATIC && !cells.sim_card_number && !automaticActivationAllowed(type, draft)) {
      problem('activation_method', 'addService.error.automaticNeedsSim');
    }
    else draft.activationMethod = method;

    const timing = timingOf(cells.activation_when);
    const at = DATE_TIME.exec(cells.activation_when);
    if (!cells.activation_when) return problem('activation_when', 'addService.error.chooseTiming');
    if (timing) {
      draft.activationTiming = timing;
      return;
    }
    const startAt = at && isCalendarDate(at[1]!) && Number(at[2]) < 24 ? brusselsInstant(at[1]!, `${at[2]!.padStart(2, '0')}:${at[3]!}`) : null;
    if (!startAt || Number.isNaN(startAt.getTime())) return problem('activation_when', 'bulkImport.problem.when', { value: cells.activation_when });
    if (startAt <= this.now) return problem('activation_when', 'bulkImport.problem.whenPast', { value: cells.activation_when });
    draft.activationTiming = ActivationTiming.LATER;
    draft.startAt = startAt.toISOString();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Validating a file

export interface IncomingFile {
  name: string;
  /** Its bytes as they arrive; read at most up to MAX_FILE_BYTES. */
  content: Readable;
  /** The size the sender announced, if any: a file announced too big is not read at all. */
  declaredBytes?: number;
}

export interface ValidatedImport {
  id: string;
  fileName: string;
  totalRows: number;
  validRows: number;
}

/**
 * Reads the file row by row, checks each, and keeps the result as an import waiting for confirmation. Creates no
 * service, reserves nothing. A file that is not an import (format, empty, header, size) throws FileRejected and
 * leaves nothing behind.
 */
export async function validateImport(db: Db, actor: Actor, file: IncomingFile, now = new Date()): Promise<ValidatedImport> {
  await requireAdministrator(db, actor);
  const fileName = z.string().trim().min(1).max(200).catch('import').parse(file.name);
  const format = fileFormatOf(fileName);
  if (!format || (file.declaredBytes ?? 0) > MAX_FILE_BYTES) {
    file.content.destroy();
    throw new FileRejected(format ? 'too-big' : 'not-csv-or-xlsx');
  }
  const records = recordsOf(format, file.content);
  const header = await records.next();
  if (header.done) throw new FileRejected('empty');
  const index = headerIndex(header.value);
  const checker = await RowChecker.open(db, actor, now);

  const created = await db.bulkImport.create({
    data: { organisationId: actor.organisationId, createdById: actor.id, fileName, totalRows: 0, validRows: 0, createdAt: now },
  });
  let totalRows = 0;
  let validRows = 0;
  let chunk: RowCells[] = [];
  /** Checks and writes the rows read so far, in file order. */
  const flush = async () => {
    const users = await checker.usersByEmail(chunk.map((cells) => cells.user_email));
    const data: Prisma.BulkImportRowCreateManyInput[] = [];
    for (const [i, cells] of chunk.entries()) {
      // Row numbers as the spreadsheet shows them: the header is row 1.
      const rowNumber = totalRows - chunk.length + i + 2;
      const checked = await checker.check(rowNumber, cells, users);
      if (checked.ok) validRows += 1;
      data.push({
        importId: created.id,
        rowNumber,
        cells,
        ...(checked.ok ? { draft: checked.draft as Prisma.InputJsonObject } : { problems: checked.problems as unknown as Prisma.InputJsonArray }),
      });
    }
    if (data.length > 0) await db.bulkImportRow.createMany({ data });
    chunk = [];
  };
  try {
    for await (const record of records) {
      totalRows += 1;
      if (totalRows > MAX_ROWS) throw new FileRejected('too-many-rows');
      chunk.push(Object.fromEntries(templateColumns.map((column) => [column, unquote(record[index[column]] ?? '').slice(0, 400)])) as RowCells);
      if (chunk.length >= WRITE_CHUNK) await flush();
    }
    if (totalRows === 0) throw new FileRejected('empty');
    await flush();
  } catch (error) {
    await db.bulkImport.delete({ where: { id: created.id } });
    throw error;
  }
  await db.bulkImport.update({ where: { id: created.id }, data: { totalRows, validRows } });
  await db.auditEvent.create({
    data: { organisationId: actor.organisationId, actorId: actor.id, action: 'bulkImport.validated', subjectType: 'BulkImport', subjectId: created.id, after: { totalRows, validRows } },
  });
  return { id: created.id, fileName, totalRows, validRows };
}

// ---------------------------------------------------------------------------------------------------------------
// The report

export interface InvalidRow {
  rowNumber: number;
  cells: RowCells;
  problems: RowProblem[];
}

export interface ImportReport {
  import: BulkImport;
  rows: InvalidRow[];
  page: number;
  pages: number;
}

function invalidRowOf(row: { rowNumber: number; cells: unknown; problems: unknown }): InvalidRow {
  return {
    rowNumber: row.rowNumber,
    cells: cellsSchema.parse(row.cells) as RowCells,
    problems: z.array(rowProblemSchema).parse(row.problems) as RowProblem[],
  };
}

/** The invalid rows, a page at a time, in file order. */
export async function importReport(db: Db, actor: Actor, importId: string, page = 0): Promise<ImportReport> {
  const found = await importFor(db, actor, importId);
  const invalid = found.totalRows - found.validRows;
  const pages = Math.max(1, Math.ceil(invalid / REPORT_PAGE_SIZE));
  const current = Math.min(Math.max(0, page), pages - 1);
  const rows = await db.bulkImportRow.findMany({
    where: { importId, problems: { not: Prisma.DbNull } },
    orderBy: { rowNumber: 'asc' },
    skip: current * REPORT_PAGE_SIZE,
    take: REPORT_PAGE_SIZE,
    select: { rowNumber: true, cells: true, problems: true },
  });
  return { import: found, rows: rows.map(invalidRowOf), page: current, pages };
}

/** Every invalid row, for the downloadable report; `describe` words a row's problems in the reader's language. */
export async function reportCsv(db: Db, actor: Actor, importId: string, describe: (row: InvalidRow) => string): Promise<{ fileName: string; csv: string; count: number }> {
  const found = await importFor(db, actor, importId);
  const records: string[][] = [];
  let cursor: number | undefined;
  for (;;) {
    const rows = await db.bulkImportRow.findMany({
      where: { importId, problems: { not: Prisma.DbNull }, ...(cursor ? { rowNumber: { gt: cursor } } : {}) },
      orderBy: { rowNumber: 'asc' },
      take: 500,
      select: { rowNumber: true, cells: true, problems: true },
    });
    for (const row of rows.map(invalidRowOf)) records.push([...templateColumns.map((column) => row.cells[column]), describe(row)]);
    if (rows.length < 500) break;
    cursor = rows.at(-1)!.rowNumber;
  }
  const base = found.fileName.replace(/\.(csv|xlsx)$/i, '');
  return { fileName: `${base}-errors.csv`, csv: toCsv([...templateColumns, ERROR_COLUMN], records), count: records.length };
}

// ---------------------------------------------------------------------------------------------------------------
// Confirming and creating

export const BulkImportJobs = { create: 'bulkImport.create' } as const;
export const createJobSchema = z.object({ importId: z.uuid() });

export const confirmSchema = z.object({
  start: z.enum(BulkStart),
  /** Only with AT: when every service of the file starts. */
  at: z.date().optional(),
  confirmKey: z.string().min(8).max(100),
});
export type Confirmation = z.infer<typeof confirmSchema>;

export type ConfirmResult =
  | { confirmed: true; import: BulkImport }
  | { confirmed: false; reason: 'already' | 'nothing-valid' | 'start-invalid'; import: BulkImport };

/**
 * Starts the creation of the valid rows: one job, enqueued with the status change, so it survives a restart. A
 * second confirmation (double click, Teams retry, a replayed card) changes nothing.
 */
export async function confirmImport(db: Db, actor: Actor, importId: string, confirmation: Confirmation, now = new Date()): Promise<ConfirmResult> {
  const found = await importFor(db, actor, importId);
  const { start, at, confirmKey } = confirmSchema.parse(confirmation);
  if (found.status !== BulkImportStatus.VALIDATED) return { confirmed: false, reason: 'already', import: found };
  if (found.validRows === 0) return { confirmed: false, reason: 'nothing-valid', import: found };
  if (start === BulkStart.AT && (!at || at <= now)) return { confirmed: false, reason: 'start-invalid', import: found };
  return db.$transaction(async (tx) => {
    const moved = await tx.bulkImport.updateMany({
      where: { id: importId, status: BulkImportStatus.VALIDATED },
      data: { status: BulkImportStatus.CREATING, start, scheduledAt: start === BulkStart.AT ? at : null, confirmKey, confirmedAt: now },
    });
    const current = await tx.bulkImport.findUniqueOrThrow({ where: { id: importId } });
    if (moved.count !== 1) return { confirmed: false as const, reason: 'already' as const, import: current };
    await enqueue(tx, { kind: BulkImportJobs.create, payload: { importId }, runAt: now, singletonKey: `${BulkImportJobs.create}:${importId}` });
    await tx.auditEvent.create({
      data: { organisationId: actor.organisationId, actorId: actor.id, action: 'bulkImport.confirmed', subjectType: 'BulkImport', subjectId: importId, after: { start, validRows: found.validRows } },
    });
    return { confirmed: true as const, import: current };
  });
}

/** Drops an import not confirmed yet; nothing of it was created. */
export async function cancelImport(db: Db, actor: Actor, importId: string): Promise<BulkImport> {
  await importFor(db, actor, importId);
  await db.bulkImport.updateMany({ where: { id: importId, status: BulkImportStatus.VALIDATED }, data: { status: BulkImportStatus.CANCELLED } });
  return db.bulkImport.findUniqueOrThrow({ where: { id: importId } });
}

/** The draft as saveService takes it, with the start the confirmation chose for the whole file. */
function orderOf(draft: BulkDraft, bulk: BulkImport): { draft: ServiceDraft; startAt: Date | null } {
  const { startAt, anyFreeFixedNumber: _any, ...order } = draft;
  switch (bulk.start) {
    case BulkStart.NOW:
      return { draft: { ...order, activationTiming: ActivationTiming.NOW }, startAt: null };
    case BulkStart.LATER:
      return { draft: { ...order, activationTiming: ActivationTiming.LATER }, startAt: null };
    case BulkStart.AT:
      return { draft: { ...order, activationTiming: ActivationTiming.LATER }, startAt: bulk.scheduledAt };
    default:
      return { draft: order, startAt: startAt ? new Date(startAt) : null };
  }
}

export const rowFailureSchema = z.object({ message: z.string(), vars: z.record(z.string(), z.string()).optional() });
export type RowFailure = z.infer<typeof rowFailureSchema>;

/** Creates one row's service (or finds it, when a run before the crash had): its id, or why it failed. */
async function createRow(db: Db, actor: Actor, bulk: BulkImport, row: { rowNumber: number; draft: unknown; reservedNumberId: string | null }, now: Date) {
  const { draft } = orderOf(bulkDraftSchema.parse(row.draft), bulk);
  const key = `${bulk.id}:${row.rowNumber}`;
  const already = await db.service.findUnique({ where: { idempotencyKey: key }, select: { id: true } });
  if (!already && draft.numberOption === NumberOption.NEW) {
    let reservedNumberId = row.reservedNumberId;
    if (!reservedNumberId) {
      const reservation = await reserveNumber(db, actor, { kind: NumberKind.MOBILE, now });
      if (!reservation.ok) return { failure: { message: 'addService.error.noFreeNumber' } };
      reservedNumberId = reservation.number.id;
      // Kept with the row before the service is saved, so that a resumed run uses this number, not another.
      await db.bulkImportRow.update({ where: { importId_rowNumber: { importId: bulk.id, rowNumber: row.rowNumber } }, data: { reservedNumberId } });
    }
    draft.reservedNumberId = reservedNumberId;
  }
  if (!already && draft.fixedOption === FixedOption.FREE && !draft.fixedNumberId) {
    const [free] = await listFreeFixedNumbers(db, actor, actor.organisationId, { now, limit: 1 });
    if (!free) return { failure: { message: 'addService.error.fixedNumberGone' } };
    draft.fixedNumberId = free.id;
  }
  try {
    const saved = await saveService(db, actor, draft, key, now);
    if (saved.ok) return { serviceId: saved.service.id };
    if (draft.reservedNumberId) await releaseNumber(db, actor, draft.reservedNumberId);
    return { failure: { message: saved.problem.message, ...(saved.problem.vars ? { vars: saved.problem.vars } : {}) } };
  } catch (error) {
    // The administrator lost their role, or a user or SIM card moved away since the check: this row only.
    if (error instanceof AccessDenied) return { failure: { message: 'bulkImport.failure.refused' } };
    throw error;
  }
}

/**
 * The creation job's work: the valid rows not done yet, a batch at a time, as the administrator who sent the file.
 * Progress is written after each batch; at the end the scheduled starts are enqueued and the import is DONE.
 */
export async function createImportServices(db: Db, importId: string, now: () => Date = () => new Date()): Promise<void> {
  const bulk = await db.bulkImport.findUnique({ where: { id: importId } });
  if (!bulk || bulk.status !== BulkImportStatus.CREATING) return;
  const actor = await db.person.findUnique({ where: { id: bulk.createdById }, include: { organisation: true } });
  if (!actor) return;
  for (;;) {
    const rows = await db.bulkImportRow.findMany({
      where: { importId, draft: { not: Prisma.DbNull }, serviceId: null, failure: { equals: Prisma.DbNull } },
      orderBy: { rowNumber: 'asc' },
      take: BATCH_SIZE,
      select: { rowNumber: true, draft: true, reservedNumberId: true },
    });
    if (rows.length === 0) break;
    const create = async (row: (typeof rows)[number]) => {
      const outcome = await createRow(db, actor, bulk, row, now());
      await db.bulkImportRow.update({
        where: { importId_rowNumber: { importId, rowNumber: row.rowNumber } },
        data: 'serviceId' in outcome ? { serviceId: outcome.serviceId } : { failure: outcome.failure },
      });
    };
    // A row taking "the first free fixed number" would race another for the same one: those go one at a time.
    const anyFixed = (row: (typeof rows)[number]) => bulkDraftSchema.parse(row.draft).anyFreeFixedNumber === true;
    const parallel = rows.filter((row) => !anyFixed(row));
    for (let i = 0; i < parallel.length; i += PARALLEL_ROWS) await Promise.all(parallel.slice(i, i + PARALLEL_ROWS).map(create));
    for (const row of rows.filter(anyFixed)) await create(row);
    await recordProgress(db, importId);
  }
  await scheduleStarts(db, actor, bulk, now());
  await recordProgress(db, importId, { status: BulkImportStatus.DONE, finishedAt: now() });
}

async function recordProgress(db: Db, importId: string, extra: Prisma.BulkImportUpdateInput = {}): Promise<void> {
  const [createdCount, failedCount] = await Promise.all([
    db.bulkImportRow.count({ where: { importId, serviceId: { not: null } } }),
    db.bulkImportRow.count({ where: { importId, failure: { not: Prisma.DbNull } } }),
  ]);
  await db.bulkImport.update({ where: { id: importId }, data: { createdCount, failedCount, ...extra } });
}

/** One scheduled start per moment (at most 500 services each, as scheduleStart takes); each is a job that fires once. */
async function scheduleStarts(db: Db, actor: Actor, bulk: BulkImport, now: Date): Promise<void> {
  const byMoment = new Map<string, string[]>();
  let cursor: number | undefined;
  for (;;) {
    const rows = await db.bulkImportRow.findMany({
      where: { importId: bulk.id, serviceId: { not: null }, ...(cursor ? { rowNumber: { gt: cursor } } : {}) },
      orderBy: { rowNumber: 'asc' },
      take: 500,
      select: { rowNumber: true, draft: true, serviceId: true },
    });
    for (const row of rows) {
      const { startAt } = orderOf(bulkDraftSchema.parse(row.draft), bulk);
      if (startAt && row.serviceId) byMoment.set(startAt.toISOString(), [...(byMoment.get(startAt.toISOString()) ?? []), row.serviceId]);
    }
    if (rows.length < 500) break;
    cursor = rows.at(-1)!.rowNumber;
  }
  for (const [at, ids] of byMoment) {
    for (let i = 0; i < ids.length; i += 500) await scheduleStart(db, actor, ids.slice(i, i + 500), new Date(at), { now });
  }
}

export function bulkImportJob(db: Db): JobHandler<{ importId: string }> {
  return jobHandler(createJobSchema, async ({ importId }) => createImportServices(db, importId));
}

// ---------------------------------------------------------------------------------------------------------------
// Progress and summary

export interface ImportSummary {
  import: BulkImport;
  started: number;
  waiting: number;
  scheduled: Array<{ at: Date; count: number }>;
  failures: Array<{ rowNumber: number; failure: RowFailure }>;
}

/** Where the import's services stand, for the progress card and the summary. */
export async function importSummary(db: Db, actor: Actor, importId: string): Promise<ImportSummary> {
  const found = await importFor(db, actor, importId);
  const byStatus = await db.service.groupBy({
    by: ['status', 'scheduledStartAt'],
    where: { organisationId: actor.organisationId, idempotencyKey: { startsWith: `${importId}:` } },
    _count: { _all: true },
  });
  const waiting = byStatus.filter((group) => group.status === ServiceStatus.WAITING_FOR_ACTIVATION);
  const failed = await db.bulkImportRow.findMany({
    where: { importId, failure: { not: Prisma.DbNull } },
    orderBy: { rowNumber: 'asc' },
    take: 20,
    select: { rowNumber: true, failure: true },
  });
  return {
    import: found,
    started: byStatus.filter((group) => group.status !== ServiceStatus.WAITING_FOR_ACTIVATION).reduce((sum, group) => sum + group._count._all, 0),
    waiting: waiting.filter((group) => !group.scheduledStartAt).reduce((sum, group) => sum + group._count._all, 0),
    scheduled: waiting.flatMap((group) => (group.scheduledStartAt ? [{ at: group.scheduledStartAt, count: group._count._all }] : [])),
    failures: failed.map((row) => ({ rowNumber: row.rowNumber, failure: rowFailureSchema.parse(row.failure) })),
  };
}

/** Remembers where the progress card is (a place like a summary card's), so that it is updated in place. */
export async function recordProgressCard(db: Db, actor: Actor, importId: string, place: SummaryCardPlace): Promise<void> {
  await importFor(db, actor, importId);
  const { channelId, conversationId, activityId } = summaryCardPlaceSchema.parse(place);
  await db.bulkImport.update({ where: { id: importId }, data: { progressChannelId: channelId, progressConversationId: conversationId, progressActivityId: activityId } });
}

/** Imports whose progress card is behind, or whose summary is due: what the bot's progress round updates. */
export async function importsToShow(db: Db): Promise<Array<BulkImport & { progressActivityId: string }>> {
  const rows = await db.bulkImport.findMany({
    where: { progressActivityId: { not: null }, summarySentAt: null, status: { in: [BulkImportStatus.CREATING, BulkImportStatus.DONE] } },
    orderBy: { confirmedAt: 'asc' },
    take: 20,
  });
  return rows.filter((row): row is BulkImport & { progressActivityId: string } =>
    row.progressActivityId !== null && (row.createdCount + row.failedCount > row.shownCount || row.status === BulkImportStatus.DONE));
}

/**
 * Claims showing `done` rows (or the summary, once the import is done): true for one caller only, so that two bot
 * processes do not both update the card or send the summary.
 */
export async function claimShowing(db: Db, bulk: BulkImport, done: number, summary: boolean): Promise<boolean> {
  const claimed = await db.bulkImport.updateMany({
    where: { id: bulk.id, shownCount: bulk.shownCount, summarySentAt: null },
    data: { shownCount: done, ...(summary ? { summarySentAt: new Date() } : {}) },
  });
  return claimed.count === 1;
}

// ---------------------------------------------------------------------------------------------------------------
// The template

/** Example values on the template's help sheet, one per column. */
const templateExample: RowCells = {
  user_email: 'jan.peeters@example.be',
  product_type: 'Dstny Mobile',
  service_type: 'Mobile',
  bundle: 'Mobile M',
  options: 'International 100; Roaming data 5 GB',
  number_option: 'new | port | move',
  number: '+32 470 12 34 56',
  donor_operator: 'Proximus',
  holder_kind: 'company | person',
  holder_name: 'Demo Company NV',
  holder_vat: 'BE0123456749',
  line_type: 'subscription | prepaid',
  current_sim_number: '8932 …',
  customer_number: '1234567',
  wish_date: '2026-12-07',
  move_from_number: '+32 470 65 43 21',
  sim_card_number: '8932 0000 0000 0000 000',
  fixed_number: '+32 2 588 30 00',
  take_over_fixed_number: 'yes | no',
  activation_method: 'email | automatic',
  activation_when: 'now | later | 2026-12-07 08:00',
};

/** The CSV template: the header only, so that a row left in by mistake is never imported. */
export function templateCsv(): string {
  return toCsv([...templateColumns], []);
}

/** The XLSX template: the services sheet (every cell text, so that long numbers keep their digits) and a help sheet. */
export async function templateXlsx(help: { sheet: string; column: string; example: string }): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const services = workbook.addWorksheet('Services');
  services.columns = templateColumns.map((column) => ({ header: column, key: column, width: Math.max(14, column.length + 2), style: { numFmt: '@' } }));
  services.getRow(1).font = { bold: true };
  services.views = [{ state: 'frozen', ySplit: 1 }];
  const sheet = workbook.addWorksheet(help.sheet);
  sheet.columns = [{ header: help.column, width: 26 }, { header: help.example, width: 44 }];
  sheet.getRow(1).font = { bold: true };
  for (const column of templateColumns) sheet.addRow([column, templateExample[column]]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** A file's content as a stream, from bytes already in memory (the web chat's upload). */
export function contentOf(bytes: Buffer): Readable {
  return Readable.from([bytes]);
}
