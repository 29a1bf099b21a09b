import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { problemText, startReply, summaryText } from '../../dialogs/bulkImport';
import { demo } from '../../prisma/demoData';
import { confirmImport, createImportServices } from '../../services/bulkImport/creation';
import { templateColumns, type RowCells } from '../../services/bulkImport/importFile';
import { importReport, type InvalidRow } from '../../services/bulkImport/report';
import { templateXlsx } from '../../services/bulkImport/template';
import { validateImport } from '../../services/bulkImport/validation';
import { toCsv } from '../../services/fleet/csv';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { leaveEsimsInStock } from '../support/addServiceDriver';
import { blankRow, bulkEmail, bulkIccid, prepareOrganisation } from '../support/bulkImportFile';
import { openTestDatabase } from '../support/database';

/** A file's rows may ask for an eSIM: the stock left is shared out over the whole file, in file order. */

let db: Database;
let ann: Actor;
const now = new Date();

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  await prepareOrganisation(db.prisma, 30);
  ann = await db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email }, include: { organisation: true } });
}, 60_000);

afterAll(async () => {
  await db?.close();
});

/** A valid row for a new Dstny Mobile service, for the n-th employee of the file, changed as given. */
const row = (n: number, cells: Partial<RowCells> = {}): RowCells => ({
  ...blankRow(), user_email: bulkEmail(n % 30), product_type: 'Dstny Mobile', service_type: 'Mobile', bundle: 'Mobile S',
  number_option: 'new', activation_method: 'email', activation_when: 'later', ...cells,
});
/** The file as a spreadsheet saves it, with the SIM type's header as a person would write it. */
const csvOf = (rows: RowCells[]) =>
  toCsv(templateColumns.map((column) => (column === 'sim_type' ? 'SIM type' : column)), rows.map((cells) => templateColumns.map((column) => cells[column])));
const validate = (name: string, rows: RowCells[]) => validateImport(db.prisma, ann, { name, content: Readable.from([Buffer.from(csvOf(rows))]) }, now);

async function invalidRows(importId: string): Promise<InvalidRow[]> {
  const rows: InvalidRow[] = [];
  for (let page = 0; ; page++) {
    const report = await importReport(db.prisma, ann, importId, page);
    rows.push(...report.rows);
    if (page >= report.pages - 1) return rows;
  }
}

const esimsInStock = () => db.prisma.simCard.count({ where: { organisationId: ann.organisationId, form: 'ESIM', state: 'IN_STOCK', service: { is: null } } });

