import { belgianVatSchema, checkBelgianVat, formatVat, normaliseVat, vatCheckDigits } from '../../services/numbers/vatNumber';

describe('vatCheckDigits', () => {
  test('is 97 minus the first eight digits modulo 97', () => {
    expect(vatCheckDigits('01234567')).toBe('49');
    expect(vatCheckDigits('02022399')).toBe('51'); // Proximus NV, BE 0202.239.951
    expect(vatCheckDigits('00000097')).toBe('97'); // a multiple of 97 gives 97, never 00
    expect(vatCheckDigits('00000096')).toBe('01');
  });

  test('refuses anything but eight digits', () => {
    expect(() => vatCheckDigits('0123456')).toThrow('8 digits');
  });
});

describe('normaliseVat', () => {
  test.each([
    ['BE 0123.456.749'],
    ['be0123456749'],
    ['BE-0123-456-749'],
    ['0123 456 749'],
    ['123.456.749'], // the old nine-digit form
  ])('%s becomes BE0123456749', (typed) => {
    expect(normaliseVat(typed)).toBe('BE0123456749');
  });
});

describe('checkBelgianVat', () => {
  test('accepts valid numbers however they are typed', () => {
    expect(checkBelgianVat('BE 0123.456.749')).toEqual({ ok: true, vat: 'BE0123456749' });
    expect(checkBelgianVat('0202.239.951')).toEqual({ ok: true, vat: 'BE0202239951' });
    const startsWithOne = `1234567${'8'}`;
    expect(checkBelgianVat(`BE${startsWithOne}${vatCheckDigits(startsWithOne)}`)).toMatchObject({ ok: true });
  });

  test('asks for the number when nothing is typed', () => {
    expect(checkBelgianVat(' ')).toMatchObject({ ok: false, problem: 'empty' });
  });

  test('a foreign VAT number names its country', () => {
    expect(checkBelgianVat('NL123456789B01')).toMatchObject({ ok: false, problem: 'not-belgian', message: expect.stringContaining('starts with NL') });
  });

  test('wrong length or letters in the digits are a format problem', () => {
    expect(checkBelgianVat('BE 0123.456.7')).toMatchObject({ ok: false, problem: 'format' });
    expect(checkBelgianVat('BE 0123.456.7490')).toMatchObject({ ok: false, problem: 'format' });
    expect(checkBelgianVat('BE 0123.4S6.749')).toMatchObject({ ok: false, problem: 'format' });
  });

  test('the ten digits start with 0 or 1', () => {
    const eight = '21234567';
    expect(checkBelgianVat(`BE${eight}${vatCheckDigits(eight)}`)).toMatchObject({ ok: false, problem: 'first-digit' });
  });

  test('a typo in any digit breaks the check digits', () => {
    expect(checkBelgianVat('BE 0123.456.748')).toMatchObject({ ok: false, problem: 'check-digits', message: expect.stringContaining('typo') });
    expect(checkBelgianVat('BE 0123.465.749')).toMatchObject({ ok: false, problem: 'check-digits' });
  });
});

describe('formatVat and belgianVatSchema', () => {
  test('print and parse the invoice form', () => {
    expect(formatVat('BE0123456749')).toBe('BE 0123.456.749');
    expect(belgianVatSchema.parse('be 0123 456 749')).toBe('BE0123456749');
    expect(belgianVatSchema.safeParse('BE0123456748').error?.issues[0]?.message).toContain('typo');
  });
});
