import { toCsv } from '../../services/fleet/csv';
import { templateColumns, type RowCells, type TemplateColumn } from '../../services/bulkImport/importFile';
import { addWorkingDays, brusselsDate } from '../../services/platform/workingDays';
import { belgianVat, demoIccid, demoScenario, DEMO_TENANT_ID, otherStockIccids } from '../../prisma/demoData';
import type { Db } from '../../services/platform/db/database';

/**
 * A generated import file of `size` rows for Demo Company NV, with one error per rule at a known row, and the
 * organisation made big enough for it (employees, SIM cards in stock, free numbers). `expected` names, for each
 * invalid row, the columns the report must name.
 */

const ISSUER = 10;
const BULK_SERIES = 7;
export const bulkEmail = (n: number) => `bulk.employee.${n}@demo.example`;
export const bulkIccid = (n: number) => demoIccid(ISSUER, BULK_SERIES, n);
const portNumber = (n: number) => `+32479${String(100_000 + n).padStart(6, '0')}`;
/** A number whose transfer is under way (set up by `prepareOrganisation`). */
export const PORTING_IN_PROGRESS = '+32476000111';

export interface GeneratedFile {
  csv: string;
  rows: RowCells[];
  /** Row number (as the spreadsheet shows it) → the columns the report names. */
  expected: Map<number, TemplateColumn[]>;
  /** What the valid rows ask for. */
  valid: { count: number; newNumbers: number; sims: number; portings: number; moves: number; fixed: number; scheduled: number; now: number };
}

/** Employees, stock and numbers for a file of `size` rows; a porting under way for PORTING_IN_PROGRESS. */
export async function prepareOrganisation(db: Db, size: number): Promise<void> {
  const organisation = await db.organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } });
  await db.person.createMany({
    data: Array.from({ length: size }, (_, n) => ({ organisationId: organisation.id, role: 'USER' as const, email: bulkEmail(n), displayName: `Bulk Employee ${n}` })),
    skipDuplicates: true,
  });
  await db.simCard.createMany({ data: Array.from({ length: size }, (_, n) => ({ organisationId: organisation.id, iccid: bulkIccid(n) })), skipDuplicates: true });
  await db.phoneNumber.createMany({
    data: Array.from({ length: size + 50 }, (_, n) => ({ e164: `+32469${String(n).padStart(6, '0')}`, kind: 'MOBILE' as const })),
    skipDuplicates: true,
  });
  const marie = await db.service.findFirstOrThrow({ where: { organisationId: organisation.id, status: 'WAITING_FOR_ACTIVATION' } });
  await db.portingRequest.create({
    data: { serviceId: marie.id, attempt: 9, e164: PORTING_IN_PROGRESS, donorOperator: 'ORANGE', holderKind: 'PERSON', holderName: 'Someone', lineType: 'SUBSCRIPTION', customerNumber: '12345678', state: 'SUBMITTED' },
  });
}

/** A row with every cell empty. */
export const blankRow = (): RowCells => Object.fromEntries(templateColumns.map((column) => [column, ''])) as RowCells;

