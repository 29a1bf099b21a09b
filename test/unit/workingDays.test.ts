import {
  addWorkingDays,
  belgianPublicHolidays,
  brusselsDate,
  brusselsInstant,
  easterSunday,
  isCalendarDate,
  isWorkingDay,
  nextWorkingDay,
  publicHolidayName,
} from '../../services/platform/workingDays';

describe('easterSunday', () => {
  test.each([
    [2019, '2019-04-21'],
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2038, '2038-04-25'],
  ])('%i: %s', (year, date) => {
    expect(easterSunday(year)).toBe(date);
  });
});

describe('belgianPublicHolidays', () => {
  test('2025 has the ten national holidays, Easter-based ones included', () => {
    expect(belgianPublicHolidays(2025)).toEqual([
      { date: '2025-01-01', name: "New Year's Day" },
      { date: '2025-04-21', name: 'Easter Monday' },
      { date: '2025-05-01', name: 'Labour Day' },
      { date: '2025-05-29', name: 'Ascension Day' },
      { date: '2025-06-09', name: 'Whit Monday' },
      { date: '2025-07-21', name: 'Belgian National Day' },
      { date: '2025-08-15', name: 'Assumption Day' },
      { date: '2025-11-01', name: "All Saints' Day" },
      { date: '2025-11-11', name: 'Armistice Day' },
      { date: '2025-12-25', name: 'Christmas Day' },
    ]);
  });

  test('2026 moves the Easter-based ones', () => {
    expect(publicHolidayName('2026-04-06')).toBe('Easter Monday');
    expect(publicHolidayName('2026-05-14')).toBe('Ascension Day');
    expect(publicHolidayName('2026-05-25')).toBe('Whit Monday');
    expect(publicHolidayName('2026-05-26')).toBeNull();
  });
});

describe('isWorkingDay', () => {
  test('weekdays are, weekends and holidays are not', () => {
    expect(isWorkingDay('2025-06-10')).toBe(true); // Tuesday
    expect(isWorkingDay('2025-06-14')).toBe(false); // Saturday
    expect(isWorkingDay('2025-06-15')).toBe(false); // Sunday
    expect(isWorkingDay('2025-06-09')).toBe(false); // Whit Monday
    expect(isWorkingDay('2025-12-26')).toBe(true); // Boxing Day is not a national holiday in Belgium
  });
});

describe('nextWorkingDay and addWorkingDays', () => {
  test('Friday to Monday, over a long weekend to Tuesday', () => {
    expect(nextWorkingDay('2025-06-13')).toBe('2025-06-16');
    expect(nextWorkingDay('2025-06-06')).toBe('2025-06-10'); // Whit Monday 9 June
  });

  test('counts only working days', () => {
    expect(addWorkingDays('2025-06-10', 0)).toBe('2025-06-10');
    expect(addWorkingDays('2025-06-10', 3)).toBe('2025-06-13');
    expect(addWorkingDays('2025-06-12', 3)).toBe('2025-06-17');
    expect(addWorkingDays('2025-06-14', 1)).toBe('2025-06-16'); // Saturday plus one is Monday
    expect(addWorkingDays('2025-12-24', 1)).toBe('2025-12-26');
    expect(addWorkingDays('2025-12-31', 1)).toBe('2026-01-02');
    expect(addWorkingDays('2025-05-28', 3)).toBe('2025-06-03'); // Ascension Thursday 29 May
  });

  test('refuses negative or fractional counts', () => {
    expect(() => addWorkingDays('2025-06-10', -1)).toThrow();
    expect(() => addWorkingDays('2025-06-10', 1.5)).toThrow();
  });
});

describe('Brussels time', () => {
  test('the date in Brussels can differ from the UTC date', () => {
    expect(brusselsDate(new Date('2025-06-10T22:30:00Z'))).toBe('2025-06-11');
    expect(brusselsDate(new Date('2025-01-10T22:30:00Z'))).toBe('2025-01-10');
  });

  test('local times follow summer and winter time', () => {
    expect(brusselsInstant('2025-06-10', '08:00').toISOString()).toBe('2025-06-10T06:00:00.000Z');
    expect(brusselsInstant('2025-01-10', '08:00').toISOString()).toBe('2025-01-10T07:00:00.000Z');
    expect(brusselsInstant('2025-03-30', '08:00').toISOString()).toBe('2025-03-30T06:00:00.000Z'); // day of the change
  });

  test('isCalendarDate rejects impossible dates', () => {
    expect(isCalendarDate('2025-02-28')).toBe(true);
    expect(isCalendarDate('2025-02-29')).toBe(false);
    expect(isCalendarDate('10/06/2025')).toBe(false);
  });
});