test('25 valid rows ask for an eSIM with 20 in stock: the report names the rows that get none, and the others get theirs', async () => {
  const putBack = await leaveEsimsInStock(db.prisma, ann.organisationId, 20);
  const spellings = ['eSIM', 'e-sim', 'E-SIM', 'esim'];
  const rows = [
    // Invalid for its bundle: it is not created, so it takes none of the eSIMs.
    row(0, { sim_type: 'eSIM', bundle: 'Mobile XXL' }),
    ...Array.from({ length: 25 }, (_, n) => row(n + 1, { sim_type: spellings[n % 4], activation_method: 'automatic' })),
    row(26, { sim_type: 'fysiek' }),
    row(27, { sim_type: 'physique', sim_card_number: bulkIccid(0), activation_method: 'automatic' }),
    row(28, { sim_type: 'plastic' }),
    row(29, { sim_type: 'esim', sim_card_number: bulkIccid(1) }),
    row(3, { product_type: 'Dstny SmartMobile', service_type: 'UC user', bundle: 'UC user', number_option: '', sim_type: 'esim' }),
  ];
  const validated = await validate('esims.csv', rows);
  expect(validated).toMatchObject({ totalRows: 31, validRows: 22 });

  const invalid = await invalidRows(validated.id);
  expect(invalid.map((found) => [found.rowNumber, found.problems.map((problem) => problem.column)])).toEqual([
    [2, ['bundle']],
    [23, ['sim_type']],
    [24, ['sim_type']],
    [25, ['sim_type']],
    [26, ['sim_type']],
    [27, ['sim_type']],
    [30, ['sim_type']],
    [31, ['sim_card_number']],
    [32, ['sim_type']],
  ]);
  const says = (rowNumber: number, language: 'en' | 'nl' | 'fr' = 'en') => problemText(language, invalid.find((found) => found.rowNumber === rowNumber)!.problems[0]!, now);
  expect(says(23)).toBe('The eSIMs left in your stock (20) all go to rows above this one. Write physical in sim_type, or ask the operator for more eSIM profiles.');
  expect(says(27, 'nl')).toBe("De eSIM's die nog in je voorraad zitten (20) gaan allemaal naar rijen hierboven. Schrijf physical in sim_type, of vraag de operator om nieuwe eSIM-profielen.");
  expect(says(27, 'fr')).toBe("Les eSIM qui restent dans votre stock (20) vont toutes à des lignes plus haut. Écrivez physical dans sim_type, ou demandez de nouveaux profils eSIM à l'opérateur.");
  expect(says(30)).toBe('"plastic" is not a SIM type. Expected physical or esim (empty: physical).');
  expect(says(31)).toBe('An eSIM has no SIM card number: leave this cell empty, or write physical in sim_type.');
  expect(says(32)).toBe('UC user does not have this: leave the cell empty.');
  // Checking reserves nothing.
  expect(await esimsInStock()).toBe(20);

  expect((await confirmImport(db.prisma, ann, validated.id, { start: 'AS_IN_FILE', confirmKey: 'confirm-esims-1' }, now)).confirmed).toBe(true);
  await createImportServices(db.prisma, validated.id);
  expect(await db.prisma.bulkImport.findUniqueOrThrow({ where: { id: validated.id } })).toMatchObject({ status: 'DONE', createdCount: 22, failedCount: 0 });
  const services = await db.prisma.service.findMany({ where: { idempotencyKey: { startsWith: `${validated.id}:` } }, include: { simCard: true, events: true } });
  const esims = services.filter((service) => service.simCard?.form === 'ESIM');
  expect(esims).toHaveLength(20);
  expect(esims.every((service) => service.simCard!.state === 'ASSIGNED' && service.events.some((event) => event.kind === 'esim_reserved'))).toBe(true);
  expect(esims.every((service) => service.activationMethod === 'AUTOMATIC')).toBe(true);
  expect(services.filter((service) => service.simCard?.form === 'PHYSICAL').map((service) => service.simCard!.iccid)).toEqual([bulkIccid(0)]);
  expect(await esimsInStock()).toBe(0);

  // With none left, a row asking for one is told so.
  const empty = await validate('one-more.csv', [row(5, { sim_type: 'esim' })]);
  const [none] = await invalidRows(empty.id);
  expect(problemText('en', none!.problems[0]!, now)).toBe('Your organisation has no eSIM left in stock. Choose a physical SIM card, or ask the operator for more eSIM profiles.');
  await putBack();
}, 60_000);

test('eSIMs taken by other orders between the check and the creation: the rows that get none fail with the reason', async () => {
  const putBack = await leaveEsimsInStock(db.prisma, ann.organisationId, 2);
  const validated = await validate('two-esims.csv', [row(6, { sim_type: 'esim' }), row(7, { sim_type: 'e-sim' })]);
  expect(validated.validRows).toBe(2);
  await putBack();
  const restore = await leaveEsimsInStock(db.prisma, ann.organisationId, 1);

  expect((await confirmImport(db.prisma, ann, validated.id, { start: 'AS_IN_FILE', confirmKey: 'confirm-esims-2' }, now)).confirmed).toBe(true);
  await createImportServices(db.prisma, validated.id);
  expect(await db.prisma.bulkImport.findUniqueOrThrow({ where: { id: validated.id } })).toMatchObject({ createdCount: 1, failedCount: 1 });
  // The two rows are created side by side: either may be the one left without.
  expect(await summaryText(db.prisma, ann, 'en', validated.id)).toMatch(/\n\nRow [23]: Your organisation has no eSIM left in stock\. Choose a physical SIM card, or ask the operator for more eSIM profiles\./);
  await restore();
}, 60_000);

test('the template shows the SIM type column, and the intro card says what it takes', async () => {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load((await templateXlsx({ sheet: 'Help', column: 'Column', example: 'Example' })) as unknown as ArrayBuffer);
  const help = workbook.getWorksheet('Help')!;
  const examples = new Map<string, string>();
  help.eachRow((line) => examples.set(String(line.getCell(1).value), String(line.getCell(2).value)));
  expect(examples.get('sim_type')).toBe('physical | esim');
  expect((workbook.getWorksheet('Services')!.getRow(1).values as string[]).slice(1)).toContain('sim_type');

  const intro = startReply('en');
  if (intro.kind !== 'card') throw new Error('expected a card');
  expect(JSON.stringify(intro.card)).toContain('SIM card number (empty: the user enters it; none with sim_type esim, where the user gets a QR code when the activation starts)');
});
