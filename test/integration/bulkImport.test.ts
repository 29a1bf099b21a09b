import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { problemText } from '../../dialogs/bulkImport';
import { demo, other } from '../../prisma/demoData';
import { BulkImportJobs, bulkImportJob, confirmImport, createImportServices } from '../../services/bulkImport/creation';
import { FileRejected, MAX_FILE_BYTES, templateColumns } from '../../services/bulkImport/importFile';
import { importReport } from '../../services/bulkImport/report';
import { importSummary } from '../../services/bulkImport/progress';
import { templateCsv, templateXlsx } from '../../services/bulkImport/template';
import { validateImport, type ValidatedImport } from '../../services/bulkImport/validation';
import type { Database } from '../../services/platform/db/database';
import { scheduledStartJob } from '../../services/lifecycle/activationJobs';
import { JobWorker } from '../../services/platform/jobQueue';
import { AccessDenied, type Actor } from '../../services/people/people';
import * as serviceOrders from '../../services/addService/orderSaving';
import { generateFile, prepareOrganisation, type GeneratedFile } from '../support/bulkImportFile';
import { openTestDatabase } from '../support/database';

let db: Database;
let ann: Actor;
let file: GeneratedFile;
const now = new Date();

const personByEmail = (email: string) => db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });
const fileOf = (name: string, content: string | Buffer) => ({ name, content: Readable.from([Buffer.from(content)]) });
const validate = (name: string, content: string | Buffer, actor = ann) => validateImport(db.prisma, actor, fileOf(name, content), now);

async function rejection(name: string, content: string | Buffer): Promise<FileRejected> {
  const error = await validate(name, content).then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(FileRejected);
  return error as FileRejected;
}

/** The import's services, numbers, SIM cards and porting requests, as counted in the database. */
async function created(importId: string) {
  const services = { idempotencyKey: { startsWith: `${importId}:` } };
  return {
    services: await db.prisma.service.count({ where: services }),
    keys: new Set((await db.prisma.service.findMany({ where: services, select: { idempotencyKey: true } })).map((s) => s.idempotencyKey)).size,
    newNumbers: await db.prisma.service.count({ where: { ...services, numberOption: 'NEW', mobileNumberId: { not: null } } }),
    sims: await db.prisma.service.count({ where: { ...services, simCardId: { not: null } } }),
    portings: await db.prisma.portingRequest.count({ where: { service: services } }),
    moves: await db.prisma.service.count({ where: { ...services, movedFromServiceId: { not: null } } }),
    fixed: await db.prisma.service.count({ where: { ...services, fixedNumberId: { not: null } } }),
    leftReserved: await db.prisma.phoneNumber.count({ where: { state: 'RESERVED', mobileOf: { is: null }, fixedOf: { is: null } } }),
  };
}

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  await prepareOrganisation(db.prisma, 1_000);
  ann = await personByEmail(demo.ann.email);
  file = generateFile(1_000, now);
}, 120_000);

afterAll(async () => {
  await db.close();
});

