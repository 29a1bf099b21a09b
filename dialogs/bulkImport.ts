import crypto from 'node:crypto';
import { z } from 'zod';
import { renderBulkImportProgressCard } from '../cards/bulkImportProgressCard';
import { renderBulkImportReportCard } from '../cards/bulkImportReportCard';
import { renderBulkImportStartCard } from '../cards/bulkImportStartCard';
import { portingProblemText } from './portingFields';
import type { AdaptiveCard } from '../cards/render';
import { listOf, t, textOfKey, type Language, type StringKey } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import { BulkImportStatus, BulkStart, HolderKind } from '../prisma/generated/enums';
import { cancelImport, confirmImport, type RowFailure } from '../services/bulkImport/creation';
import { FileRejected, type IncomingFile } from '../services/bulkImport/importFile';
import { importNewUsers, importReport, reportCsv, type InvalidRow, type NewUser } from '../services/bulkImport/report';
import { importSummary, recordProgressCard } from '../services/bulkImport/progress';
import { templateCsv, templateXlsx } from '../services/bulkImport/template';
import { validateImport } from '../services/bulkImport/validation';
import type { RowProblem } from '../services/bulkImport/rowChecks';
import type { Db } from '../services/platform/db/database';
import { AccessDenied, Role, type Actor } from '../services/people/people';
import type { PrecheckCode } from '../services/numbers/portingDetails';
import { brusselsInstant, isCalendarDate } from '../services/platform/workingDays';
import { action, defineFeature, plainAction, type FeatureTurn, type OutgoingFile } from './feature';
import type { Reply } from './reply';

/** Bulk migration in the chat: the template, the check of a file sent, the confirmation, progress and summary. */

const CSV = 'text/csv';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** What the report card's buttons carry back, inputs included; the import is checked again by the service. */
export const bulkActionSchema = z.object({
  importId: z.uuid(),
  confirmKey: z.string().min(8).max(100).optional(),
  to: z.coerce.number().int().min(0).max(1_000).catch(0),
  start: z.enum(BulkStart).catch(BulkStart.AS_IN_FILE),
  date: z.string().max(10).optional(),
  time: z.string().regex(/^\d{2}:\d{2}$/).optional(),
});
export type BulkAction = z.infer<typeof bulkActionSchema>;

export const templateActionSchema = z.object({ format: z.enum(['csv', 'xlsx']) });

const count = (language: Language, value: number) => new Intl.NumberFormat(`${language}-BE`).format(value);
const whenFormat = (language: Language) =>
  new Intl.DateTimeFormat(`${language}-BE`, { dateStyle: 'full', timeStyle: 'short', timeZone: 'Europe/Brussels' });

export function startReply(language: Language): Reply {
  return {
    kind: 'card',
    card: renderBulkImportStartCard({
      title: t(language, 'bulkImport.start.title'),
      intro: t(language, 'bulkImport.start.intro'),
      columns: t(language, 'bulkImport.start.columns'),
      limits: t(language, 'bulkImport.start.limits'),
      verb: Verbs.bulkImport.template,
      templates: [
        { title: t(language, 'bulkImport.action.templateCsv'), format: 'csv' },
        { title: t(language, 'bulkImport.action.templateXlsx'), format: 'xlsx' },
      ],
    }),
  };
}

export async function templateFile(language: Language, format: 'csv' | 'xlsx'): Promise<OutgoingFile> {
  const description = t(language, 'bulkImport.template.ready');
  if (format === 'csv') return { name: 'services-template.csv', contentType: CSV, bytes: Buffer.from(templateCsv(), 'utf8'), description };
  const bytes = await templateXlsx({
    sheet: t(language, 'bulkImport.template.helpSheet'),
    column: t(language, 'bulkImport.template.helpColumn'),
    example: t(language, 'bulkImport.template.helpExample'),
  });
  return { name: 'services-template.xlsx', contentType: XLSX, bytes, description };
}

