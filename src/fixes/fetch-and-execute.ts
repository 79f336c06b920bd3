/**
 * Lines that download code and run it at once (`curl … | sh`, `iex (iwr …)`): the design's
 * trust boundary refuses a fix that adds one, however it was found, because whoever controls
 * the URL then controls the build.
 */
const FETCH_AND_EXECUTE: readonly RegExp[] = [
  /\b(?:curl|wget|fetch)\b[^\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+)?(?:ba|da|z|k|c|tc)?sh\b/i,
  /\b(?:curl|wget)\b[^\n]*\|\s*(?:sudo\s+)?(?:python\d?(?:\.\d+)?|node|perl|ruby|php|bun|deno)\b/i,
  /\b(?:ba|z)?sh\s+(?:-\w+\s+)*<\(\s*(?:curl|wget)\b/i,
  /\beval\s+["']?\$\(\s*(?:curl|wget)\b/i,
  /\b(?:iex|Invoke-Expression)\b[^\n]*\b(?:iwr|irm|Invoke-WebRequest|Invoke-RestMethod|DownloadString)\b/i,
  /\b(?:iwr|irm|Invoke-WebRequest|Invoke-RestMethod)\b[^\n]*\|\s*(?:iex|Invoke-Expression)\b/i,
];

/** The first line in `lines` that fetches code and executes it, or undefined. */
export function fetchAndExecuteLine(lines: readonly string[]): string | undefined {
  return lines.find((line) => FETCH_AND_EXECUTE.some((pattern) => pattern.test(line)));
}