describe('a generated 1,000-row file with one error per rule', () => {
  let validated: ValidatedImport;

  beforeAll(async () => {
    validated = await validate('migration.csv', file.csv);
  }, 120_000);

  test('the report names exactly the invalid rows and, for each, exactly the wrong fields', async () => {
    expect(validated).toMatchObject({ totalRows: 1_000, validRows: file.valid.count });
    const named = new Map<number, string[]>();
    for (let page = 0; ; page++) {
      const report = await importReport(db.prisma, ann, validated.id, page);
      for (const row of report.rows) named.set(row.rowNumber, [...new Set(row.problems.map((problem) => problem.column))].sort());
      if (page >= report.pages - 1) break;
    }
    expect(Object.fromEntries(named)).toEqual(Object.fromEntries([...file.expected].map(([row, columns]) => [row, [...columns].sort()])));
  });

  test('every porting pre-check rule that stops a request is named once with its own code', async () => {
    const rows = await db.prisma.bulkImportRow.findMany({ where: { importId: validated.id, rowNumber: { gte: 109, lte: 125 } } });
    const codes = rows.flatMap((row) => ((row.problems ?? []) as Array<{ porting?: string }>).map((problem) => problem.porting)).filter(Boolean);
    expect(new Set(codes)).toEqual(new Set([
      'number-invalid', 'number-already-ours', 'porting-in-progress', 'operator-unknown', 'holder-name-missing', 'company-without-vat',
      'vat-invalid', 'prepaid-customer-number', 'prepaid-sim-missing', 'sim-number-invalid', 'subscription-sim-number',
      'subscription-customer-missing', 'customer-number-invalid', 'wish-date-invalid', 'wish-date-past', 'wish-date-not-working-day',
    ]));
  });

  test('nothing is created, reserved or assigned before the administrator confirms', async () => {
    expect(await created(validated.id)).toMatchObject({ services: 0, sims: 0, portings: 0 });
    expect(await db.prisma.phoneNumber.count({ where: { state: 'RESERVED', mobileOf: { is: null } } })).toBe(0);
    expect(await db.prisma.job.count({ where: { kind: BulkImportJobs.create } })).toBe(0);
  });

  test('another organisation\'s administrator and an employee are refused, with an audit event', async () => {
    const olga = await personByEmail(other.olga.email);
    const jan = await personByEmail(demo.jan.email);
    await expect(importReport(db.prisma, olga, validated.id)).rejects.toBeInstanceOf(AccessDenied);
    await expect(confirmImport(db.prisma, olga, validated.id, { start: 'AS_IN_FILE', confirmKey: 'olga-tries-1' })).rejects.toBeInstanceOf(AccessDenied);
    await expect(validate('mine.csv', file.csv, jan)).rejects.toBeInstanceOf(AccessDenied);
    expect(await db.prisma.auditEvent.count({ where: { action: 'bulkImport.denied', actorId: { in: [olga.id, jan.id] } } })).toBe(3);
  });

  test('confirming creates exactly the valid rows, even when the creation crashes halfway and resumes', async () => {
    const confirmation = { start: 'AS_IN_FILE' as const, confirmKey: 'confirm-migration-1' };
    expect((await confirmImport(db.prisma, ann, validated.id, confirmation, now)).confirmed).toBe(true);
    // A double click confirms once: one job.
    expect((await confirmImport(db.prisma, ann, validated.id, confirmation, now)).confirmed).toBe(false);
    expect(await db.prisma.job.count({ where: { kind: BulkImportJobs.create } })).toBe(1);

    // The process dies right after the 412th service was committed, before its row was marked: saves still under
    // way then commit but never come back, as in a process that is gone.
    const save = serviceOrders.saveService;
    let calls = 0;
    let killed = false;
    const spy = jest.spyOn(serviceOrders, 'saveService').mockImplementation(async (...args) => {
      const result = await save(...args);
      if (killed) return new Promise<never>(() => undefined);
      if (++calls === 412) {
        killed = true;
        throw new Error('the process was killed');
      }
      return result;
    });
    await expect(createImportServices(db.prisma, validated.id)).rejects.toThrow('the process was killed');
    spy.mockRestore();
    const halfway = await db.prisma.bulkImport.findUniqueOrThrow({ where: { id: validated.id } });
    expect(halfway.status).toBe('CREATING');
    expect(halfway.createdCount).toBeGreaterThan(0);
    expect(halfway.createdCount).toBeLessThan(file.valid.count);

    // The job runs again (its lock expired): it resumes where it stopped.
    const worker = new JobWorker({ db: db.prisma, workerId: 'resume', handlers: { [BulkImportJobs.create]: bulkImportJob(db.prisma) } });
    expect(await worker.runDue()).toBe(1);

    const done = await db.prisma.bulkImport.findUniqueOrThrow({ where: { id: validated.id } });
    expect(done).toMatchObject({ status: 'DONE', createdCount: file.valid.count, failedCount: 0 });
    expect(await created(validated.id)).toEqual({
      services: file.valid.count,
      keys: file.valid.count,
      newNumbers: file.valid.newNumbers,
      sims: file.valid.sims,
      portings: file.valid.portings,
      moves: file.valid.moves,
      fixed: file.valid.fixed,
      leftReserved: 0,
    });
  }, 180_000);

  test('the services start as each row says: now, later in the waiting list, or at its date through one scheduled job', async () => {
    const summary = await importSummary(db.prisma, ann, validated.id);
    expect(summary.started).toBe(file.valid.now);
    expect(summary.scheduled.reduce((sum, group) => sum + group.count, 0)).toBe(file.valid.scheduled);
    expect(summary.waiting).toBe(file.valid.count - file.valid.now - file.valid.scheduled);
    const jobs = await db.prisma.job.findMany({ where: { kind: 'activation.scheduledStart' } });
    expect(jobs).toHaveLength(1);
    expect((jobs[0]!.payload as { serviceIds: string[] }).serviceIds).toHaveLength(file.valid.scheduled);
  });

  test('the activation updates of the import\'s services reach the administrator as one digest', async () => {
    const toAnn = await db.prisma.notification.findMany({ where: { recipientId: ann.id, service: { idempotencyKey: { startsWith: `${validated.id}:` } } } });
    expect(toAnn.length).toBeGreaterThan(0);
    expect(new Set(toAnn.map((n) => (n.payload as { digestKey?: string }).digestKey))).toEqual(new Set([`bulkImport:${validated.id}`]));
    const toUsers = await db.prisma.notification.findMany({ where: { recipientId: { not: ann.id }, service: { idempotencyKey: { startsWith: `${validated.id}:` } } } });
    expect(toUsers.every((n) => (n.payload as { digestKey?: string }).digestKey === undefined)).toBe(true);
  });
});

