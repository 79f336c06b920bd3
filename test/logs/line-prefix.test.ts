import { describe, expect, it } from "vitest";
import { stripAnsi } from "../../src/logs/ansi.ts";
import { splitColumns, stripLinePrefix } from "../../src/logs/line-prefix.ts";

describe("stripLinePrefix", () => {
  it("removes the GitHub Actions timestamp", () => {
    expect(stripLinePrefix("2026-11-20T10:15:02.1234567Z npm ERR! code E404")).toBe(
      "npm ERR! code E404",
    );
  });

  it("removes a byte-order mark before the timestamp", () => {
    expect(stripLinePrefix("\uFEFF2026-11-20T10:15:02.1234567Z Run tests")).toBe("Run tests");
  });

  it("removes ANSI colour codes", () => {
    expect(stripLinePrefix("2026-11-20T10:15:02.1Z \x1b[1m\x1b[31mE   assert 1 == 2\x1b[0m")).toBe(
      "E   assert 1 == 2",
    );
  });

  it("removes the timestamps of Taskcluster, Jenkins and GitLab", () => {
    expect(stripLinePrefix("[task 2024-01-02T03:04:05.678Z] make: *** Error 1")).toBe(
      "make: *** Error 1",
    );
    expect(stripLinePrefix("[2024-01-02T03:04:05.678Z] + npm test")).toBe("+ npm test");
    expect(stripLinePrefix("2024-01-02T03:04:05.123456Z 00O+ $ npm ci")).toBe("$ npm ci");
  });

  it("keeps a line that only starts with digits", () => {
    expect(stripLinePrefix("42 tests completed, 1 failed")).toBe("42 tests completed, 1 failed");
  });
});

describe("splitColumns", () => {
  it("reads the step column of `gh run view --log` output", () => {
    const line = "build\tRun tests\t\uFEFF2026-11-20T10:15:02.1234567Z FAIL src/a.test.ts";
    expect(splitColumns(line)).toEqual({
      step: "Run tests",
      rest: "2026-11-20T10:15:02.1234567Z FAIL src/a.test.ts",
    });
  });

  it("leaves lines that merely contain tabs alone", () => {
    expect(splitColumns("ok\tgithub.com/acme/app\t0.012s")).toBeNull();
  });
});

describe("stripAnsi", () => {
  it("removes cursor and line-clearing sequences, hyperlinks and control characters", () => {
    const text =
      "\x1b[0K\x1b[31;1mred\x1b[0m \x1b]8;;https://x.example\x07link\x1b]8;;\x07\x00\x07";
    expect(stripAnsi(text)).toBe("red link");
  });

  it("keeps tabs", () => {
    expect(stripAnsi("FAIL\tgithub.com/acme/app")).toBe("FAIL\tgithub.com/acme/app");
  });
});