const rejectionKeys: Record<FileRejected['reason'], StringKey> = {
  'not-csv-or-xlsx': 'bulkImport.file.notCsvOrXlsx',
  empty: 'bulkImport.file.empty',
  headers: 'bulkImport.file.headers',
  'too-big': 'bulkImport.file.tooBig',
  'too-many-rows': 'bulkImport.file.tooManyRows',
  unreadable: 'bulkImport.file.unreadable',
};

/** Why a file is not an import, in words. */
export function rejectionText(language: Language, rejection: FileRejected): string {
  const names = (columns: string[] | undefined) => (columns && columns.length > 0 ? listOf(language, columns) : '—');
  return t(language, rejectionKeys[rejection.reason], { missing: names(rejection.details.missing), unknown: names(rejection.details.unknown) });
}

/** Checks a file sent and answers with its report, or why it cannot be read. */
export async function checkFile(db: Db, actor: Actor, language: Language, file: IncomingFile): Promise<Reply> {
  try {
    const validated = await validateImport(db, actor, file);
    return await reportReply(db, actor, language, validated.id, 0);
  } catch (error) {
    if (error instanceof FileRejected) return { kind: 'text', text: rejectionText(language, error) };
    throw error;
  }
}

/** One problem of a row, as the flow would word it: the porting rules with the porting card's own sentences. */
export function problemText(language: Language, problem: RowProblem, checkedAt: Date): string {
  const vars = Object.fromEntries(Object.entries(problem.vars ?? {}).map(([name, value]) => [name, typeof value === 'string' ? value : value[language]]));
  if (!problem.porting) return textOfKey(language, problem.message, vars);
  const warning = { code: problem.porting as PrecheckCode, field: 'number' as const, message: '', blocking: true };
  const holderKind = vars.holderKind === HolderKind.COMPANY ? HolderKind.COMPANY : HolderKind.PERSON;
  return portingProblemText(language, warning, {
    number: '', donorOperator: vars.donorOperator ?? '', holderKind, holderName: '', holderVat: '', lineType: '', currentSimNumber: '', customerNumber: '', wishDate: '',
  }, checkedAt);
}

function rowLines(language: Language, row: InvalidRow, checkedAt: Date): string[] {
  return row.problems.map((problem) => t(language, 'bulkImport.report.problem', { column: problem.column, problem: problemText(language, problem, checkedAt) }));
}

/** New users shown on the report card; the rest are counted, so that a file adding hundreds keeps the card short. */
const NEW_USERS_SHOWN = 20;

/** "2 new users are added when you confirm:" and a line for each, apart from the rows to fix. */
function newUserLines(language: Language, users: NewUser[]): { newUsersTitle: string; newUsers: string[] } {
  if (users.length === 0) return { newUsersTitle: '', newUsers: [] };
  const more = users.length - NEW_USERS_SHOWN;
  return {
    newUsersTitle: t(language, 'bulkImport.report.newUsers', { count: count(language, users.length) }),
    newUsers: [
      ...users.slice(0, NEW_USERS_SHOWN).map((user) => t(language, 'bulkImport.report.newUser', { name: user.displayName, email: user.email })),
      ...(more > 0 ? [t(language, 'bulkImport.report.newUsersMore', { count: count(language, more) })] : []),
    ],
  };
}

