import {
  checkIccid,
  hasValidLuhn,
  luhnCheckDigit,
  normaliseIccid,
  typoCandidates,
} from '../../services/simCards/simNumber';

// A real-world style Belgian ICCID: 18 digits of payload, then its check digit.
const payload = '893200000012345678';
const valid = payload + luhnCheckDigit(payload);

describe('luhnCheckDigit', () => {
  test('matches published Luhn examples', () => {
    expect(luhnCheckDigit('7992739871')).toBe('3'); // the textbook example 79927398713
    expect(luhnCheckDigit('89014103211118510720'.slice(0, -1))).toBe('0');
    expect(hasValidLuhn('79927398713')).toBe(true);
    expect(hasValidLuhn('79927398710')).toBe(false);
  });

  test('makes every payload valid, and only one digit does', () => {
    for (let n = 0; n < 200; n += 1) {
      const p = `8932${String(n * 7919).padStart(14, '0')}`;
      const check = luhnCheckDigit(p);
      expect(hasValidLuhn(p + check)).toBe(true);
      const others = '0123456789'.split('').filter((d) => d !== check);
      for (const d of others) expect(hasValidLuhn(p + d)).toBe(false);
    }
  });

  test('refuses anything but digits', () => {
    expect(() => luhnCheckDigit('89 32')).toThrow('digits only');
  });
});

describe('checkIccid', () => {
  test('accepts a valid 19-digit number and one of 20 digits', () => {
    expect(checkIccid(valid)).toEqual({ ok: true, iccid: valid });
    const twenty = `${payload}9`;
    const twentyValid = twenty + luhnCheckDigit(twenty);
    expect(checkIccid(twentyValid)).toEqual({ ok: true, iccid: twentyValid });
  });

  test('removes spaces and dashes the way people type them', () => {
    const typed = `${valid.slice(0, 4)} ${valid.slice(4, 8)}-${valid.slice(8, 12)}  ${valid.slice(12)}\t`;
    expect(normaliseIccid(typed)).toBe(valid);
    expect(checkIccid(typed)).toEqual({ ok: true, iccid: valid });
  });

  test('an empty answer asks for the number', () => {
    expect(checkIccid('  - ')).toMatchObject({ ok: false, problem: 'empty', message: expect.stringContaining('19 or 20 digits') });
  });

  test('letters are refused without repeating the number', () => {
    const result = checkIccid(`${valid.slice(0, 10)}O${valid.slice(11)}`);
    expect(result).toEqual({
      ok: false,
      problem: 'not-digits',
      message: 'A SIM card number has only digits (spaces and dashes between the groups are fine); this one has other characters.',
    });
  });

  test('too short and too long say how many digits there are', () => {
    expect(checkIccid(valid.slice(0, 17))).toEqual({
      ok: false,
      problem: 'length',
      message: 'A SIM card number has 19 or 20 digits; this one has 17.',
    });
    expect(checkIccid(`${valid}12`)).toMatchObject({ problem: 'length', message: expect.stringContaining('this one has 21.') });
  });

  test('a number not starting with 89 says how it starts', () => {
    const p = '983200000012345678';
    expect(checkIccid(p + luhnCheckDigit(p))).toEqual({
      ok: false,
      problem: 'prefix',
      message: 'A SIM card number starts with 89; this one starts with 98.',
    });
  });

  test('a wrong check digit is reported as a typo', () => {
    const wrong = payload + String((Number(luhnCheckDigit(payload)) + 1) % 10);
    expect(checkIccid(wrong)).toMatchObject({ ok: false, problem: 'check-digit', message: expect.stringContaining('typo') });
  });

  test('the rules apply in order: length before prefix before check digit', () => {
    expect(checkIccid('12345')).toMatchObject({ problem: 'length' });
    expect(checkIccid('1234567890123456789')).toMatchObject({ problem: 'prefix' });
  });
});

describe('typoCandidates', () => {
  const stock = ['8932100100000000018', '8932100100000000026', '8932100100000000034'].map(
    (n) => n.slice(0, 18) + luhnCheckDigit(n.slice(0, 18)),
  );
  const [first, second] = stock as [string, string, string];

  test('finds the card when one digit was mistyped', () => {
    const typed = `${first.slice(0, 6)}7${first.slice(7)}`; // position 6 is a 0 in the stock number
    expect(checkIccid(typed).ok).toBe(false);
    expect(typoCandidates(typed, stock)).toEqual([{ iccid: first, kind: 'digit' }]);
  });

  test('finds the card when two neighbouring digits were swapped', () => {
    const typed = `${second.slice(0, 4)}${second[5]}${second[4]}${second.slice(6)}`; // "10" typed as "01"
    expect(typed).not.toBe(second);
    expect(typoCandidates(typed, stock)).toEqual([{ iccid: second, kind: 'swap' }]);
  });

  test('accepts the number typed with spaces', () => {
    const typed = `${first.slice(0, 6)}7${first.slice(7)}`;
    const spaced = typed.replace(/(\d{4})/g, '$1 ');
    expect(typoCandidates(spaced, stock).map((c) => c.iccid)).toEqual([first]);
  });

  test('ignores exact matches, two separate wrong digits, distant swaps and other lengths', () => {
    expect(typoCandidates(first, [first])).toEqual([]);
    const twoWrong = `${first.slice(0, 5)}9${first.slice(6, 10)}9${first.slice(11)}`;
    expect(typoCandidates(twoWrong, [first])).toEqual([]);
    const distantSwap = `${first.slice(0, 4)}${first[8]}${first.slice(5, 8)}${first[4]}${first.slice(9)}`;
    expect(typoCandidates(distantSwap, [first])).toEqual([]);
    expect(typoCandidates(first.slice(0, 18), [first])).toEqual([]);
  });

  test('lists every close card, sorted, each once', () => {
    // One typed number can be a single wrong digit away from several cards.
    const a = '8932000000000000010';
    const b = '8932000000000000011';
    const typed = '8932000000000000019';
    expect(typoCandidates(typed, [b, a, a])).toEqual([
      { iccid: a, kind: 'digit' },
      { iccid: b, kind: 'digit' },
    ]);
  });
});