test('a start at a date and time for the whole file is one scheduled job, which fires once across two workers', async () => {
  const rows = generateFile(1_000, now).rows.slice(900, 903).map((cells) => ({ ...cells, sim_card_number: '', activation_method: 'email' }));
  const csv = [templateColumns.join(','), ...rows.map((cells) => templateColumns.map((column) => cells[column]).join(','))].join('\r\n');
  const validated = await validate('monday.csv', csv);
  expect(validated.validRows).toBe(3);
  const monday = new Date(now.getTime() + 3 * 24 * 3_600_000);
  expect((await confirmImport(db.prisma, ann, validated.id, { start: 'AT', at: monday, confirmKey: 'confirm-monday-1' }, now)).confirmed).toBe(true);
  await createImportServices(db.prisma, validated.id);
  const ids = (await db.prisma.service.findMany({ where: { idempotencyKey: { startsWith: `${validated.id}:` } }, select: { id: true } })).map((s) => s.id);
  expect(await db.prisma.service.count({ where: { id: { in: ids }, status: 'WAITING_FOR_ACTIVATION', scheduledStartAt: monday } })).toBe(3);
  const [job] = await db.prisma.job.findMany({ where: { kind: 'activation.scheduledStart', payload: { path: ['serviceIds'], array_contains: ids[0] } } });
  expect(job!.runAt).toEqual(monday);

  // Monday has come (the job's time is moved, as a restart would find it): two workers race for it.
  await db.prisma.job.update({ where: { id: job!.id }, data: { runAt: new Date(Date.now() - 1_000) } });
  const worker = (id: string) => new JobWorker({ db: db.prisma, workerId: id, handlers: { 'activation.scheduledStart': scheduledStartJob(db.prisma, 14) } });
  const ran = await Promise.all([worker('process-a').runDue(), worker('process-b').runDue()]);
  expect(ran.reduce((sum, n) => sum + n, 0)).toBe(1);
  expect(await db.prisma.job.findUniqueOrThrow({ where: { id: job!.id } })).toMatchObject({ state: 'DONE', attempts: 1 });
  expect(await db.prisma.serviceEvent.count({ where: { serviceId: { in: ids }, kind: 'service_started' } })).toBe(3);
  expect(await db.prisma.service.count({ where: { id: { in: ids }, status: 'WAITING_FOR_SIM' } })).toBe(3);
});

test('the catalog may be named in any language, and a wrong name is answered with the names in the reader\'s', async () => {
  const rows = generateFile(1_000, now).rows.slice(910, 913).map((cells) => ({ ...cells, sim_card_number: '', activation_method: 'email' }));
  const named = [
    { service_type: 'Mobiel internet', bundle: 'Data 20 GB', options: 'Roamingdata 5 GB' },
    { service_type: 'Internet mobile', bundle: 'Données 20 Go', options: 'Données en itinérance 5 Go' },
    { service_type: 'Mobiel internet', bundle: 'Data 99 GB', options: '' },
  ].map((catalog, i) => ({ ...rows[i]!, product_type: 'Dstny Mobile', ...catalog }));
  const csv = [templateColumns.join(','), ...named.map((cells) => templateColumns.map((column) => cells[column]).join(','))].join('\r\n');
  const validated = await validate('talen.csv', csv);
  expect(validated.validRows).toBe(2);
  const [wrong] = (await importReport(db.prisma, ann, validated.id, 0)).rows;
  const bundle = wrong!.problems.find((problem) => problem.column === 'bundle')!;
  expect(problemText('nl', bundle, now)).toContain('Mobiel internet');
  expect(problemText('nl', bundle, now)).toContain('Data 10 GB, Data 20 GB, Data 100 GB');
  expect(problemText('fr', bundle, now)).toContain('Données 10 Go, Données 20 Go, Données 100 Go');
});

