import { NumberKind } from '../../prisma/generated/enums';
import {
  belgianMobileSchema,
  checkBelgianMobile,
  checkBelgianNumber,
  formatBelgianNational,
} from '../../services/numbers/phoneNumbers';

describe('checkBelgianNumber', () => {
  test.each([
    ['0470 12 34 56'],
    ['+32 470 12 34 56'],
    ['0032 470 12 34 56'],
    ['32470123456'],
    ['0470/12.34.56'],
    ['(0470) 12-34-56'],
    ['+32 (0)470 12 34 56'],
  ])('%s is the mobile number +32470123456', (typed) => {
    expect(checkBelgianMobile(typed)).toEqual({ ok: true, e164: '+32470123456', kind: NumberKind.MOBILE });
  });

  test('recognises a Brussels fixed number', () => {
    expect(checkBelgianNumber('02 401 97 00')).toEqual({ ok: true, e164: '+3224019700', kind: NumberKind.FIXED });
    expect(checkBelgianNumber('02 401 97 00', NumberKind.FIXED)).toMatchObject({ ok: true });
  });

  test('an empty answer asks for the number with an example', () => {
    expect(checkBelgianMobile('  ')).toMatchObject({ ok: false, problem: 'empty', message: expect.stringContaining('0470 12 34 56') });
    expect(checkBelgianNumber('', NumberKind.FIXED)).toMatchObject({ ok: false, problem: 'empty', message: expect.stringContaining('02 401 97 00') });
  });

  test('letters are not a number', () => {
    expect(checkBelgianMobile('0470 12 34 5x')).toMatchObject({ ok: false, problem: 'not-a-number' });
    expect(checkBelgianMobile('call me')).toMatchObject({ ok: false, problem: 'not-a-number' });
  });

  test('a foreign number names its country code', () => {
    expect(checkBelgianMobile('+31 6 12345678')).toEqual({
      ok: false,
      problem: 'not-belgian',
      message: 'This is not a Belgian number (it starts with +31): only Belgian numbers can be used here.',
    });
    expect(checkBelgianMobile('0033 6 12 34 56 78')).toMatchObject({ ok: false, problem: 'not-belgian' });
  });

  test('too few and too many digits are told apart', () => {
    expect(checkBelgianMobile('0470 12 34')).toMatchObject({ ok: false, problem: 'too-short' });
    expect(checkBelgianMobile('0470 12 34 56 7')).toMatchObject({ ok: false, problem: 'too-long' });
    expect(checkBelgianMobile('+32 470 12 34 5')).toMatchObject({ ok: false, problem: 'too-short' });
    expect(checkBelgianNumber('02 401 97')).toMatchObject({ ok: false, problem: 'too-short' });
  });

  test('a fixed number is not a mobile one, and the other way round', () => {
    expect(checkBelgianMobile('02 401 97 00')).toMatchObject({ ok: false, problem: 'not-mobile', message: expect.stringContaining('start with 04') });
    expect(checkBelgianNumber('0470 12 34 56', NumberKind.FIXED)).toMatchObject({ ok: false, problem: 'not-fixed' });
  });

  test('service numbers are neither mobile nor fixed', () => {
    expect(checkBelgianNumber('0800 12 345')).toMatchObject({ ok: false, problem: 'invalid' });
    expect(checkBelgianMobile('0800 12 345')).toMatchObject({ ok: false, problem: 'not-mobile' });
  });

  test('messages never repeat the number typed', () => {
    for (const typed of ['0470 98 76', '+31 6 98765432', '02 555 98 76', '0470 98 76 54 3', '0470 98 76 5x']) {
      const result = checkBelgianMobile(typed);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).not.toMatch(/98 ?76/);
    }
  });
});

describe('formatBelgianNational', () => {
  test('writes numbers the Belgian way', () => {
    expect(formatBelgianNational('+32470123456')).toBe('0470 12 34 56');
    expect(formatBelgianNational('+3224019700')).toBe('02 401 97 00');
  });

  test('writes a foreign number internationally, and what is no number as it is', () => {
    expect(formatBelgianNational('+31612345678')).toBe('+31 6 12345678');
    expect(formatBelgianNational('unknown')).toBe('unknown');
  });
});

describe('belgianMobileSchema', () => {
  test('normalises to E.164 and carries the person-facing message', () => {
    expect(belgianMobileSchema.parse('0470 12 34 56')).toBe('+32470123456');
    const result = belgianMobileSchema.safeParse('02 401 97 00');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('not a Belgian mobile number');
  });
});