export function generateFile(size: number, now: Date): GeneratedFile {
  const later = addWorkingDays(brusselsDate(now), 10);
  const validPorting = (n: number): Partial<RowCells> => ({
    number_option: 'port', number: portNumber(n), donor_operator: 'Proximus', holder_kind: 'company', holder_name: 'Demo Company NV',
    holder_vat: belgianVat('04567123'), line_type: 'subscription', customer_number: `CUST-${1000 + n}`,
  });
  let sim = 0;
  const rows: RowCells[] = Array.from({ length: size }, (_, n) => {
    const row: RowCells = {
      ...blankRow(), user_email: bulkEmail(n), product_type: 'Dstny Mobile', service_type: 'Mobile', bundle: 'Mobile M',
      number_option: 'new', activation_method: 'email', activation_when: 'later',
    };
    if (n % 5 === 1) Object.assign(row, { sim_card_number: bulkIccid(sim++), activation_method: 'automatic', activation_when: 'now' });
    if (n % 50 === 7) Object.assign(row, validPorting(n));
    if (n % 40 === 3) Object.assign(row, { activation_when: `${later} 08:00` });
    return row;
  });
  // A few more of each kind the flow offers.
  Object.assign(rows[20]!, { product_type: 'DSTNY_SMARTMOBILE', service_type: 'Converged SIM', bundle: 'SmartMobile 10 GB' });
  Object.assign(rows[21]!, { product_type: 'dstny smartmobile', service_type: 'SM_CONVERGED', bundle: 'SM_CONV_40', options: 'Call recording' });
  Object.assign(rows[22]!, { number_option: 'move', move_from_number: demoScenario.luc.mobileNumber });
  Object.assign(rows[23]!, { service_type: 'Mobile Internet', bundle: 'Data 20 GB', options: 'ROAM_DATA_5_MI' });
  Object.assign(rows[24]!, { options: 'International 100; Roaming data 5 GB' });
  Object.assign(rows[25]!, { ...validPorting(25), wish_date: later });

  const expected = new Map<number, TemplateColumn[]>();
  const fail = (n: number, change: Partial<RowCells>, columns: TemplateColumn[]) => {
    rows[n] = { ...rows[n]!, ...change };
    expected.set(n + 2, columns);
  };
  // Each rule at least once, on rows that would otherwise be valid.
  fail(100, { user_email: 'nobody@demo.example' }, ['user_email']);
  fail(101, { user_email: 'olga.other@other.example' }, ['user_email']);
  fail(102, { product_type: 'Dstny FMC' }, ['product_type']);
  fail(103, { service_type: 'Converged SIM' }, ['service_type']);
  fail(104, { bundle: 'Mobile XXL' }, ['bundle']);
  fail(105, { options: 'Call recording' }, ['options']);
  fail(106, { number_option: 'keep' }, ['number_option']);
  fail(107, { ...validPorting(107), number: '+32 2 123 45 67' }, ['number']);
  fail(108, { ...validPorting(108), number: demoScenario.jan.mobileNumber }, ['number']);
  fail(109, { ...validPorting(109), number: PORTING_IN_PROGRESS }, ['number']);
  fail(110, { ...validPorting(110), donor_operator: 'Telstra' }, ['donor_operator']);
  fail(111, { ...validPorting(111), holder_name: '' }, ['holder_name']);
  fail(112, { ...validPorting(112), holder_vat: '' }, ['holder_vat']);
  fail(113, { ...validPorting(113), holder_vat: 'BE0123456789' }, ['holder_vat']);
  fail(114, { ...validPorting(114), line_type: 'prepaid' }, ['current_sim_number']);
  fail(115, { ...validPorting(115), line_type: 'prepaid', customer_number: '' }, ['current_sim_number']);
  fail(116, { ...validPorting(116), line_type: 'prepaid', customer_number: '', current_sim_number: '8932123' }, ['current_sim_number']);
  fail(117, { ...validPorting(117), customer_number: '', current_sim_number: bulkIccid(900) }, ['customer_number']);
  fail(118, { ...validPorting(118), customer_number: '' }, ['customer_number']);
  fail(119, { ...validPorting(119), customer_number: '#!' }, ['customer_number']);
  fail(120, { ...validPorting(120), wish_date: 'soon' }, ['wish_date']);
  fail(121, { ...validPorting(121), wish_date: '2020-01-06' }, ['wish_date']);
  fail(122, { ...validPorting(122), wish_date: '2030-06-01' }, ['wish_date']);
  fail(123, { ...validPorting(123), holder_kind: 'robot' }, ['holder_kind']);
  fail(124, { sim_card_number: '8932 ABCD' }, ['sim_card_number']);
  fail(125, { sim_card_number: '89321' }, ['sim_card_number']);
  fail(126, { sim_card_number: '1234567890123456789' }, ['sim_card_number']);
  fail(127, { sim_card_number: bulkIccid(901).slice(0, -1) + String((Number(bulkIccid(901).slice(-1)) + 1) % 10) }, ['sim_card_number']);
  fail(128, { sim_card_number: otherStockIccids[0]! }, ['sim_card_number']);
  fail(129, { sim_card_number: rows[1]!.sim_card_number }, ['sim_card_number']);
  fail(130, { sim_card_number: '', activation_method: 'automatic' }, ['activation_method']);
  fail(131, { activation_when: 'next monday' }, ['activation_when']);
  fail(132, { activation_when: '2020-01-06 08:00' }, ['activation_when']);
  fail(133, { activation_method: 'pigeon' }, ['activation_method']);
  fail(134, { number_option: 'move', move_from_number: demoScenario.jan.mobileNumber }, ['move_from_number']);
  fail(135, { user_email: '', bundle: '' }, ['user_email', 'bundle']);

  const validRows = rows.filter((_, n) => !expected.has(n + 2));
  const sims = validRows.filter((row) => row.sim_card_number !== '').length;
  const portings = validRows.filter((row) => row.number_option === 'port').length;
  const moves = validRows.filter((row) => row.number_option === 'move').length;
  return {
    csv: toCsv([...templateColumns], rows.map((row) => templateColumns.map((column) => row[column]))),
    rows,
    expected,
    valid: {
      count: validRows.length,
      newNumbers: validRows.length - portings - moves,
      sims,
      portings,
      moves,
      fixed: 2,
      scheduled: validRows.filter((row) => / \d{2}:\d{2}$/.test(row.activation_when)).length,
      now: validRows.filter((row) => row.activation_when === 'now').length,
    },
  };
}