/** The report card: counts, the new users, a page of invalid rows, the start choice and the confirmation. */
export async function reportReply(db: Db, actor: Actor, language: Language, importId: string, page: number, message = ''): Promise<Reply> {
  const report = await importReport(db, actor, importId, page);
  const bulk = report.import;
  const invalid = bulk.totalRows - bulk.validRows;
  const confirmable = bulk.status === BulkImportStatus.VALIDATED && bulk.validRows > 0;
  const action = (key: StringKey, verb: string, to = report.page, vars: Record<string, string> = {}) => ({ title: t(language, key, vars), verb, to });
  const actions = [
    ...(confirmable ? [action('bulkImport.action.confirm', Verbs.bulkImport.confirm, report.page, { count: count(language, bulk.validRows) })] : []),
    ...(invalid > 0 ? [action('bulkImport.action.report', Verbs.bulkImport.report)] : []),
    ...(report.page > 0 ? [action('bulkImport.action.previous', Verbs.bulkImport.page, report.page - 1)] : []),
    ...(report.page < report.pages - 1 ? [action('bulkImport.action.next', Verbs.bulkImport.page, report.page + 1)] : []),
    ...(bulk.status === BulkImportStatus.VALIDATED ? [action('bulkImport.action.cancel', Verbs.bulkImport.cancel)] : []),
  ];
  return {
    kind: 'card',
    card: renderBulkImportReportCard({
      title: t(language, 'bulkImport.report.title', { fileName: bulk.fileName }),
      message,
      counts: t(language, 'bulkImport.report.counts', { valid: count(language, bulk.validRows), total: count(language, bulk.totalRows) }),
      invalid: invalid > 0 ? t(language, 'bulkImport.report.invalid', { count: count(language, invalid) }) : t(language, 'bulkImport.report.allValid'),
      ...newUserLines(language, await importNewUsers(db, actor, importId)),
      rows: report.rows.map((row) => ({ heading: t(language, 'bulkImport.report.row', { row: row.rowNumber }), problems: rowLines(language, row, bulk.createdAt) })),
      pages: report.pages,
      pageText: t(language, 'bulkImport.report.page', { page: report.page + 1, pages: report.pages }),
      confirmable,
      startLabel: t(language, 'bulkImport.report.startLabel'),
      starts: [
        { title: t(language, 'bulkImport.report.start.asInFile'), value: BulkStart.AS_IN_FILE },
        { title: t(language, 'bulkImport.report.start.now'), value: BulkStart.NOW },
        { title: t(language, 'bulkImport.report.start.later'), value: BulkStart.LATER },
        { title: t(language, 'bulkImport.report.start.at'), value: BulkStart.AT },
      ],
      dateLabel: t(language, 'bulkImport.report.dateLabel'),
      timeLabel: t(language, 'bulkImport.report.timeLabel'),
      importId: bulk.id,
      confirmKey: crypto.randomUUID(),
      actions,
    }),
  };
}

/** The invalid rows as a CSV with the error column: fixed, it can be sent again as it is. */
export async function reportFile(db: Db, actor: Actor, language: Language, importId: string): Promise<OutgoingFile> {
  const report = await importReport(db, actor, importId, 0);
  const file = await reportCsv(db, actor, importId, (row) => rowLines(language, row, report.import.createdAt).join(' | '));
  return {
    name: file.fileName,
    contentType: CSV,
    bytes: Buffer.from(file.csv, 'utf8'),
    description: t(language, 'bulkImport.report.file', { fileName: report.import.fileName, count: count(language, file.count) }),
  };
}

export type ConfirmOutcome = { confirmed: true; card: AdaptiveCard } | { confirmed: false; reply: Reply };

/** Confirms the import with the start chosen on the card; answers with the progress card, or the report again. */
export async function confirm(db: Db, actor: Actor, language: Language, action: BulkAction, now = new Date()): Promise<ConfirmOutcome> {
  const at = action.start === BulkStart.AT && action.date && isCalendarDate(action.date) && action.time ? brusselsInstant(action.date, action.time) : undefined;
  const result = await confirmImport(db, actor, action.importId, { start: action.start, at, confirmKey: action.confirmKey ?? crypto.randomUUID() }, now);
  if (result.confirmed) return { confirmed: true, card: await progressCard(db, actor, language, action.importId) };
  if (result.reason === 'already') return { confirmed: false, reply: { kind: 'text', text: t(language, 'bulkImport.progress.already') } };
  const message = t(language, result.reason === 'start-invalid' ? 'bulkImport.report.startInvalid' : 'bulkImport.report.nothingValid');
  return { confirmed: false, reply: await reportReply(db, actor, language, action.importId, action.to, message) };
}

