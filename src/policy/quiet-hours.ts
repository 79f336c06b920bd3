import type { QuietWindow } from "./config.ts";
import { DAYS, type Day } from "./config-fields.ts";

const WEEKDAYS: Record<string, Day> = {
  Mon: "mon",
  Tue: "tue",
  Wed: "wed",
  Thu: "thu",
  Fri: "fri",
  Sat: "sat",
  Sun: "sun",
};

/** The day and minute of the day at `now` on a wall clock in `timezone`. */
export function wallClock(now: Date, timezone: string): { day: Day; minute: number } {
  // h23, not hour12: false, which some ICU versions render as "24:05" just after midnight.
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return {
    day: WEEKDAYS[part("weekday")] ?? "mon",
    minute: Number(part("hour")) * 60 + Number(part("minute")),
  };
}

const minuteOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
const dayBefore = (day: Day): Day => DAYS[(DAYS.indexOf(day) + 6) % 7]!;

/**
 * Whether `now` falls in the window. A window whose end is before its start runs across
 * midnight and belongs to the day it opens on: Friday 22:00–07:00 covers Saturday 03:00, and
 * Monday 03:00 only if Sunday is one of its days.
 */
export function inQuietWindow(now: Date, window: QuietWindow): boolean {
  const { day, minute } = wallClock(now, window.timezone);
  const opensOn = (d: Day) => window.days === undefined || window.days.includes(d);
  const start = minuteOf(window.start);
  const end = minuteOf(window.end);
  if (start < end) return opensOn(day) && minute >= start && minute < end;
  return (opensOn(day) && minute >= start) || (opensOn(dayBefore(day)) && minute < end);
}

/** The first of `windows` that `now` falls in, or null. */
export function activeQuietWindow(now: Date, windows: readonly QuietWindow[]): QuietWindow | null {
  return windows.find((window) => inQuietWindow(now, window)) ?? null;
}
