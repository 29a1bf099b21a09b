import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { Language } from '../../prisma/generated/enums';
import { belgianVatSchema } from '../numbers/vatNumber';

/**
 * What the operator sends about an organisation, checked before anything is read or written: the same schemas
 * serve the HTTP API (bot/http/operatorApi.ts) and the command line (scripts/operatorCli.ts).
 */

/** The most items one call may bring: a larger delivery is split, so that one call stays one short transaction. */
export const MAX_ITEMS_PER_CALL = 10_000;

/** One thing wrong with the input: where (a dotted path such as `administrators.0.email`) and what is expected. */
export interface InputIssue {
  path: string;
  message: string;
}

export type ProblemKind = 'invalid' | 'not-found' | 'deactivated';

/** Why an operator's call was not carried out; `issues` name the fields of an invalid input. */
export class OrganisationProblem extends Error {
  constructor(
    readonly kind: ProblemKind,
    message: string,
    readonly issues: InputIssue[] = [],
  ) {
    super(message);
    this.name = 'OrganisationProblem';
  }
}

/** Who acts: the operator's staff or systems, through the HTTP API (with the key's fingerprint) or the command line. */
export interface OperatorActor {
  via: 'api' | 'cli';
  keyFingerprint?: string;
}

/** Each issue's dotted path (under `at`, for a value that is not the body) and message. */
function issuesOf(error: z.ZodError, at?: string): InputIssue[] {
  return error.issues.map((issue) => ({ path: [at, ...issue.path.map(String)].filter(Boolean).join('.') || 'body', message: issue.message }));
}

/** `schema`'s output, or an OrganisationProblem naming every field that is not as expected. */
export function parsed<T extends z.ZodType>(schema: T, input: unknown, what: string, at?: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new OrganisationProblem('invalid', `invalid ${what}`, issuesOf(result.error, at));
}

// Teams names an organisation by its Microsoft Entra tenant id; people are recognised by it in lower case.
export const tenantIdSchema = z
  .string({ message: 'expected the organisation\'s Microsoft Entra tenant id' })
  .trim()
  .toLowerCase()
  .pipe(z.guid({ message: 'expected the organisation\'s Microsoft Entra tenant id, a GUID such as 3f2b8c1e-0d4a-4c5e-9b7f-2a1d6e8c9f00' }));

const emailSchema = z
  .string({ message: 'expected an email address' })
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'expected an email address such as ann@company.example' }).max(254));

const administratorSchema = z.strictObject({
  displayName: z.string({ message: 'expected the name people know the administrator by' }).trim().min(1, 'expected a name of at least one character').max(200, 'expected at most 200 characters'),
  email: emailSchema,
  preferredLanguage: z.enum(Language, { message: 'expected one of en, nl, fr' }),
});

const supportSchema = z.strictObject({ tenantId: tenantIdSchema, email: emailSchema });

function noRepeats<T>(key: (item: T) => string, what: string) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      if (seen.has(key(item))) ctx.addIssue({ code: 'custom', path: [index], message: `${what} listed twice` });
      seen.add(key(item));
    });
  };
}

export const organisationInputSchema = z.strictObject({
  name: z.string({ message: 'expected the organisation\'s name' }).trim().min(1, 'expected a name of at least one character').max(200, 'expected at most 200 characters'),
  vatNumber: z.string({ message: 'expected a Belgian VAT number such as BE 0123.456.749' }).pipe(belgianVatSchema),
  productTypes: z
    .array(z.string({ message: 'expected a product type code such as DSTNY_MOBILE' }).trim().min(1).max(64), { message: 'expected a list of product type codes' })
    .max(50)
    .superRefine(noRepeats((code) => code, 'product type')),
  administrators: z
    .array(administratorSchema, { message: 'expected a list of administrators' })
    .min(1, 'expected at least one administrator')
    .max(100)
    .superRefine(noRepeats((admin) => admin.email, 'email address')),
  /** Support people (of the operator's own organisation, say) who may look into this one; left out, unchanged. */
  support: z
    .array(supportSchema, { message: 'expected a list of support people' })
    .max(100)
    .superRefine(noRepeats((person) => `${person.tenantId} ${person.email}`, 'support person'))
    .optional(),
});
export type OrganisationInput = z.output<typeof organisationInputSchema>;

const listOf = (what: string, example: string) =>
  z
    .array(z.string({ message: `expected ${what} as text, such as ${example}` }).max(100, 'expected at most 100 characters'), { message: `expected a list of ${what}` })
    .max(MAX_ITEMS_PER_CALL, `expected at most ${MAX_ITEMS_PER_CALL} items in one call`);

export const simCardsInputSchema = z.strictObject({ iccids: listOf('SIM card numbers (ICCID)', '8932100100000000016') });

const profileText = (what: string, example: string) => z.string({ message: `expected ${what} as text, such as ${example}` }).max(400, 'expected at most 400 characters');
export const esimProfilesInputSchema = z.strictObject({
  profiles: z
    .array(
      z.strictObject({
        iccid: profileText('the ICCID', '8932100500000000016'),
        activationCode: profileText('the activation code', 'LPA:1$smdp.example.com$K2-1ABCD-EF23GH'),
        confirmationCode: profileText('the confirmation code', '1234').optional(),
      }),
      { message: 'expected a list of eSIM profiles, each with its iccid and activationCode' },
    )
    .max(MAX_ITEMS_PER_CALL, `expected at most ${MAX_ITEMS_PER_CALL} items in one call`),
});

export const numbersInputSchema = z
  .strictObject({ mobile: listOf('mobile numbers', '+32470123456').optional(), fixed: listOf('fixed numbers', '+3224019700').optional() })
  .refine((input) => (input.mobile?.length ?? 0) + (input.fixed?.length ?? 0) > 0, { message: 'expected at least one number in mobile or fixed' });

/**
 * The SIM card numbers of a CSV file: one per line, or the column headed `iccid` (comma, semicolon or tab
 * separated, as spreadsheets save it).
 */
export function iccidsFromCsv(text: string): { iccids: string[] } {
  let records: string[][];
  try {
    records = parse(text, { bom: true, delimiter: [',', ';', '\t'], relax_column_count: true, skip_empty_lines: true, trim: true, max_record_size: 64 * 1024 });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0]!.slice(0, 120) : 'unreadable';
    throw new OrganisationProblem('invalid', 'invalid CSV', [{ path: 'csv', message: `expected CSV text: ${detail}` }]);
  }
  const column = records[0]?.findIndex((cell) => cell.toLowerCase() === 'iccid') ?? -1;
  if (column >= 0) return { iccids: records.slice(1).map((record) => record[column] ?? '') };
  const wide = records.findIndex((record) => record.length > 1);
  if (wide >= 0) {
    throw new OrganisationProblem('invalid', 'invalid CSV', [
      { path: 'csv', message: `row ${wide + 1} has ${records[wide]!.length} cells: expected one SIM card number per row, or a header row with a column named iccid` },
    ]);
  }
  return { iccids: records.map((record) => record[0]!) };
}
