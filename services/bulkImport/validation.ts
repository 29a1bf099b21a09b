import { z } from 'zod';
import type { Prisma } from '../../prisma/generated/client';
import type { Db } from '../platform/db/database';
import type { Actor } from '../people/people';
import { requireAdministrator } from './importAccess';
import {
  FileRejected,
  fileFormatOf,
  headerIndex,
  MAX_FILE_BYTES,
  MAX_ROWS,
  recordsOf,
  templateColumns,
  unquote,
  type IncomingFile,
  type RowCells,
} from './importFile';
import { RowChecker } from './rowChecks';

/**
 * Bulk migration: a whole company's services from one file (CSV or XLSX, one row per service). The file is streamed
 * row by row; each row is checked (rowChecks.ts) and stored as the order it describes or as what is wrong with it.
 * Nothing is created until the administrator confirms (creation.ts).
 */

/** Rows buffered before they are written during validation: memory stays flat whatever the file's length. */
const WRITE_CHUNK = 200;

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
