import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  DEFAULT_CONFIG,
  parseConfig,
  SAFE_CONFIG,
  settingsAt,
  unreadableConfig,
} from "../../src/policy/config.ts";
import { MAX_CONFIG_BYTES } from "../../src/policy/config-problems.ts";

// Configuration files as people write them; parsed with the `yaml` package, as Probot does.
const fixture = (name: string): unknown =>
  parse(readFileSync(join(import.meta.dirname, "../../fixtures/config", name), "utf8"));

describe("parseConfig", () => {
  describe("when there is no file", () => {
    it("gives the defaults and no problems", () => {
      expect(parseConfig(null)).toEqual({ config: DEFAULT_CONFIG, problems: [] });
      expect(parseConfig(undefined)).toEqual({ config: DEFAULT_CONFIG, problems: [] });
    });

    it("has the documented defaults", () => {
      expect(DEFAULT_CONFIG).toMatchObject({
        enabled: true,
        dry_run: false,
        thresholds: { auto: 0.85, review: 0.6 },
        rerun_budget: 2,
        max_actions_per_hour: 10,
        allow_lockfiles: false,
        require_approval_for: [],
        quiet_hours: [],
      });
      expect(Object.values(DEFAULT_CONFIG.actions).every(Boolean)).toBe(true);
    });
  });

  describe("when the file is empty", () => {
    it("gives the defaults (Probot reads an empty file as {})", () => {
      expect(parseConfig({})).toEqual({ config: DEFAULT_CONFIG, problems: [] });
    });
  });

  describe("when the file is a valid full example", () => {
    it("reads every setting, with no problems", () => {
      const { config, problems } = parseConfig(fixture("full.yml"));
      expect(problems).toEqual([]);
      expect(config).toMatchObject({
        thresholds: { auto: 0.9, review: 0.65 },
        rerun_budget: 1,
        max_actions_per_hour: 5,
        allow_lockfiles: true,
        require_approval_for: ["fix_pr"],
        actions: { comment: false, rerun: true },
        calibration: { enabled: true, min_samples: 250 },
      });
      expect(config.environments).toHaveLength(2);
      expect(config.quiet_hours[1]).toEqual({
        timezone: "America/New_York",
        start: "00:00",
        end: "24:00",
        days: ["sat", "sun"],
      });
    });

    it("accepts the example shown in the docs", () => {
      expect(parseConfig(fixture("example.yml")).problems).toEqual([]);
    });
  });

  describe("when the file is invalid", () => {
    const cases: { it: string; raw: unknown; problems: { path: string; message: string }[] }[] = [
      {
        it: "names a typo in a guardrail and suggests the setting meant",
        raw: fixture("typo.yml"),
        problems: [
          { path: "reruns_budget", message: "is not a setting; did you mean `rerun_budget`?" },
        ],
      },
      {
        it: "names each value of the wrong type, at its exact path",
        raw: fixture("wrong-types.yml"),
        problems: [
          { path: "enabled", message: 'must be `true` or `false`, not the text "yes"' },
          {
            path: "actions.fix_pr",
            message: 'must be `true` or `false`, not the text "off please"',
          },
          { path: "rerun_budget", message: 'must be a number, not the text "two"' },
          { path: "denied_paths", message: 'must be a list, not the text ".github/**"' },
          { path: "quiet_hours", message: "must be a list, not a mapping" },
        ],
      },
      {
        it: "names numbers and times out of range",
        raw: fixture("out-of-range.yml"),
        problems: [
          { path: "thresholds.auto", message: "must be at most 1, not 1.2" },
          { path: "rerun_budget", message: "must be at least 0, not -1" },
          {
            path: "quiet_hours[0].start",
            message: "must be a time of day as `HH:MM` on a 24-hour clock, such as `22:00`",
          },
        ],
      },
      {
        it: "refuses review above auto",
        raw: fixture("inverted.yml"),
        problems: [
          { path: "thresholds.review", message: "must not be above thresholds.auto (0.8 > 0.7)" },
        ],
      },
      {
        it: "refuses an override that leaves review above auto once combined with the repository's",
        raw: { environments: [{ branches: ["main"], thresholds: { review: 0.9 } }] },
        problems: [
          {
            path: "environments[0].thresholds.review",
            message: "leaves review above auto (0.9 > 0.85) for these runs",
          },
        ],
      },
      {
        it: "refuses an override that names neither branches nor workflows",
        raw: { environments: [{ name: "prod", thresholds: { auto: 0.95 } }] },
        problems: [
          {
            path: "environments[0]",
            message: "must name `branches`, `workflows` or both: otherwise it applies to nothing",
          },
        ],
      },
      {
        it: "refuses glob syntax it would otherwise take literally",
        raw: { denied_paths: ["!docs/**", "**/*.{pem,key}", "src**/x"] },
        problems: [
          { path: "denied_paths[0]", message: "cannot start with `!`: negation is not supported" },
          {
            path: "denied_paths[1]",
            message: "uses `{a,b}`, which is not supported: list each pattern on its own",
          },
          {
            path: "denied_paths[2]",
            message:
              "uses `**` inside a name: `**` must stand alone between slashes, as in `src/**/test`",
          },
        ],
      },
      {
        it: "refuses an unknown time zone and an unknown day",
        raw: {
          quiet_hours: [
            { timezone: "Europe/Pariss", start: "22:00", end: "07:00", days: ["friday"] },
          ],
        },
        problems: [
          {
            path: "quiet_hours[0].timezone",
            message: "must be an IANA time zone such as `Europe/Paris` or `UTC`",
          },
          {
            path: "quiet_hours[0].days[0]",
            message: 'must be one of `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, `sun`, not "friday"',
          },
        ],
      },
      {
        it: "refuses a list where a mapping of settings belongs",
        raw: ["enabled", true],
        problems: [{ path: "(root)", message: "must be a mapping of settings, not a list" }],
      },
      {
        it: "names a missing required field inside a list entry",
        raw: { quiet_hours: [{ timezone: "UTC", start: "22:00" }] },
        problems: [{ path: "quiet_hours[0].end", message: "is required" }],
      },
    ];

    for (const c of cases) {
      it(`${c.it}, and falls back to report only`, () => {
        const { config, problems } = parseConfig(c.raw);
        expect(problems).toEqual(c.problems);
        expect(config).toEqual(SAFE_CONFIG);
      });
    }

    it("reads no further than 64 KB of a 2 MB document", () => {
      let text = "denied_paths:\n";
      const long = "x".repeat(1000);
      for (let i = 0; text.length < 2 * 1024 * 1024; i++) text += `  - generated/${i}/${long}/**\n`;
      const { config, problems } = parseConfig(parse(text));
      expect(problems).toEqual([
        {
          path: "(root)",
          message: expect.stringContaining(`larger than ${MAX_CONFIG_BYTES / 1024} KB`),
        },
      ]);
      expect(config).toEqual(SAFE_CONFIG);
    });

    it("reads no further than 64 KB of one 2 MB text value", () => {
      const { problems } = parseConfig({ thresholds: { auto: "9".repeat(2 * 1024 * 1024) } });
      expect(problems.map((p) => p.path)).toEqual(["(root)"]);
    });

    it("sums up a flood of problems in one last line", () => {
      const raw = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`key_${i}`, i]));
      const { problems } = parseConfig(raw);
      expect(problems).toHaveLength(20);
      expect(problems.at(-1)).toEqual({
        path: "(root)",
        message: "and 11 more problems; fix the ones above first",
      });
    });

    it("turns automatic actions off and keeps reporting", () => {
      expect(SAFE_CONFIG.actions).toEqual({
        rerun: false,
        fix_pr: false,
        issue: true,
        check_run: true,
        comment: true,
        notify: true,
      });
      expect(SAFE_CONFIG.enabled).toBe(true);
    });

    it("stays stopped when the broken file says enabled: false", () => {
      const { config, problems } = parseConfig(fixture("stopped-but-broken.yml"));
      expect(problems).toEqual([
        { path: "thresholds.auto", message: 'must be a number, not the text "high"' },
      ]);
      expect(config.enabled).toBe(false);
    });

    it("keeps dry_run and the actions the broken file turns off", () => {
      const { config } = parseConfig({
        dry_run: true,
        actions: { issue: false, rerun: true },
        typo: 1,
      });
      expect(config.dry_run).toBe(true);
      expect(config.actions).toEqual({ ...SAFE_CONFIG.actions, issue: false });
    });
  });

  describe("when the file could not be read at all", () => {
    it("falls back to report only and says why", () => {
      expect(unreadableConfig("invalid YAML at line 3")).toEqual({
        config: SAFE_CONFIG,
        problems: [{ path: "(root)", message: "could not be read: invalid YAML at line 3" }],
      });
    });
  });

  describe("the defaults", () => {
    it("cannot be changed by a careless caller", () => {
      expect(() => {
        (DEFAULT_CONFIG.actions as { rerun: boolean }).rerun = false;
      }).toThrow(TypeError);
      expect(() => {
        SAFE_CONFIG.protected_branches.push("x");
      }).toThrow(TypeError);
    });
  });

  describe("settingsAt", () => {
    it("lists the settings allowed at a path, for did-you-mean hints", () => {
      expect(settingsAt(["thresholds"])).toEqual(["auto", "review"]);
      expect(settingsAt(["environments", 0, "thresholds"])).toEqual(["auto", "review"]);
      expect(settingsAt(["nowhere"])).toEqual([]);
    });
  });
});