describe('files that are not an import get a clear answer and leave nothing behind', () => {
  const header = templateColumns.join(',');
  const row = (email: string) => `${email},Dstny Mobile,Mobile,Mobile S,,new,,,,,,,,,,,,,,email,later`;

  test('a file that is neither CSV nor XLSX', async () => {
    expect((await rejection('photo.png', 'not a table')).reason).toBe('not-csv-or-xlsx');
  });

  test('an empty file, and one with a header only', async () => {
    expect((await rejection('empty.csv', '')).reason).toBe('empty');
    expect((await rejection('header.csv', `${header}\r\n`)).reason).toBe('empty');
  });

  test('wrong headers: the missing and the unknown columns are named', async () => {
    const wrong = await rejection('wrong.csv', `email,product,${templateColumns.slice(2).join(',')}\r\n${row('x@demo.example')}`);
    expect(wrong.reason).toBe('headers');
    expect(wrong.details).toEqual({ missing: ['user_email', 'product_type'], unknown: ['email', 'product'] });
  });

  test('a file over 5 MB is not read further', async () => {
    const big = `${header}\r\n${row(`${'a'.repeat(60)}@demo.example`).repeat(1)}\r\n`.padEnd(MAX_FILE_BYTES + 10, '#');
    expect((await rejection('big.csv', big)).reason).toBe('too-big');
  });

  test('a file of more than 5,000 rows', async () => {
    const many = [header, ...Array.from({ length: 5_001 }, () => ',Nothing')].join('\r\n');
    expect((await rejection('many.csv', many)).reason).toBe('too-many-rows');
  });

  test('an XLSX that is not a workbook', async () => {
    expect((await rejection('broken.xlsx', 'PK this is no zip')).reason).toBe('unreadable');
  });

  test('nothing of the refused files was kept', async () => {
    expect(await db.prisma.bulkImport.count({ where: { fileName: { in: ['photo.png', 'empty.csv', 'header.csv', 'wrong.csv', 'big.csv', 'many.csv', 'broken.xlsx'] } } })).toBe(0);
  });
});

describe('the templates', () => {
  test('the CSV template is the header the import reads', async () => {
    expect(templateCsv().replace(/^\uFEFF/, '').trim()).toBe(templateColumns.join(','));
    await expect(validate('template.csv', templateCsv())).rejects.toMatchObject({ reason: 'empty' });
  });

  test('the XLSX template, filled in a spreadsheet, is read like the CSV', async () => {
    const template = await templateXlsx({ sheet: 'Help', column: 'Column', example: 'Example' });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(template as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Services')!;
    expect((sheet.getRow(1).values as string[]).slice(1)).toEqual([...templateColumns]);
    const cells = { ...file.rows[1]! };
    sheet.addRow(templateColumns.map((column) => cells[column]));
    const dated = sheet.addRow(templateColumns.map((column) => (column === 'activation_when' ? new Date(Date.UTC(2020, 0, 6, 8, 0)) : file.rows[2]![column])));
    // The person typed a date where the template has text: the spreadsheet made it a date cell.
    dated.getCell(templateColumns.indexOf('activation_when') + 1).numFmt = 'yyyy-mm-dd hh:mm';
    const filled = Buffer.from(await workbook.xlsx.writeBuffer());
    const validated = await validate('filled.xlsx', filled);
    expect(validated).toMatchObject({ totalRows: 2, validRows: 0 });
    const report = await importReport(db.prisma, ann, validated.id);
    // Row 2's SIM card is now in use (the 1,000-row import took it); row 3's date is read as a date, and has passed.
    expect(report.rows.map((row) => [row.rowNumber, row.problems.map((problem) => problem.column)])).toEqual([
      [2, ['sim_card_number']],
      [3, ['activation_when']],
    ]);
    expect(report.rows[1]!.problems[0]!.vars).toEqual({ value: '2020-01-06 08:00' });
  });
});
