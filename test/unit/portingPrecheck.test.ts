import { HolderKind, LineType } from '../../prisma/generated/enums';
import { precheckPorting, type PortingDetailsInput, type PrecheckContext } from '../../services/numbers/portingDetails';
import { luhnCheckDigit } from '../../services/simCards/simNumber';

// Tuesday 10 June 2025, 10:00 in Brussels
const now = new Date('2025-06-10T08:00:00Z');
const context: PrecheckContext = { now, numberIsOurs: false, portingInProgress: false };
const iccidPayload = '893201500000000042';
const currentSim = iccidPayload + luhnCheckDigit(iccidPayload);

const companySubscription: PortingDetailsInput = {
  number: '0475 38 19 46',
  donorOperator: 'PROXIMUS',
  holderKind: HolderKind.COMPANY,
  holderName: 'Demo Company NV',
  holderVat: 'BE 0123.456.749',
  lineType: LineType.SUBSCRIPTION,
  customerNumber: '7305421869',
};
const personPrepaid: PortingDetailsInput = {
  number: '+32 495 12 34 56',
  donorOperator: 'ORANGE',
  holderKind: HolderKind.PERSON,
  holderName: 'Jan Peeters',
  lineType: LineType.PREPAID,
  currentSimNumber: `${currentSim.slice(0, 4)} ${currentSim.slice(4)}`,
};

function warningsOf(details: PortingDetailsInput, ctx: Partial<PrecheckContext> = {}) {
  return precheckPorting(details, { ...context, ...ctx }).warnings;
}

test('correct company subscription details pass and come back normalised', () => {
  expect(precheckPorting(companySubscription, context)).toEqual({
    ok: true,
    warnings: [],
    details: {
      e164: '+32475381946',
      donorOperator: 'PROXIMUS',
      holderKind: HolderKind.COMPANY,
      holderName: 'Demo Company NV',
      holderVat: 'BE0123456749',
      lineType: LineType.SUBSCRIPTION,
      currentSimNumber: null,
      customerNumber: '7305421869',
      wishDate: null,
    },
  });
});

test('correct prepaid details pass, keeping only the SIM card number', () => {
  const result = precheckPorting({ ...personPrepaid, customerNumber: '12345' }, context);
  expect(result).toMatchObject({ ok: true, details: { e164: '+32495123456', currentSimNumber: currentSim, customerNumber: null } });
});

test('number-invalid: not a Belgian mobile number', () => {
  expect(warningsOf({ ...personPrepaid, number: '02 401 97 00' })).toEqual([
    { code: 'number-invalid', field: 'number', blocking: true, message: expect.stringContaining('not a Belgian mobile number') },
  ]);
  expect(warningsOf({ ...personPrepaid, number: '+31 6 12345678' })[0]).toMatchObject({ code: 'number-invalid', message: expect.stringContaining('+31') });
});

test('number-already-ours: a Dstny number is moved, not ported', () => {
  expect(warningsOf(personPrepaid, { numberIsOurs: true })).toEqual([
    { code: 'number-already-ours', field: 'number', blocking: true, message: expect.stringContaining('Port an existing Dstny service') },
  ]);
});

test('porting-in-progress: one transfer at a time', () => {
  expect(warningsOf(personPrepaid, { portingInProgress: true })).toEqual([
    { code: 'porting-in-progress', field: 'number', blocking: true, message: expect.stringContaining('already in progress') },
  ]);
});

test('operator-unknown: the operator must come from the list', () => {
  const result = precheckPorting({ ...personPrepaid, donorOperator: 'VODAFONE' }, context);
  expect(result.ok).toBe(false);
  expect(result.warnings).toEqual([{ code: 'operator-unknown', field: 'donorOperator', blocking: true, message: expect.stringContaining('from the list') }]);
});

test('holder-name-missing', () => {
  expect(warningsOf({ ...companySubscription, holderName: '  ' })).toEqual([
    { code: 'holder-name-missing', field: 'holderName', blocking: true, message: expect.stringContaining('name of the company') },
  ]);
});

test('company-without-vat: names the operator that checks it', () => {
  expect(warningsOf({ ...companySubscription, holderVat: '' })).toEqual([
    { code: 'company-without-vat', field: 'holderVat', blocking: true, message: expect.stringContaining("company's VAT number: Proximus checks it") },
  ]);
});

test('vat-invalid: wrong check digits', () => {
  expect(warningsOf({ ...companySubscription, holderVat: 'BE 0123.456.748' })).toEqual([
    { code: 'vat-invalid', field: 'holderVat', blocking: true, message: expect.stringContaining('last two digits do not match') },
  ]);
});

