import { describe, expect, it } from "vitest";
import { readClientPayload } from "../../src/dispatch/client-payload.ts";
import { releaseSha } from "../../src/dispatch/dispatch-commit.ts";
import { dispatchIncident } from "../../src/dispatch/dispatch-incident.ts";
import { occurrenceKey, occurrenceRunId } from "../../src/dispatch/occurrence-key.ts";
import { repositoryFile } from "../../src/dispatch/repository-file.ts";

const SHA = "9fceb02d0ae598e95dc970b74767f19372d61af8";
const target = {
  repository: "acme/api",
  installationId: 4242,
  branch: "main",
  headSha: SHA,
  deliveryId: "d-1",
};

function read(kind: string, payload: unknown) {
  const read = readClientPayload(kind, payload);
  if (!read.ok) throw new Error(read.reason);
  return read.value;
}

describe("a dispatch's incident", () => {
  describe("the file an error tracker names", () => {
    const cases: [string, string | null][] = [
      ["src/pricing.ts", "src/pricing.ts"],
      ["./src/pricing.ts", "src/pricing.ts"],
      ["app/models/user.rb", "app/models/user.rb"],
      ["app:///src/pricing.ts", "src/pricing.ts"],
      ["webpack://api/./src/pricing.ts", "src/pricing.ts"],
      ["/usr/src/app/src/pricing.ts", "src/pricing.ts"],
      ["file:///app/src/pricing.ts", "src/pricing.ts"],
      ["/var/task/handler.py", "handler.py"],
      ["/home/runner/work/api/api/src/pricing.ts", "src/pricing.ts"],
      ["/srv/deploy/api/src/pricing.ts", "src/pricing.ts"],
      ["/usr/lib/python3.12/json/decoder.py", null],
      ["/app/node_modules/express/lib/router.js", null],
      ["https://static.acme.example/js/main.js", null],
      ["../../etc/passwd", null],
    ];
    for (const [file, expected] of cases)
      it(`reads ${file} as ${expected ?? "no repository path"}`, () => {
        expect(repositoryFile(file, "api")).toBe(expected);
      });
  });

  describe("the occurrence", () => {
    const error = { source: "sentry", message: "TypeError: x is undefined", file: "a.ts", line: 3 };

    it("is the trace when there is one, else the message, file and line", () => {
      const traced = read("error-detected", { ...error, trace_id: "4bf92f3577b34da6" });
      const otherMessage = read("error-detected", { ...traced.payload, message: "other" });
      expect(occurrenceKey(otherMessage)).toBe(occurrenceKey(traced));
      const untraced = read("error-detected", error);
      expect(occurrenceKey(read("error-detected", { ...error, line: 4 }))).not.toBe(
        occurrenceKey(untraced),
      );
    });

    it("is an alert's labels in any order, and when it started firing", () => {
      const alert = {
        source: "prometheus",
        alert: "HighErrorRate",
        metric: "m",
        threshold: 1,
        value: 2,
        labels: { job: "api", instance: "api-1" },
        starts_at: "2025-06-04T11:50:00Z",
      };
      const same = { ...alert, value: 3, labels: { instance: "api-1", job: "api" } };
      expect(occurrenceKey(read("anomaly-detected", same))).toBe(
        occurrenceKey(read("anomaly-detected", alert)),
      );
      const refired = { ...alert, starts_at: "2025-06-05T08:00:00Z" };
      expect(occurrenceKey(read("anomaly-detected", refired))).not.toBe(
        occurrenceKey(read("anomaly-detected", alert)),
      );
    });

    it("becomes a positive safe integer, the same every time", () => {
      const id = occurrenceRunId("error-detected\nsentry\ntrace\nabc");
      expect(id).toBe(occurrenceRunId("error-detected\nsentry\ntrace\nabc"));
      expect(Number.isSafeInteger(id) && id > 0).toBe(true);
      expect(id).toBeLessThan(2 ** 48);
    });
  });

  it("reads a release as a commit when it is one", () => {
    expect(releaseSha(SHA)).toBe(SHA);
    expect(releaseSha(`api@${SHA.toUpperCase()}`)).toBe(SHA);
    expect(releaseSha("api@1.4.0")).toBeNull();
    expect(releaseSha(`${SHA}0`)).toBeNull();
    expect(releaseSha(null)).toBeNull();
  });

  it("carries an error's text, redacted, with where it was seen last", () => {
    const incident = dispatchIncident(
      read("error-detected", {
        source: "sentry",
        message: "Error: login failed for postgres://app:hunter2secret@db.internal/app",
        stacktrace:
          "Error: login failed for postgres://app:hunter2secret@db.internal/app\n    at connect (/usr/src/app/src/db.ts:8:3)",
        file: "/usr/src/app/src/db.ts",
        line: 8,
        environment: "production",
        trace_id: "4bf92f3577b34da6",
      }),
      target,
    );
    expect(incident).toMatchObject({
      provider: "external",
      sourceEvent: "repository_dispatch",
      runAttempt: 1,
      workflowName: "Sentry (production)",
      conclusion: "error",
    });
    const external = (incident.evidence as { external: Record<string, unknown> }).external;
    expect(external).toMatchObject({ source: "Sentry error", path: "src/db.ts", line: 8 });
    expect(String(external.text).split("\n")).toEqual([
      "Error: login failed for postgres://[REDACTED:url-credentials]@db.internal/app",
      "    at connect (/usr/src/app/src/db.ts:8:3)",
      "Sentry error, in production, trace 4bf92f3577b34da6",
    ]);
    expect(external.text).not.toContain("hunter2secret");
  });

  it("marks an alert report-only, with no file to fix", () => {
    const incident = dispatchIncident(
      read("anomaly-detected", {
        source: "prometheus",
        alert: "DiskFull",
        metric: "node_filesystem_avail_bytes",
        threshold: "< 1e9",
        value: 2.1e8,
        labels: { instance: "db-1" },
      }),
      target,
    );
    expect(incident).toMatchObject({ workflowName: "Prometheus", conclusion: "firing" });
    expect((incident.evidence as { external: unknown }).external).toEqual({
      source: "Prometheus alert",
      text: 'Prometheus alert DiskFull: node_filesystem_avail_bytes is 210000000 (threshold < 1e9)\nlabels instance="db-1"',
      url: null,
      reportOnly: "an alert from Prometheus is reported, never fixed automatically.",
    });
  });
});
