import ExcelJS from 'exceljs';
import { toCsv } from '../fleet/csv';
import { templateColumns, type RowCells } from './importFile';

/** The template an administrator fills in: CSV (the header only), or XLSX with a help sheet. */

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
  user_name: 'Jan Peeters',
  user_language: 'nl | fr | en',
  sim_type: 'physical | esim',
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