test('prepaid-customer-number: a prepaid number needs the SIM card number, not a customer number', () => {
  expect(warningsOf({ ...personPrepaid, currentSimNumber: undefined, customerNumber: '7305421869' })).toEqual([
    {
      code: 'prepaid-customer-number',
      field: 'currentSimNumber',
      blocking: true,
      message: expect.stringMatching(/^A prepaid number needs the current SIM card's number, not a customer number\./),
    },
  ]);
});

test('prepaid-sim-missing', () => {
  expect(warningsOf({ ...personPrepaid, currentSimNumber: '' })).toEqual([
    { code: 'prepaid-sim-missing', field: 'currentSimNumber', blocking: true, message: expect.stringContaining('starting with 89') },
  ]);
});

test('sim-number-invalid: the SIM card number fails its own check', () => {
  const typo = currentSim.slice(0, -1) + String((Number(currentSim.slice(-1)) + 1) % 10);
  expect(warningsOf({ ...personPrepaid, currentSimNumber: typo })).toEqual([
    { code: 'sim-number-invalid', field: 'currentSimNumber', blocking: true, message: expect.stringContaining('typo') },
  ]);
});

test('subscription-sim-number: a subscription needs the customer number, not the SIM card number', () => {
  expect(warningsOf({ ...companySubscription, customerNumber: undefined, currentSimNumber: currentSim })).toEqual([
    { code: 'subscription-sim-number', field: 'customerNumber', blocking: true, message: expect.stringContaining('customer number at Proximus, not the SIM card') },
  ]);
});

test('subscription-customer-missing', () => {
  expect(warningsOf({ ...companySubscription, customerNumber: ' ' })).toEqual([
    { code: 'subscription-customer-missing', field: 'customerNumber', blocking: true, message: expect.stringContaining('Proximus invoice') },
  ]);
});

test('customer-number-invalid: too short or odd characters', () => {
  expect(warningsOf({ ...companySubscription, customerNumber: '12' })[0]).toMatchObject({ code: 'customer-number-invalid', field: 'customerNumber' });
  expect(warningsOf({ ...companySubscription, customerNumber: '1234#567' })[0]).toMatchObject({ code: 'customer-number-invalid' });
});

test('wish-date-invalid', () => {
  expect(warningsOf({ ...personPrepaid, wishDate: '2025-02-30' })).toEqual([
    { code: 'wish-date-invalid', field: 'wishDate', blocking: true, message: expect.any(String) },
  ]);
});

test('wish-date-past', () => {
  expect(warningsOf({ ...personPrepaid, wishDate: '2025-06-09' })[0]).toMatchObject({ code: 'wish-date-past', blocking: true });
});

test('wish-date-not-working-day: weekends and public holidays by name', () => {
  expect(warningsOf({ ...personPrepaid, wishDate: '2025-06-14' })[0]).toMatchObject({
    code: 'wish-date-not-working-day', message: expect.stringContaining('weekend'),
  });
  expect(warningsOf({ ...personPrepaid, wishDate: '2025-07-21' })[0]).toMatchObject({
    code: 'wish-date-not-working-day', message: expect.stringContaining('Belgian National Day'),
  });
});

test('wish-date-too-soon: told the earliest date, which is used; not blocking', () => {
  // A company's number takes three working days: from Tuesday 10 June, Friday 13 June.
  const result = precheckPorting({ ...companySubscription, wishDate: '2025-06-11' }, context);
  expect(result).toMatchObject({ ok: true, details: { wishDate: '2025-06-13' } });
  expect(result.warnings).toEqual([
    { code: 'wish-date-too-soon', field: 'wishDate', blocking: false, message: expect.stringContaining('earliest date is 2025-06-13') },
  ]);
  // A person's number: one working day, so Wednesday is fine.
  expect(precheckPorting({ ...personPrepaid, wishDate: '2025-06-11' }, context)).toMatchObject({ ok: true, warnings: [], details: { wishDate: '2025-06-11' } });
});

test('every problem is reported at once', () => {
  const result = precheckPorting(
    { ...companySubscription, number: '0470', holderVat: 'BE0123456748', customerNumber: undefined, wishDate: '2025-06-15' },
    context,
  );
  expect(result.ok).toBe(false);
  expect(result.warnings.map((w) => w.code)).toEqual(['number-invalid', 'vat-invalid', 'subscription-customer-missing', 'wish-date-not-working-day']);
});
