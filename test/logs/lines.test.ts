import { describe, expect, it } from "vitest";
import { createLineSplitter, forEachLine, MAX_LINE_LENGTH } from "../../src/logs/lines.ts";

async function* chunks(...parts: (string | Uint8Array)[]) {
  for (const part of parts) yield part;
}

async function linesOf(...parts: (string | Uint8Array)[]) {
  const lines: string[] = [];
  const stats = await forEachLine(chunks(...parts), (line) => lines.push(line));
  return { lines, stats };
}

describe("forEachLine", () => {
  describe("when lines end in different ways", () => {
    it("splits on LF, CRLF and a lone CR alike", async () => {
      const { lines } = await linesOf("a\nb\r\nc\rd");
      expect(lines).toEqual(["a", "b", "c", "d"]);
    });

    it("treats a CR at the end of one chunk and an LF at the start of the next as one break", async () => {
      const { lines } = await linesOf("a\r", "\nb\n");
      expect(lines).toEqual(["a", "b"]);
    });

    it("reassembles a line spread over many chunks", async () => {
      const { lines } = await linesOf("hel", "lo wo", "rld\nnext");
      expect(lines).toEqual(["hello world", "next"]);
    });
  });

  describe("when the bytes are not clean UTF-8", () => {
    it("decodes a character split between two chunks", async () => {
      const bytes = Buffer.from("café ✓\n");
      const { lines } = await linesOf(bytes.subarray(0, 4), bytes.subarray(4));
      expect(lines).toEqual(["café ✓"]);
    });

    it("replaces invalid sequences with U+FFFD instead of failing", async () => {
      const { lines } = await linesOf(Uint8Array.from([0x61, 0xff, 0xfe, 0x62, 0x0a, 0xc3]));
      expect(lines).toEqual(["a\uFFFD\uFFFDb", "\uFFFD"]);
    });
  });

  describe("when a line is longer than the cap", () => {
    it("keeps its first characters and drops the rest, even without any newline", async () => {
      const huge = "x".repeat(10 * 1024 * 1024);
      const { lines, stats } = await linesOf(huge);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toHaveLength(MAX_LINE_LENGTH);
      expect(stats.cutLines).toBe(1);
    });

    it("starts the next line cleanly after the cut", async () => {
      const { lines } = await linesOf("y".repeat(MAX_LINE_LENGTH * 3), "tail of it\nnext line\n");
      expect(lines).toEqual(["y".repeat(MAX_LINE_LENGTH), "next line"]);
    });
  });

  it("counts the bytes it was given", async () => {
    const { stats } = await linesOf("é\n", Buffer.from("ab"));
    expect(stats.bytes).toBe(5);
    expect(stats.lines).toBe(2);
  });

  it("reads nothing from empty input", async () => {
    const { lines, stats } = await linesOf();
    expect(lines).toEqual([]);
    expect(stats).toEqual({ lines: 0, bytes: 0, cutLines: 0 });
  });

  it("can be fed synchronously", () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((line) => lines.push(line));
    splitter.write("one\ntw");
    splitter.write("o");
    splitter.end();
    expect(lines).toEqual(["one", "two"]);
  });
});
