import { maskDeep, maskPersonalData } from '../../services/platform/privacy';

const iccid = '8932100100000000018';
const token = 'Qm9vdHN0cmFwIHRva2VuIGZvciB0ZXN0cyBvbmx5IQ-'; // 43 base64url characters, ending in '-'

describe('maskPersonalData masks', () => {
  test.each([
    ['an ICCID', `SIM ${iccid} entered`, 'SIM 89…18 entered'],
    ['an ICCID typed in groups', 'SIM 8932 1001 0000 0000 018 entered', 'SIM 89…18 entered'],
    ['an ICCID with dashes', 'SIM 8932-1001-0000-0000-018', 'SIM 89…18'],
    ['a 20-digit ICCID', 'SIM 89321001000000000189', 'SIM 89…89'],
    ['a mobile number in E.164', 'number +32468123456 reserved', 'number …56 reserved'],
    ['a mobile number spaced', 'number +32 468 12 34 56 reserved', 'number …56 reserved'],
    ['a mobile number in national format', 'call 0468 12 34 56 now', 'call …56 now'],
    ['a national number with slashes and dots', 'call 0468/12.34.56', 'call …56'],
    ['a fixed number in national format', 'fixed 02 588 30 00 in use', 'fixed …00 in use'],
    ['a fixed number in international format', 'fixed +32 2 588 30 00', 'fixed …00'],
    ['a number with the 00 prefix', 'abroad 0032 468 12 34 56', 'abroad …56'],
    ['an email address', 'sent to jan.peeters@demo.example today', 'sent to j***@demo.example today'],
    ['a link token, to its last character', `link /activate/${token} opened`, 'link /activate/Qm9v… opened'],
    ['a token starting with a dash', `t=-${token.slice(0, 40)}`, 't=-Qm9…'],
    ['a JSON Web Token, payload included', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'Bearer eyJh…'],
    ['an eSIM activation code', 'code LPA:1$smdp.demo.dstny.example$K2-1ABCD-EF23GH sent', 'code LPA:1$… sent'],
    ['an eSIM activation code with its OID and confirmation flag', 'LPA:1$smdp.example.com$AB-12$1.3.6.1$1 given', 'LPA:1$… given'],
    ['an eSIM activation code in JSON', '{"code":"LPA:1$smdp.example.com$ABCD"}', '{"code":"LPA:1$…"}'],
  ])('%s', (_label, input, expected) => {
    expect(maskPersonalData(input)).toBe(expected);
  });

  test('several values in one line', () => {
    const line = `ann.admin@demo.example assigned ${iccid} and +32468123456 to jan.peeters@demo.example`;
    const masked = maskPersonalData(line);
    expect(masked).toBe('a***@demo.example assigned 89…18 and …56 to j***@demo.example');
    for (const secret of [iccid, '+32468123456', 'ann.admin', 'jan.peeters']) expect(masked).not.toContain(secret);
  });
});

describe('maskPersonalData leaves alone', () => {
  test.each([
    'Step 3 of 8',
    'We have 50 SIM cards and 200 numbers',
    'Order 2024-11-24 at 10:30:15',
    'costs 12.50 EUR per month',
    'listening on port 3978',
    'version 1.2.3, error code 404',
    'Choose your product type',
    'press option 1',
  ])('%s', (text) => {
    expect(maskPersonalData(text)).toBe(text);
  });

  test('UUIDs, whose digit groups would otherwise read as phone numbers or ICCIDs', () => {
    for (const id of ['a0000000-0000-4000-8000-000000000001', 'de300000-0000-4000-8000-000000000001', '89320000-1234-4abc-8def-000000000000']) {
      expect(maskPersonalData(`service ${id} activated`)).toBe(`service ${id} activated`);
    }
    expect(maskPersonalData('person a0000000-0000-4000-8000-000000000001 typed 0468 12 34 56')).toBe(
      'person a0000000-0000-4000-8000-000000000001 typed …56',
    );
  });
});

test('maskDeep masks every string in a log record and keeps the rest', () => {
  const record = { msg: `SIM ${iccid}`, count: 3, nested: { to: ['jan.peeters@demo.example'], ok: true }, error: new Error(`bad ${iccid}`) };
  expect(maskDeep(record)).toEqual({
    msg: 'SIM 89…18',
    count: 3,
    nested: { to: ['j***@demo.example'], ok: true },
    error: { type: 'Error', message: 'bad 89…18' },
  });
});

describe('maskPersonalData reads a megabyte in linear time', () => {
  // Everything is logged masked, whatever a person or system sent. That every pattern's work grows with the text's
  // length, never its square, is checked on the patterns themselves (patternLinearity.test.ts); here each shape of
  // text that makes one of them work hardest is masked whole, a megabyte of it, within the test's time: a linear pass
  // takes a fraction of a second, a pattern that rescans its run from every position took minutes.
  const MEGABYTE = 1024 * 1024;
  const fill = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

  test.each([
    ['digits and spaces', '12 '],
    ['an email local part without @', 'ab.c_d%e+f-9'],
    ['dashes', '-'],
    ['digits', '8932100112345678901'],
    ['"eyJ-", a token start again and again', 'eyJ-'],
    ['dotted token segments', 'eyJa.'],
    ['one address with a megabyte of domain', 'a.'],
    ['zeros', '0'],
  ])('%s, masked to its end: masking again changes nothing', (_kind, unit) => {
    const text = unit === 'a.' ? `x@${fill(unit, MEGABYTE)}` : fill(unit, MEGABYTE);
    const masked = maskPersonalData(text);

    expect(masked.length).toBeLessThanOrEqual(text.length);
    expect(maskPersonalData(masked)).toBe(masked);
  });

  test.each([
    ['an address with the longest local part', `${'a'.repeat(64)}@demo.example`, 'a***@demo.example'],
    ['a JSON Web Token after "="', 'token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', 'token=eyJh…'],
    ['a megabyte-long token', `t ${'A'.repeat(MEGABYTE)} end`, 't AAAA… end'],
  ])('and masks as before: %s', (_label, input, expected) => {
    expect(maskPersonalData(input)).toBe(expected);
  });
});