export async function cancelReply(db: Db, actor: Actor, language: Language, importId: string): Promise<Reply> {
  const bulk = await cancelImport(db, actor, importId);
  if (bulk.status !== BulkImportStatus.CANCELLED) return { kind: 'text', text: t(language, 'bulkImport.progress.already') };
  return { kind: 'text', text: t(language, 'bulkImport.report.cancelled', { fileName: bulk.fileName }) };
}

/** "412 of 1,000", updated in place while the job creates the services. */
export async function progressCard(db: Db, actor: Actor, language: Language, importId: string): Promise<AdaptiveCard> {
  const { import: bulk } = await importReport(db, actor, importId, 0);
  const finished = bulk.status === BulkImportStatus.DONE;
  return renderBulkImportProgressCard({
    title: t(language, 'bulkImport.progress.title', { fileName: bulk.fileName }),
    count: t(language, 'bulkImport.progress.count', { done: count(language, bulk.createdCount + bulk.failedCount), total: count(language, bulk.validRows) }),
    detail: t(language, 'bulkImport.progress.detail', { created: count(language, bulk.createdCount), failed: count(language, bulk.failedCount) }),
    done: finished ? t(language, 'bulkImport.progress.done', { created: count(language, bulk.createdCount), failed: count(language, bulk.failedCount) }) : '',
    actions: finished ? [{ title: t(language, 'bulkImport.action.waiting'), verb: Verbs.welcome.waitingServices }] : [],
  });
}

function failureText(language: Language, failure: RowFailure): string {
  return textOfKey(language, failure.message, failure.vars);
}

/** The one message at the end: created, started, waiting, scheduled, failed with reasons. */
export async function summaryText(db: Db, actor: Actor, language: Language, importId: string): Promise<string> {
  const summary = await importSummary(db, actor, importId);
  const bulk = summary.import;
  const lines = [t(language, 'bulkImport.summary.title', { fileName: bulk.fileName }), t(language, 'bulkImport.summary.created', { count: count(language, bulk.createdCount) })];
  if (summary.peopleAdded > 0) lines.push(t(language, 'bulkImport.summary.peopleAdded', { count: count(language, summary.peopleAdded) }));
  if (summary.started > 0) lines.push(t(language, 'bulkImport.summary.started', { count: count(language, summary.started) }));
  if (summary.waiting > 0) lines.push(t(language, 'bulkImport.summary.waiting', { count: count(language, summary.waiting) }));
  for (const group of summary.scheduled) {
    lines.push(t(language, 'bulkImport.summary.scheduled', { count: count(language, group.count), when: whenFormat(language).format(group.at) }));
  }
  if (bulk.failedCount > 0) {
    lines.push(t(language, 'bulkImport.summary.failed', { count: count(language, bulk.failedCount) }));
    for (const { rowNumber, failure } of summary.failures) lines.push(t(language, 'bulkImport.summary.failure', { row: rowNumber, reason: failureText(language, failure) }));
  }
  if (bulk.createdCount > 0) lines.push(t(language, 'bulkImport.summary.digest'));
  return lines.join('\n\n');
}

const CONSENT_KIND = 'bulkImport';

/** What a consent card of this feature carries: which file to make when the person accepts. */
const consentContextSchema = z.discriminatedUnion('file', [
  z.object({ kind: z.literal(CONSENT_KIND), file: z.literal('template'), format: z.enum(['csv', 'xlsx']) }),
  z.object({ kind: z.literal(CONSENT_KIND), file: z.literal('report'), importId: z.uuid() }),
]);
type ConsentContext = z.infer<typeof consentContextSchema>;

