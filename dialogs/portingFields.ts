import { z } from 'zod';
import { renderPortingFieldsBlock } from '../cards/portingFields';
import { t, type Language, type StringKey } from '../cards/strings';
import { HolderKind, LineType } from '../prisma/generated/enums';
import { donorOperatorName, donorOperators } from '../services/numbers/donorOperators';
import {
  earliestPortingDate,
  type PortingDetailsInput,
  type PortingField,
  type PrecheckCode,
  type PrecheckWarning,
} from '../services/numbers/portingDetails';

/**
 * The porting details as the administrator fills them in: the add-service flow's step 5 and the porting-issues "Fix"
 * card ask for the same fields. What the form submits, parsed into the pre-check's input, and its problems worded;
 * cards/portingFields.ts shows them.
 */

const text = (max: number) => z.string().trim().max(max).default('');

/** The inputs as a card submits them: every field text, possibly empty (clients omit empty inputs). */
export const portingFormSchema = z.object({
  number: text(40),
  donorOperator: text(40),
  holderKind: text(20),
  holderName: text(200),
  holderVat: text(40),
  lineType: text(20),
  currentSimNumber: text(40),
  customerNumber: text(40),
  wishDate: text(10),
});
export type PortingFormValues = z.output<typeof portingFormSchema>;

export const emptyPortingForm: PortingFormValues = portingFormSchema.parse({});

/** The form's values as stored porting details in, for "Fix" to open pre-filled. */
export function portingFormOf(input: PortingDetailsInput): PortingFormValues {
  return portingFormSchema.parse({ ...input, holderVat: input.holderVat ?? '', currentSimNumber: input.currentSimNumber ?? '' });
}

/** A pre-check warning, or one of the two choices left empty (which the pre-check's input cannot even express). */
export type PortingProblem = PrecheckWarning | { code: 'choice-missing'; field: 'holderKind' | 'lineType'; blocking: true };

export type PortingFormCheck = { ok: true; input: PortingDetailsInput } | { ok: false; problems: PortingProblem[] };

/**
 * The form as input for the pre-check. Only the two choices can be missing in a way the pre-check cannot explain;
 * everything else it checks itself, with a message per rule.
 */
export function portingInputOf(values: PortingFormValues): PortingFormCheck {
  const holderKind = z.enum(HolderKind).safeParse(values.holderKind);
  const lineType = z.enum(LineType).safeParse(values.lineType);
  if (!holderKind.success || !lineType.success) {
    const problems: PortingProblem[] = [];
    if (!holderKind.success) problems.push({ code: 'choice-missing', field: 'holderKind', blocking: true });
    if (!lineType.success) problems.push({ code: 'choice-missing', field: 'lineType', blocking: true });
    return { ok: false, problems };
  }
  const optional = (value: string) => (value === '' ? undefined : value);
  return {
    ok: true,
    input: {
      number: values.number,
      donorOperator: values.donorOperator,
      holderKind: holderKind.data,
      holderName: values.holderName,
      holderVat: optional(values.holderVat),
      lineType: lineType.data,
      currentSimNumber: optional(values.currentSimNumber),
      customerNumber: optional(values.customerNumber),
      wishDate: optional(values.wishDate),
    },
  };
}

const warningKeys: Record<PrecheckCode, StringKey> = {
  'number-invalid': 'portingFields.warning.numberInvalid',
  'number-already-ours': 'portingFields.warning.numberAlreadyOurs',
  'porting-in-progress': 'portingFields.warning.portingInProgress',
  'operator-unknown': 'portingFields.warning.operatorUnknown',
  'holder-name-missing': 'portingFields.warning.holderNameMissing',
  'company-without-vat': 'portingFields.warning.companyWithoutVat',
  'vat-invalid': 'portingFields.warning.vatInvalid',
  'prepaid-customer-number': 'portingFields.warning.prepaidCustomerNumber',
  'prepaid-sim-missing': 'portingFields.warning.prepaidSimMissing',
  'sim-number-invalid': 'portingFields.warning.simNumberInvalid',
  'subscription-sim-number': 'portingFields.warning.subscriptionSimNumber',
  'subscription-customer-missing': 'portingFields.warning.subscriptionCustomerMissing',
  'customer-number-invalid': 'portingFields.warning.customerNumberInvalid',
  'wish-date-invalid': 'portingFields.warning.wishDateInvalid',
  'wish-date-past': 'portingFields.warning.wishDatePast',
  'wish-date-not-working-day': 'portingFields.warning.wishDateNotWorkingDay',
  'wish-date-too-soon': 'portingFields.warning.wishDateTooSoon',
};

/** One problem with the details, in the administrator's language. */
export function portingProblemText(language: Language, warning: PortingProblem, values: PortingFormValues, now: Date): string {
  if (warning.code === 'choice-missing') {
    return t(language, warning.field === 'holderKind' ? 'portingFields.error.holderKind' : 'portingFields.error.lineType');
  }
  const holderKind = values.holderKind === HolderKind.COMPANY ? HolderKind.COMPANY : HolderKind.PERSON;
  return t(language, warningKeys[warning.code], {
    operator: values.donorOperator ? donorOperatorName(values.donorOperator) : t(language, 'portingFields.currentOperator'),
    earliest: earliestPortingDate(holderKind, now),
  });
}

export interface PortingFieldsView {
  values: PortingFormValues;
  /** From the pre-check: blocking ones go under their field, the others below the form. */
  problems: PortingProblem[];
  now: Date;
}

/** A Container of the porting inputs, to put in a card's body: what was entered, each problem under its field. */
export function renderPortingFields(language: Language, view: PortingFieldsView): Record<string, unknown> {
  const errors: Partial<Record<PortingField, string>> = {};
  const notes: string[] = [];
  for (const warning of view.problems) {
    const message = portingProblemText(language, warning, view.values, view.now);
    if (!warning.blocking) notes.push(message);
    else errors[warning.field] ??= message;
  }
  return renderPortingFieldsBlock({
    values: view.values,
    errors,
    notes,
    labels: {
      number: t(language, 'portingFields.label.number'),
      donorOperator: t(language, 'portingFields.label.donorOperator'),
      holderKind: t(language, 'portingFields.label.holderKind'),
      holderName: t(language, 'portingFields.label.holderName'),
      holderVat: t(language, 'portingFields.label.holderVat'),
      lineType: t(language, 'portingFields.label.lineType'),
      currentSimNumber: t(language, 'portingFields.label.currentSimNumber'),
      customerNumber: t(language, 'portingFields.label.customerNumber'),
      wishDate: t(language, 'portingFields.label.wishDate'),
    },
    operators: donorOperators.map((operator) => ({ title: operator.name, value: operator.code })),
    holderKinds: [
      { title: t(language, 'portingFields.holderKind.company'), value: HolderKind.COMPANY },
      { title: t(language, 'portingFields.holderKind.person'), value: HolderKind.PERSON },
    ],
    lineTypes: [
      { title: t(language, 'portingFields.lineType.subscription'), value: LineType.SUBSCRIPTION },
      { title: t(language, 'portingFields.lineType.prepaid'), value: LineType.PREPAID },
    ],
  });
}
