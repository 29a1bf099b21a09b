import { Readable } from 'node:stream';
import { problemText, summaryText } from '../../dialogs/bulkImport';
import { demo } from '../../prisma/demoData';
import { confirmImport, createImportServices } from '../../services/bulkImport/creation';
import { templateColumns, type RowCells } from '../../services/bulkImport/importFile';
import { importSummary } from '../../services/bulkImport/progress';
import { importNewUsers, importReport } from '../../services/bulkImport/report';
import { validateImport } from '../../services/bulkImport/validation';
import * as serviceOrders from '../../services/addService/orderSaving';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';

/** A file's rows may name users who are not in the organisation yet: with a name, they are added before their services. */

let db: Database;
let ann: Actor;
const now = new Date();

const eva = { email: 'eva.janssens@demo.example', name: 'Eva Janssens' };
const tom = { email: 'tom.dubois@demo.example', name: 'Tom Dubois' };

/** A valid row for a new mobile service, waiting for activation, for the user these cells name. */
const row = (user: Partial<RowCells>): RowCells => ({
  ...(Object.fromEntries(templateColumns.map((column) => [column, ''])) as RowCells),
  product_type: 'Dstny Mobile', service_type: 'Mobile', bundle: 'Mobile S', number_option: 'new', activation_method: 'email', activation_when: 'later',
  ...user,
});
const csvOf = (rows: RowCells[], columns: readonly string[] = templateColumns) =>
  [columns.join(','), ...rows.map((cells) => columns.map((column) => cells[column as keyof RowCells]).join(','))].join('\r\n');
const validate = (name: string, csv: string) => validateImport(db.prisma, ann, { name, content: Readable.from([Buffer.from(csv)]) }, now);

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ann = await db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email }, include: { organisation: true } });
  // Free mobile numbers for the new services.
  await db.prisma.phoneNumber.createMany({ data: Array.from({ length: 10 }, (_, n) => ({ e164: `+32468${String(n).padStart(6, '0')}`, kind: 'MOBILE' as const })), skipDuplicates: true });
}, 60_000);

afterAll(async () => {
  await db?.close();
});

test('two new users (one on two rows) and an existing one: 2 people added once each, 4 services, even when the creation crashes and resumes', async () => {
  const validated = await validate('new-people.csv', csvOf([
    row({ user_email: eva.email, user_name: eva.name }),
    row({ user_email: demo.jan.email }),
    row({ user_email: tom.email.toUpperCase(), user_name: tom.name, user_language: 'Français' }),
    row({ user_email: eva.email, user_name: eva.name }),
  ]));
  expect(validated).toMatchObject({ totalRows: 4, validRows: 4 });
  expect(await importNewUsers(db.prisma, ann, validated.id)).toEqual([
    { displayName: eva.name, email: eva.email },
    { displayName: tom.name, email: tom.email },
  ]);
  expect(await db.prisma.person.count({ where: { email: { in: [eva.email, tom.email] } } })).toBe(0);

  expect((await confirmImport(db.prisma, ann, validated.id, { start: 'AS_IN_FILE', confirmKey: 'confirm-new-people' }, now)).confirmed).toBe(true);
  // The process dies at the first service saved: the people of the batch were added just before.
  const spy = jest.spyOn(serviceOrders, 'saveService').mockRejectedValueOnce(new Error('the process was killed'));
  await expect(createImportServices(db.prisma, validated.id)).rejects.toThrow('the process was killed');
  spy.mockRestore();
  expect(await db.prisma.person.count({ where: { email: { in: [eva.email, tom.email] } } })).toBe(2);
  await createImportServices(db.prisma, validated.id);

  expect(await db.prisma.bulkImport.findUniqueOrThrow({ where: { id: validated.id } })).toMatchObject({ status: 'DONE', createdCount: 4, failedCount: 0 });
  const people = await db.prisma.person.findMany({ where: { email: { in: [eva.email, tom.email] } }, orderBy: { email: 'asc' } });
  expect(people.map((person) => [person.displayName, person.email, person.role, person.preferredLanguage])).toEqual([
    [eva.name, eva.email, 'USER', ann.preferredLanguage ?? ann.lastLanguage ?? 'en'],
    [tom.name, tom.email, 'USER', 'fr'],
  ]);
  expect(await db.prisma.auditEvent.count({ where: { action: 'person.added', subjectId: { in: people.map((person) => person.id) } } })).toBe(2);
  const services = await db.prisma.service.findMany({ where: { idempotencyKey: { startsWith: `${validated.id}:` } }, include: { user: true } });
  expect(services.map((service) => service.user.email).sort()).toEqual([eva.email, eva.email, demo.jan.email, tom.email].sort());
  // The summary counts each added person once, though the creation ran twice.
  expect((await importSummary(db.prisma, ann, validated.id)).peopleAdded).toBe(2);
  expect(await summaryText(db.prisma, ann, 'en', validated.id)).toContain('2 new users added to your organisation.');
});

