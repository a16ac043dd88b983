import type { BusinessHours } from './types';

const WEEKDAYS: Record<string, number> = {
  Mon: 1,
  Tue: 2,
  Wed: 3,
  Thu: 4,
  Fri: 5,
  Sat: 6,
  Sun: 7,
};
const TIME = /^([01]\d|2[0-4]):([0-5]\d)$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // Throws a RangeError for an unknown zone: a misconfigured zone must not pass silently.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Minutes after local midnight of `HH:mm`; throws on anything else. */
export function minutesOfDay(time: string): number {
  const match = TIME.exec(time);
  if (!match) throw new Error(`Invalid time '${time}', expected HH:mm`);
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  if (minutes > 24 * 60)
    throw new Error(`Invalid time '${time}', expected HH:mm`);
  return minutes;
}

/** The ISO weekday and minutes after midnight of an instant on the wall clock of a time zone. */
export function localTime(
  at: number,
  timeZone: string,
): { weekday: number; minutes: number } {
  let weekday = 0;
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(timeZone).formatToParts(new Date(at))) {
    if (part.type === 'weekday') weekday = WEEKDAYS[part.value] ?? 0;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { weekday, minutes: hour * 60 + minute };
}

/** Checks the settings once, so a bad zone or time fails at start-up, not per event. */
export function validateBusinessHours(hours: BusinessHours): void {
  formatterFor(hours.timeZone);
  if (minutesOfDay(hours.start) >= minutesOfDay(hours.end)) {
    throw new Error(
      `Business hours must start before they end (${hours.start}-${hours.end})`,
    );
  }
  for (const day of hours.weekdays) {
    if (!Number.isInteger(day) || day < 1 || day > 7) {
      throw new Error(
        `Invalid weekday ${day}, expected 1 (Monday) to 7 (Sunday)`,
      );
    }
  }
}

/** Whether an instant falls inside the business hours: a listed weekday, start ≤ time < end. */
export function isWithinBusinessHours(
  at: number,
  hours: BusinessHours,
): boolean {
  const { weekday, minutes } = localTime(at, hours.timeZone);
  return (
    hours.weekdays.includes(weekday) &&
    minutes >= minutesOfDay(hours.start) &&
    minutes < minutesOfDay(hours.end)
  );
}
