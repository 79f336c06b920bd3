import { describe, expect, it } from "vitest";
import type { QuietWindow } from "../../src/policy/config.ts";
import { inQuietWindow, wallClock } from "../../src/policy/quiet-hours.ts";

const NIGHTS: QuietWindow = { timezone: "Europe/Paris", start: "22:00", end: "07:00" };
const FRIDAY_NIGHT: QuietWindow = { ...NIGHTS, days: ["fri"] };
const WEEKEND: QuietWindow = {
  timezone: "America/New_York",
  start: "00:00",
  end: "24:00",
  days: ["sat", "sun"],
};
const LUNCH: QuietWindow = { timezone: "UTC", start: "12:00", end: "13:00" };

describe("inQuietWindow", () => {
  const rows: [when: string, window: QuietWindow, quiet: boolean, why: string][] = [
    ["2025-06-04T20:30:00Z", NIGHTS, true, "22:30 in Paris (summer time) is after 22:00"],
    ["2025-06-04T19:30:00Z", NIGHTS, false, "21:30 in Paris is before 22:00"],
    ["2025-06-05T04:59:00Z", NIGHTS, true, "06:59 in Paris is before 07:00"],
    ["2025-06-05T05:00:00Z", NIGHTS, false, "07:00 in Paris closes the window"],
    ["2025-01-15T21:30:00Z", NIGHTS, true, "22:30 in Paris in winter is 21:30 UTC"],
    ["2025-06-06T21:00:00Z", FRIDAY_NIGHT, true, "Friday 23:00 in Paris"],
    ["2025-06-07T03:00:00Z", FRIDAY_NIGHT, true, "Saturday 05:00: Friday's window runs on"],
    ["2025-06-07T21:00:00Z", FRIDAY_NIGHT, false, "Saturday 23:00: no window opens on Saturday"],
    ["2025-06-05T03:00:00Z", FRIDAY_NIGHT, false, "Thursday 05:00: Wednesday opens no window"],
    ["2025-06-07T15:00:00Z", WEEKEND, true, "Saturday afternoon in New York"],
    ["2025-06-09T03:59:00Z", WEEKEND, true, "23:59 on Sunday in New York"],
    ["2025-06-09T04:00:00Z", WEEKEND, false, "Monday 00:00 in New York"],
    ["2025-06-04T12:30:00Z", LUNCH, true, "12:30 UTC"],
    ["2025-06-04T13:00:00Z", LUNCH, false, "13:00 UTC closes the window"],
  ];
  for (const [when, window, quiet, why] of rows)
    it(`is ${quiet ? "quiet" : "not quiet"} at ${why}`, () => {
      expect(inQuietWindow(new Date(when), window)).toBe(quiet);
    });
});

describe("wallClock", () => {
  it("reads midnight as minute 0, not 24:00", () => {
    expect(wallClock(new Date("2025-06-04T22:00:00Z"), "Europe/Paris")).toEqual({
      day: "thu",
      minute: 0,
    });
  });
});
