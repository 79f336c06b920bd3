import { describe, expect, it } from "vitest";
import { FINGERPRINT_VERSION, fingerprint, normalizeLine } from "../../src/logs/fingerprint.ts";

describe("normalizeLine", () => {
  it.each([
    ["timestamps", "at 2026-11-20T10:15:02.123Z and 10:15:02", "at <time> and <time>"],
    [
      "durations",
      "Tests failed after 12.5s (took 340 ms)",
      "tests failed after <duration> (took <duration>)",
    ],
    ["UUIDs", "job 123e4567-e89b-12d3-a456-426614174000 failed", "job <uuid> failed"],
    ["memory addresses", "object at 0x7f42b16f9ea0", "object at <addr>"],
    ["hex ids", "image sha256:4a1c9f0d2e3b5a6c7d8e9f00 missing", "image sha256:<hex> missing"],
    [
      "IP addresses and ports",
      "connect ECONNREFUSED 10.1.2.3:5432",
      "connect econnrefused <ip>:<n>",
    ],
    ["workspace paths", "/home/runner/work/app/app/src/a.ts:12:5", "<workspace>/src/a.ts:<n>:<n>"],
    ["temporary paths", "wrote /tmp/pytest-of-runner/pytest-3/x.db", "wrote <tmp>"],
    ["runner names", "runner fv-az123-456 lost", "runner <host> lost"],
  ])("masks %s", (_what, line, expected) => {
    expect(normalizeLine(line)).toBe(expected);
  });

  it("keeps error codes attached to letters", () => {
    expect(normalizeLine("error TS2322: x")).toBe("error ts2322: x");
    expect(normalizeLine("error[E0425]: y")).toBe("error[e0425]: y");
  });
});

describe("fingerprint", () => {
  const runA = [
    "/home/runner/work/shop/shop/src/cart.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.",
  ];
  const runB = [
    "D:\\a\\shop\\shop\\src\\cart.ts(14,5): error TS2322: Type 'string' is not assignable to type 'number'.",
  ];

  it("is 32 hex digits", () => {
    expect(fingerprint(runA)).toMatch(/^[0-9a-f]{32}$/);
  });

  it("is shared by two runs of the same failure", () => {
    expect(fingerprint(runA, ["type_error"])).toBe(fingerprint(runB, ["type_error"]));
    expect(
      fingerprint(["connect ECONNREFUSED 127.0.0.1:5432 after 1523 ms at 2026-01-01T00:00:00Z"]),
    ).toBe(
      fingerprint(["connect ECONNREFUSED 127.0.0.1:41877 after 88 ms at 2026-02-03T04:05:06Z"]),
    );
    expect(fingerprint(["FAILED tmp at /tmp/tmpa8f3k2/x.py"])).toBe(
      fingerprint(["FAILED tmp at /tmp/tmpzz91qq/x.py"]),
    );
  });

  it("differs between different failures", () => {
    expect(fingerprint(runA)).not.toBe(
      fingerprint([
        "src/cart.ts(12,5): error TS2345: Argument of type 'number' is not assignable.",
      ]),
    );
    expect(fingerprint(["No module named 'yaml'"])).not.toBe(
      fingerprint(["No module named 'toml'"]),
    );
  });

  it("differs when the keys differ", () => {
    expect(fingerprint(runA, ["type_error"])).not.toBe(fingerprint(runA, ["compile_error"]));
  });

  it("folds the algorithm version into the hash", () => {
    expect(FINGERPRINT_VERSION).toBe(1);
  });
});
