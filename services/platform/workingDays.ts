/**
 * Belgian working days: Monday to Friday except the ten national public holidays. Dates are calendar dates in
 * Brussels ("YYYY-MM-DD"), because a porting date is a day in Belgium whatever the server's time zone.
 */

export type CalendarDate = string;

export interface PublicHoliday {
  date: CalendarDate;
  name: string;
}

const BRUSSELS = 'Europe/Brussels';
const DAY_MS = 24 * 60 * 60 * 1000;
const calendarDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(value: string): boolean {
  const match = calendarDatePattern.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return toCalendarDate(date) === value;
}

/** The calendar date of a UTC-midnight Date (what Prisma returns for a @db.Date column). */
export function toCalendarDate(date: Date): CalendarDate {
  return date.toISOString().slice(0, 10);
}

/** The UTC-midnight Date of a calendar date (what Prisma stores in a @db.Date column). */
export function fromCalendarDate(date: CalendarDate): Date {
  if (!isCalendarDate(date)) throw new Error('not a calendar date (YYYY-MM-DD)');
  return new Date(`${date}T00:00:00.000Z`);
}

/** The date it is in Brussels at `instant`. */
export function brusselsDate(instant: Date): CalendarDate {
  // en-CA formats as YYYY-MM-DD
  return new Intl.DateTimeFormat('en-CA', { timeZone: BRUSSELS, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** The instant at which the clocks in Brussels show `time` ("HH:MM") on `date`, summer time included. */
export function brusselsInstant(date: CalendarDate, time: string): Date {
  const asUtc = new Date(`${date}T${time}:00.000Z`);
  if (Number.isNaN(asUtc.getTime()) || !isCalendarDate(date)) throw new Error('brusselsInstant needs YYYY-MM-DD and HH:MM');
  // Brussels is UTC+1 or UTC+2; the offset at the guess is right except within an hour of a clock change.
  const guess = new Date(asUtc.getTime() - offsetMs(asUtc));
  return new Date(asUtc.getTime() - offsetMs(guess));
}

function offsetMs(instant: Date): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: BRUSSELS, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant.getTime() / 1000) * 1000;
}

function addCalendarDays(date: CalendarDate, days: number): CalendarDate {
  return toCalendarDate(new Date(fromCalendarDate(date).getTime() + days * DAY_MS));
}

/** Easter Sunday (Gregorian), by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
export function easterSunday(year: number): CalendarDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The ten Belgian national public holidays of `year`, in date order. */
export function belgianPublicHolidays(year: number): PublicHoliday[] {
  const easter = easterSunday(year);
  const fixed = (monthDay: string, name: string): PublicHoliday => ({ date: `${year}-${monthDay}`, name });
  return [
    fixed('01-01', "New Year's Day"),
    { date: addCalendarDays(easter, 1), name: 'Easter Monday' },
    fixed('05-01', 'Labour Day'),
    { date: addCalendarDays(easter, 39), name: 'Ascension Day' },
    { date: addCalendarDays(easter, 50), name: 'Whit Monday' },
    fixed('07-21', 'Belgian National Day'),
    fixed('08-15', 'Assumption Day'),
    fixed('11-01', "All Saints' Day"),
    fixed('11-11', 'Armistice Day'),
    fixed('12-25', 'Christmas Day'),
  ].sort((x, y) => x.date.localeCompare(y.date));
}

const holidayCache = new Map<number, Map<CalendarDate, string>>();

/** The holiday's name if `date` is a Belgian public holiday, else null. */
export function publicHolidayName(date: CalendarDate): string | null {
  const year = Number(date.slice(0, 4));
  let holidays = holidayCache.get(year);
  if (!holidays) {
    holidays = new Map(belgianPublicHolidays(year).map((h) => [h.date, h.name]));
    holidayCache.set(year, holidays);
  }
  return holidays.get(date) ?? null;
}

export function isWeekend(date: CalendarDate): boolean {
  const weekday = fromCalendarDate(date).getUTCDay();
  return weekday === 0 || weekday === 6;
}

export function isWorkingDay(date: CalendarDate): boolean {
  return !isWeekend(date) && publicHolidayName(date) === null;
}

/** The first working day strictly after `date`. */
export function nextWorkingDay(date: CalendarDate): CalendarDate {
  let day = addCalendarDays(date, 1);
  while (!isWorkingDay(day)) day = addCalendarDays(day, 1);
  return day;
}

/** The `n`th working day after `date` (counting only working days; a Saturday plus one is the Monday). */
export function addWorkingDays(date: CalendarDate, n: number): CalendarDate {
  if (!Number.isInteger(n) || n < 0) throw new Error('addWorkingDays needs a whole number of days, 0 or more');
  let day = date;
  for (let i = 0; i < n; i += 1) day = nextWorkingDay(day);
  return day;
}