const refused = (language: Language): Reply => ({ kind: 'text', text: t(language, 'bulkImport.file.notAdministrator') });
const isAdministrator = (turn: FeatureTurn<unknown>) => turn.actor.role === Role.ADMINISTRATOR;
/** The intro card for an administrator; anyone else learns who can do this. */
const start = async (turn: FeatureTurn<unknown>): Promise<Reply[]> => [isAdministrator(turn) ? startReply(turn.language) : refused(turn.language)];

const makeFile = (turn: FeatureTurn<unknown>, request: ConsentContext): Promise<OutgoingFile> =>
  request.file === 'template' ? templateFile(turn.language, request.format) : reportFile(turn.db, turn.actor, turn.language, request.importId);

/** Teams: the consent card now, the file when accepted. The web chat: the file itself. */
async function offerFile(turn: FeatureTurn<unknown>, request: ConsentContext): Promise<Reply[]> {
  await turn.channel.sendFile(await makeFile(turn, request), request);
  return turn.channel.teams ? [{ kind: 'text', text: t(turn.language, 'bulkImport.template.consent') }] : [];
}

/** "Add services from a file": the template, the file sent, its report, the confirmation and the progress card. */
export const bulkImportFeature = defineFeature({
  name: 'bulkImport',
  refusal: refused,
  // An administrator refused can only have named another organisation's import (a replayed or forged card).
  denied: (language, actor) => (actor.role === Role.ADMINISTRATOR ? { kind: 'text', text: t(language, 'bulkImport.notYours') } : refused(language)),
  intents: { bulkImport: start },
  files: async (turn, received) => {
    if (!isAdministrator(turn)) return [refused(turn.language)];
    const file = await received();
    if (!file.ok) return [{ kind: 'text', text: t(turn.language, file.reason === 'several' ? 'bulkImport.file.oneAtATime' : 'bulkImport.file.unreachable') }];
    return [await checkFile(turn.db, turn.actor, turn.language, file.file)];
  },
  actions: {
    [Verbs.bulkImport.start]: plainAction(start),
    [Verbs.bulkImport.template]: action(templateActionSchema, async (turn, data) =>
      isAdministrator(turn) ? offerFile(turn, { kind: CONSENT_KIND, file: 'template', format: data.format }) : [refused(turn.language)]),
    [Verbs.bulkImport.page]: action(bulkActionSchema, async (turn, data) => [await reportReply(turn.db, turn.actor, turn.language, data.importId, data.to)], 'audit'),
    [Verbs.bulkImport.cancel]: action(bulkActionSchema, async (turn, data) => [await cancelReply(turn.db, turn.actor, turn.language, data.importId)], 'audit'),
    [Verbs.bulkImport.report]: action(bulkActionSchema, (turn, data) => offerFile(turn, { kind: CONSENT_KIND, file: 'report', importId: data.importId }), 'audit'),
    // Confirmed: the progress card takes the report card's place in Teams, is a new message in the web chat; either
    // way its place is kept, so that the creation updates it.
    [Verbs.bulkImport.confirm]: action(
      bulkActionSchema,
      async (turn, data) => {
        const outcome = await confirm(turn.db, turn.actor, turn.language, data);
        if (!outcome.confirmed) return [outcome.reply];
        const activityId = await turn.channel.showCard(outcome.card);
        const place = { channelId: turn.channel.channelId, conversationId: turn.channel.conversationId };
        if (activityId) await recordProgressCard(turn.db, turn.actor, data.importId, { ...place, activityId });
        return [];
      },
      'audit',
    ),
  },
  fileConsent: {
    kind: CONSENT_KIND,
    answer: async (turn, answer) => {
      const request = consentContextSchema.safeParse(answer.context);
      if (!request.success) throw new AccessDenied('malformed file consent');
      if (!answer.accepted || !answer.canDeliver) return [];
      return (await answer.deliver(await makeFile(turn, request.data))) ? [] : [{ kind: 'text', text: t(turn.language, 'bulkImport.file.unreachable') }];
    },
  },
});