test('a removed person named with a name is brought back, with their history', async () => {
  const removed = await db.prisma.person.create({
    data: { organisationId: ann.organisationId, role: 'USER', email: 'lena.removed@demo.example', displayName: 'Lena Old', removedAt: new Date(now.getTime() - 86_400_000) },
  });
  const validated = await validate('back.csv', csvOf([row({ user_email: removed.email, user_name: 'Lena Peeters', user_language: 'nl' })]));
  expect(await importNewUsers(db.prisma, ann, validated.id)).toEqual([{ displayName: 'Lena Peeters', email: removed.email }]);
  await confirmImport(db.prisma, ann, validated.id, { start: 'AS_IN_FILE', confirmKey: 'confirm-lena-back' }, now);
  await createImportServices(db.prisma, validated.id);
  expect(await db.prisma.person.findUniqueOrThrow({ where: { id: removed.id } })).toMatchObject({ displayName: 'Lena Peeters', removedAt: null, preferredLanguage: 'nl' });
  expect(await db.prisma.service.count({ where: { userId: removed.id, idempotencyKey: { startsWith: `${validated.id}:` } } })).toBe(1);
  expect((await importSummary(db.prisma, ann, validated.id)).peopleAdded).toBe(1);
});

test('a new email without a name is refused, naming the column to fill in, in every language', async () => {
  const validated = await validate('no-name.csv', csvOf([row({ user_email: 'nameless@demo.example' })]));
  expect(validated.validRows).toBe(0);
  const [refused] = (await importReport(db.prisma, ann, validated.id)).rows;
  expect(refused!.problems.map((problem) => problem.column)).toEqual(['user_email']);
  for (const language of ['en', 'nl', 'fr'] as const) {
    expect(problemText(language, refused!.problems[0]!, now)).toContain('nameless@demo.example');
    expect(problemText(language, refused!.problems[0]!, now)).toContain('user_name');
  }
  expect(await importNewUsers(db.prisma, ann, validated.id)).toEqual([]);
});

test('a new user\'s cells are checked: the language, the email, one name per email', async () => {
  const validated = await validate('new-wrong.csv', csvOf([
    row({ user_email: 'kim@demo.example', user_name: 'Kim Maes', user_language: 'Klingon' }),
    row({ user_email: 'not-an-email', user_name: 'Nobody' }),
    row({ user_email: 'sam@demo.example', user_name: 'Sam Claes' }),
    row({ user_email: 'sam@demo.example', user_name: 'Samuel Claes' }),
  ]));
  const rows = (await importReport(db.prisma, ann, validated.id)).rows;
  expect(rows.map((invalid) => [invalid.rowNumber, invalid.problems.map((problem) => problem.column)])).toEqual([
    [2, ['user_language']],
    [3, ['user_email']],
    [5, ['user_name']],
  ]);
  expect(problemText('en', rows[2]!.problems[0]!, now)).toBe('This email is also on row 4 with the name Sam Claes: one email is one person, give the same name.');
});

test('a file made before the user_name and user_language columns imports as before', async () => {
  const older = templateColumns.filter((column) => column !== 'user_name' && column !== 'user_language');
  const validated = await validate('older.csv', csvOf([row({ user_email: demo.jan.email })], older));
  expect(validated).toMatchObject({ totalRows: 1, validRows: 1 });
  await confirmImport(db.prisma, ann, validated.id, { start: 'AS_IN_FILE', confirmKey: 'confirm-older' }, now);
  await createImportServices(db.prisma, validated.id);
  expect((await importSummary(db.prisma, ann, validated.id)).peopleAdded).toBe(0);
  expect(await summaryText(db.prisma, ann, 'en', validated.id)).not.toContain('new users');
});
