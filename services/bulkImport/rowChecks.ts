import { z } from 'zod';
import { ActivationMethod, ActivationTiming, HolderKind, Language, LineType, NumberKind, NumberOption, SimForm } from '../../prisma/generated/enums';
import { contractCatalog, localisedSchema, namesList, type CatalogProduct, type CatalogServiceType, type Localised } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import { donorOperators } from '../numbers/donorOperators';
import type { Actor } from '../people/people';
import { checkBelgianMobile, checkBelgianNumber } from '../numbers/phoneNumbers';
import { precheckPortingFor, type PortingDetailsInput, type PortingField, type PrecheckCode } from '../numbers/portingDetails';
import { fixedNumberFor, movableNumbers } from '../addService/numberChoices';
import { automaticActivationAllowed, FixedOption, serviceDraftSchema, SimOption, stepInputSchemas, stepsOf } from '../addService/orderDraft';
import { checkSimForService, esimsLeftFor } from '../addService/simCheck';
import { normaliseIccid } from '../simCards/simNumber';
import { plainText } from '../people/userSearch';
import { employeeChangeSchema } from '../people/peopleAdmin';
import { brusselsInstant, isCalendarDate } from '../platform/workingDays';
import { templateColumns, type RowCells, type TemplateColumn } from './importFile';

/**
 * A row of an import, checked with the add-service flow's own rules (its schemas, saveService's checks, the porting
 * pre-check, the SIM stock): the order it describes, or what is wrong with each of its cells.
 */

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
  /** The row's user is no one of the organisation yet: added, as this, before the service is created. */
  newUser: employeeChangeSchema.optional(),
});
export type BulkDraft = z.output<typeof bulkDraftSchema>;

export const rowProblemSchema = z.object({
  column: z.enum(templateColumns),
  message: z.string(),
  vars: z.record(z.string(), z.union([z.string(), localisedSchema])).optional(),
  porting: z.string().optional(),
});

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
const languageOf = wordsFor<Language>({
  en: ['en', 'english', 'engels', 'anglais'],
  nl: ['nl', 'nederlands', 'dutch', 'neerlandais'],
  fr: ['fr', 'francais', 'french', 'frans'],
});
const simFormOf = wordsFor<SimForm>({
  PHYSICAL: ['physical', 'physical sim', 'sim', 'sim card', 'fysiek', 'fysieke sim', 'fysieke simkaart', 'simkaart', 'physique', 'sim physique', 'carte sim', 'carte sim physique'],
  ESIM: ['esim', 'e-sim', 'e sim', 'esim profile', 'esim-profiel', 'profil esim'],
});
const timingOf = wordsFor<ActivationTiming>({ NOW: ['now', 'nu', 'maintenant', 'immediately'], LATER: ['later', 'plus tard', 'wait'] });
const operatorOf = (cell: string) => donorOperators.find((operator) => [operator.code, operator.name].some((word) => plainText(word) === plainText(cell)))?.code;

// A cell may name the catalog by code or by its name in any language.
const byName = (cell: string) => (item: { code: string; name: Localised }) =>
  [item.code, ...Object.values(item.name)].some((word) => plainText(word) === plainText(cell));

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::\d{2})?$/;

type RowCheck = { ok: true; draft: BulkDraft } | { ok: false; problems: RowProblem[] };

/**
 * Checks rows against the organisation as it is now, with what earlier rows of the same file already claim (a SIM
 * card, a number to port or move, a fixed number can be used once; the eSIMs left in stock go to the first valid rows
 * asking for one).
 */
export class RowChecker {
  private readonly claimed = new Map<string, number>();
  private esimsGiven = 0;
  /** New users by email, as the first row naming them gave them: two rows with one email add one person. */
  private readonly newUsers = new Map<string, { rowNumber: number; displayName: string }>();

  private constructor(
    private readonly db: Db,
    private readonly actor: Actor,
    private readonly catalog: CatalogProduct[],
    private readonly movable: Map<string, string>,
    private readonly esimsLeft: number,
    private readonly now: Date,
  ) {}

  static async open(db: Db, actor: Actor, now: Date): Promise<RowChecker> {
    const movable = new Map((await movableNumbers(db, actor)).map((number) => [number.e164, number.serviceId]));
    return new RowChecker(db, actor, await contractCatalog(db, actor), movable, await esimsLeftFor(db, actor), now);
  }

  /** The row that already claimed `key`, or undefined after claiming it for `rowNumber`. */
  private claim(key: string, rowNumber: number): number | undefined {
    const first = this.claimed.get(key);
    if (first === undefined) this.claimed.set(key, rowNumber);
    return first;
  }

