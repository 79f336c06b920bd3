import { describe, expect, it } from "vitest";
import { fixCommits } from "../../src/push/fix-trailers.ts";
import type { PushCommit } from "../../src/push/read-push.ts";

const INCIDENT = "0b7e6a52-3f1c-4d7e-9a51-6c2f8e1d4b90";
const commit = (id: string, message: string): PushCommit => ({
  id,
  message,
  added: [],
  modified: [],
  removed: [],
});

describe("fixCommits", () => {
  it("reads the trailer CodeHealer writes on its fix commits", () => {
    expect(
      fixCommits([
        commit("a1", "docs: typo"),
        commit("b2", `fix: annotate the amount\n\nCodeHealer-Incident: ${INCIDENT}`),
      ]),
    ).toEqual([{ sha: "b2", incidentId: INCIDENT }]);
  });

  it("reads it inside a squash merge's message and above a cherry-pick's note", () => {
    const squash = `Fix invoices (#12)\n\n* fix: annotate the amount\n\nCodeHealer-Incident: ${INCIDENT}\n\n* docs: note it`;
    const picked = `fix: x\n\nCodeHealer-Incident: ${INCIDENT.toUpperCase()}\n\n(cherry picked from commit 7a8a4e1)`;
    expect(fixCommits([commit("s", squash)])).toEqual([{ sha: "s", incidentId: INCIDENT }]);
    expect(fixCommits([commit("p", picked)])).toEqual([{ sha: "p", incidentId: INCIDENT }]);
  });

  it("names each incident once, with the first commit that carries it", () => {
    const message = `fix\n\nCodeHealer-Incident: ${INCIDENT}`;
    expect(fixCommits([commit("first", message), commit("again", message)])).toEqual([
      { sha: "first", incidentId: INCIDENT },
    ]);
  });

  it("ignores a trailer quoted in prose or naming no incident", () => {
    expect(
      fixCommits([
        commit("q", `Revert: the CodeHealer-Incident: ${INCIDENT} trailer was wrong`),
        commit("n", "CodeHealer-Incident: not-a-uuid"),
      ]),
    ).toEqual([]);
  });
});
