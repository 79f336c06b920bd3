import { describe, expect, it } from "vitest";
import { buildExcerpt, EXCERPT_LIMITS } from "../../src/logs/excerpt.ts";
import type { LogLine } from "../../src/logs/read-log.ts";

const lines = (from: number, texts: string[]): LogLine[] =>
  texts.map((text, i) => ({ n: from + i, text }));

describe("buildExcerpt", () => {
  it("merges groups in log order and marks the gaps between them", () => {
    const excerpt = buildExcerpt([lines(50, ["error here", "detail"]), lines(10, ["earlier"])]);
    expect(excerpt).toBe("earlier\n…\nerror here\ndetail");
  });

  it("drops lines repeated with different numbers, times or paths", () => {
    const excerpt = buildExcerpt([
      lines(1, [
        "Retrying in 3s (attempt 1)",
        "Retrying in 6s (attempt 2)",
        "Retrying in 12s (attempt 3)",
        "gave up",
      ]),
    ]);
    expect(excerpt).toBe("Retrying in 3s (attempt 1)\n…\ngave up");
  });

  it("drops blank lines and lines already taken by an earlier group", () => {
    const excerpt = buildExcerpt([lines(1, ["a", "", "b"]), lines(3, ["b", "c"])]);
    expect(excerpt).toBe("a\n…\nb\nc");
  });

  it("redacts secrets", () => {
    const excerpt = buildExcerpt([
      lines(1, ["curl -u admin:hunter2@x https://u:pw12345@h.example/"]),
    ]);
    expect(excerpt).toContain("[REDACTED:url-credentials]");
    expect(excerpt).not.toContain("pw12345");
  });

  it("stays within the line bound, gap markers included", () => {
    const groups = Array.from({ length: 40 }, (_, g) =>
      lines(g * 100, [`failure ${g} first`, `failure ${g} second`]),
    );
    const excerpt = buildExcerpt(groups);
    expect(excerpt.split("\n").length).toBeLessThanOrEqual(EXCERPT_LIMITS.maxLines);
    expect(excerpt.startsWith("failure 0 first")).toBe(true);
  });

  it("stays within the byte bound and cuts over-long lines", () => {
    const long = lines(
      1,
      Array.from(
        { length: 60 },
        (_, i) => `${"z".repeat(2000)} ${String.fromCharCode(65 + (i % 26))}${i}`,
      ),
    );
    const excerpt = buildExcerpt([long]);
    expect(Buffer.byteLength(excerpt)).toBeLessThanOrEqual(EXCERPT_LIMITS.maxBytes);
    for (const line of excerpt.split("\n"))
      expect(line.length).toBeLessThanOrEqual(EXCERPT_LIMITS.maxLineLength);
  });

  it("is empty when there is nothing to show", () => {
    expect(buildExcerpt([])).toBe("");
  });
});