  /** The present people of the organisation with these emails, by lower-case email: one query for a chunk of rows. */
  async usersByEmail(emails: string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(emails.filter(Boolean).map((email) => email.toLowerCase()))];
    // A removed person is no user to give a service to: their row brings them back as a new user.
    const people = wanted.length === 0
      ? []
      : await this.db.person.findMany({
        where: { organisationId: this.actor.organisationId, removedAt: null, email: { in: wanted, mode: 'insensitive' } },
        select: { id: true, email: true },
      });
    return new Map(people.map((person) => [person.email.toLowerCase(), person.id]));
  }

  async check(rowNumber: number, cells: RowCells, users: Map<string, string>): Promise<RowCheck> {
    const problems: RowProblem[] = [];
    const problem = (column: TemplateColumn, message: string, vars?: ProblemVars) => problems.push({ column, message, ...(vars ? { vars } : {}) });
    const draft: BulkDraft = { optionCodes: [] };

    const email = cells.user_email;
    const userId = users.get(email.toLowerCase());
    if (!email) problem('user_email', 'bulkImport.problem.userMissing');
    else if (userId) draft.userId = userId;
    else this.checkNewUser(rowNumber, cells, draft, problem);

    const type = this.serviceTypeOf(cells, draft, problem);
    if (type) this.checkBundle(cells, type, draft, problem);

    const steps = type ? stepsOf(type) : { number: false, sim: false, fixedNumber: false };
    if (type && steps.number) await this.checkNumber(rowNumber, cells, draft, problems, problem);
    if (type && steps.sim) await this.checkSim(rowNumber, cells, draft, problem);
    if (type && steps.fixedNumber) await this.checkFixedNumber(rowNumber, cells, draft, problem);
    if (type) {
      const notApplicable = ([
        ...(steps.number ? [] : ['number_option', 'number', 'move_from_number'] as const),
        ...(steps.sim ? [] : ['sim_card_number', 'sim_type'] as const),
        ...(steps.fixedNumber ? [] : ['fixed_number'] as const),
      ] as TemplateColumn[]).filter((column) => cells[column] !== '');
      for (const column of notApplicable) problem(column, 'bulkImport.problem.notApplicable', { type: type.name });
    }
    this.checkActivation(cells, type, draft, problem);
    // Only a row that is otherwise valid takes one of the eSIMs left: an invalid row is not created.
    if (problems.length === 0 && draft.simOption === SimOption.ESIM) {
      if (this.esimsLeft === 0) problem('sim_type', 'addService.error.noEsimInStock');
      else if (this.esimsGiven >= this.esimsLeft) problem('sim_type', 'bulkImport.problem.esimsTaken', { count: String(this.esimsLeft) });
      else this.esimsGiven += 1;
    }
    return problems.length === 0 ? { ok: true, draft } : { ok: false, problems };
  }

  /** A user no one of the organisation has: valid with a name (and a language, or the administrator's). */
  private checkNewUser(rowNumber: number, cells: RowCells, draft: BulkDraft, problem: (column: TemplateColumn, message: string, vars?: ProblemVars) => void): void {
    if (!cells.user_name) return problem('user_email', 'bulkImport.problem.userUnknown', { value: cells.user_email });
    const language = cells.user_language ? languageOf(cells.user_language) : (this.actor.preferredLanguage ?? this.actor.lastLanguage ?? Language.en);
    if (!language) return problem('user_language', 'bulkImport.problem.language', { value: cells.user_language });
    const person = employeeChangeSchema.safeParse({ displayName: cells.user_name, email: cells.user_email, language });
    if (!person.success) {
      const fields = new Set(person.error.issues.map((issue) => issue.path[0]));
      if (fields.has('email')) problem('user_email', 'bulkImport.problem.userEmail', { value: cells.user_email });
      if (fields.has('displayName')) problem('user_name', 'bulkImport.problem.userNameTooLong');
      return;
    }
    const first = this.newUsers.get(person.data.email);
    if (first && plainText(first.displayName) !== plainText(person.data.displayName)) {
      return problem('user_name', 'bulkImport.problem.userNameDiffers', { row: String(first.rowNumber), name: first.displayName });
    }
    if (!first) this.newUsers.set(person.data.email, { rowNumber, displayName: person.data.displayName });
    draft.newUser = person.data;
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
    const form = cells.sim_type ? simFormOf(cells.sim_type) : SimForm.PHYSICAL;
    if (!form) return problem('sim_type', 'bulkImport.problem.simType', { value: cells.sim_type });
    if (form === SimForm.ESIM) {
      if (cells.sim_card_number) return problem('sim_card_number', 'bulkImport.problem.esimWithNumber');
      draft.simOption = SimOption.ESIM;
      return;
    }
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
    // SIM cells that are there but wrong are their own problem, not this one's: without a SIM choice, nothing is said.
    else if (type && method === ActivationMethod.AUTOMATIC && draft.simOption && !automaticActivationAllowed(type, draft)) {
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
