const UNITS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * The instant `--since` names: an ISO date or date-time (`2024-05-01`, `2024-05-01T09:00Z`),
 * or a span back from `now` (`30d`, `12h`, `2w`).
 */
export function parseSince(value: string, now: Date): Date {
  const span = value.trim().match(/^(\d{1,5})([hdw])$/);
  if (span) return new Date(now.getTime() - Number(span[1]) * (UNITS[span[2] ?? "d"] ?? 0));
  const date = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())
    ? new Date(value.trim())
    : null;
  if (date === null || Number.isNaN(date.getTime()))
    throw new Error(
      `--since must be an ISO date (2024-05-01) or a span such as 30d, not "${value}"`,
    );
  if (date > now) throw new Error(`--since ${value} is in the future`);
  return date;
}
