import { z } from 'zod';
import { Prisma, type BulkImport } from '../../prisma/generated/client';
import type { Db } from '../platform/db/database';
import { toCsv } from '../fleet/csv';
import type { Actor } from '../people/people';
import { importFor } from './importAccess';
import { ERROR_COLUMN, templateColumns, type RowCells } from './importFile';
import { bulkDraftSchema, rowProblemSchema, type RowProblem } from './rowChecks';

/** The validation report: the invalid rows and what is wrong with them, a page at a time or as a CSV file to correct. */

export const REPORT_PAGE_SIZE = 10;
/** The cells of a row as stored. */
const cellsSchema = z.record(z.string(), z.string());

export interface InvalidRow {
  rowNumber: number;
  cells: RowCells;
  problems: RowProblem[];
}

/** A person the valid rows add to the organisation when the import is confirmed. */
export interface NewUser {
  displayName: string;
  email: string;
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

/** The people the valid rows add when the import is confirmed, once each, in file order. */
export async function importNewUsers(db: Db, actor: Actor, importId: string): Promise<NewUser[]> {
  await importFor(db, actor, importId);
  // Only rows with a new user are read.
  const rows = await db.bulkImportRow.findMany({
    where: { importId, draft: { path: ['newUser', 'email'], string_contains: '@' } },
    orderBy: { rowNumber: 'asc' },
    select: { draft: true },
  });
  const byEmail = new Map<string, NewUser>();
  for (const row of rows) {
    const user = bulkDraftSchema.parse(row.draft).newUser;
    if (user && !byEmail.has(user.email)) byEmail.set(user.email, { displayName: user.displayName, email: user.email });
  }
  return [...byEmail.values()];
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
    // A row checked before the optional columns existed has no cell for them.
    for (const row of rows.map(invalidRowOf)) records.push([...templateColumns.map((column) => row.cells[column] ?? ''), describe(row)]);
    if (rows.length < 500) break;
    cursor = rows.at(-1)!.rowNumber;
  }
  const base = found.fileName.replace(/\.(csv|xlsx)$/i, '');
  return { fileName: `${base}-errors.csv`, csv: toCsv([...templateColumns, ERROR_COLUMN], records), count: records.length };
}
