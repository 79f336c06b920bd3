import { describe, expect, it } from "vitest";
import type { ThreadMessage } from "../../src/slack/messages.ts";
import { errorDiagnosis, findAnswer, opensThread } from "../../src/slack/threads.ts";

let clock = 0;
const from =
  (author: string, bot = false) =>
  (text: string, more: Partial<ThreadMessage> = {}): ThreadMessage => ({
    ts: `1716876000.${String(++clock).padStart(6, "0")}`,
    author,
    bot,
    text,
    codeBlock: false,
    reactions: [],
    ...more,
  });
const alice = from("U04ALICE7Q");
const bob = from("U04BOB3MXZ");
const carol = from("U05CAROL2K");
const codehealer = from("B07CHEALER", true);
const root = alice("npm ci fails with npm ERR! code ERESOLVE");

describe("errorDiagnosis", () => {
  describe("when the first message is about a failure", () => {
    it.each([
      [
        "a log the rules recognise",
        "npm ci fails:\nnpm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree",
        "dependency_resolution",
      ],
      ["a failure told in words", "the e2e job failed again on main", "unknown"],
      [
        "a stack trace",
        "getting this:\n    at Object.<anonymous> (/app/src/index.js:12:5)\n    at Module._compile (node:internal/modules/cjs/loader:1358:14)",
        "unknown",
      ],
      [
        "a Python traceback",
        "Traceback (most recent call last):\n  File \"x.py\", line 3, in <module>\nModuleNotFoundError: No module named 'requests'",
        "dependency_missing",
      ],
    ])("diagnoses %s", (_what, text, category) => {
      expect(errorDiagnosis(text)?.category).toBe(category);
    });
  });

  describe("when it is not", () => {
    it.each([
      ["a release note", "web 2.3.1 is out :tada: thanks all"],
      [
        "a question about a config",
        "how do I cache pnpm in actions?\n```- uses: actions/setup-node@v4\n  with:\n    cache: pnpm```",
      ],
      ["an empty message", "   "],
    ])("ignores %s", (_what, text) => {
      expect(errorDiagnosis(text)).toBeNull();
    });
  });
});

describe("findAnswer", () => {
  describe("when a reply carries a check-mark reaction", () => {
    it("takes it, even before a later fix-sounding reply", () => {
      const marked = bob("drop react-beautiful-dnd for @hello-pangea/dnd", {
        reactions: ["white_check_mark"],
      });
      const later = carol("I also bumped node to 20");
      expect(findAnswer(root, [bob("which node?"), marked, later])).toEqual({
        found: true,
        answer: marked,
        signal: "reaction",
      });
    });
  });

  describe("when the asker confirms a suggestion", () => {
    it("takes the suggestion the asker thanked, not the thanks", () => {
      const suggestion = bob(
        "That PAT expired yesterday. Rotate it and store it as a repository secret",
      );
      const thanks = alice("rotated both, all green now, thanks!");
      expect(findAnswer(root, [suggestion, thanks])).toMatchObject({
        answer: suggestion,
        signal: "confirmed",
      });
    });

    it("does not take a thanks that says it still fails as a confirmation", () => {
      const suggestion = bob("try clearing the npm cache");
      const reply = alice("thanks, but it still fails");
      expect(findAnswer(root, [suggestion, reply])).toMatchObject({
        answer: suggestion,
        signal: "fix",
      });
    });
  });

  describe("when a reply reads as a fix", () => {
    it.each([
      ["fixed by", "fixed by pinning react to 18.2.0"],
      ["pin", "pin @types/react to 18.2.x"],
      ["bump", "bump typescript to 5.4.5"],
      ["upgrade", "upgrade actions/checkout to v4"],
      ["set", "set NODE_OPTIONS=--max-old-space-size=4096"],
      ["add", "add `--legacy-peer-deps` to the install step"],
      ["remove", "remove the lockfile and reinstall"],
      ["rerun", "just rerun it, the registry was down"],
      ["revert", "reverted #4121 on main"],
    ])("takes a reply that says %s", (_word, text) => {
      const reply = bob(text);
      expect(findAnswer(root, [reply])).toMatchObject({ answer: reply, signal: "fix" });
    });

    it("takes a code block from someone other than the asker", () => {
      const reply = bob("this in the workflow:", { codeBlock: true });
      expect(findAnswer(root, [reply])).toMatchObject({ answer: reply, signal: "fix" });
    });

    it("takes the asker's own answer when it says what fixed it", () => {
      const own = alice("Fixed it by bumping node to 20, thanks!");
      expect(findAnswer(root, [bob("no idea, sorry"), own])).toMatchObject({ answer: own });
    });

    it("takes the last fix when several are suggested, as threads end on what worked", () => {
      const first = bob("try bumping npm");
      const last = carol("the fix is to pin react-beautiful-dnd's peer with overrides");
      expect(findAnswer(root, [first, alice("did not help"), last])).toMatchObject({
        answer: last,
      });
    });
  });

  describe("when no reply answers", () => {
    it.each([
      ["there are no replies", [], "no replies"],
      [
        "only questions were asked",
        [bob("which node version?"), carol("any idea?")],
        "no answer: the replies only ask or say it still fails",
      ],
      [
        "others only see it too",
        [carol("same here on my PR"), bob("+1")],
        "no answer: the replies only ask or say it still fails",
      ],
      [
        "only a bot replied",
        [codehealer("Fixed by bumping node (CodeHealer suggestion)")],
        "no answer: no person replied",
      ],
      [
        "nobody said how",
        [bob("looking"), carol("it is the registry I think")],
        "no answer: no reply reads as a fix",
      ],
      [
        "the asker only pasted more log",
        [alice("full log:", { codeBlock: true })],
        "no answer: no reply reads as a fix",
      ],
      [
        "the asker thanked nobody in particular",
        [alice("thanks all, that fixed it")],
        "no answer: no reply reads as a fix",
      ],
    ])("keeps nothing when %s", (_what, replies, reason) => {
      expect(findAnswer(root, replies)).toEqual({ found: false, reason });
    });
  });
});

describe("opensThread", () => {
  it.each([
    ["a plain message", { ts: "1.000001", text: "x" }, true],
    ["a thread's parent", { ts: "1.000001", thread_ts: "1.000001", text: "x" }, true],
    ["a CI bot's message", { ts: "1.000001", subtype: "bot_message", text: "x" }, true],
    [
      "a reply also sent to the channel",
      { ts: "2.000001", thread_ts: "1.000001", subtype: "thread_broadcast", text: "x" },
      false,
    ],
    ["a channel join", { ts: "1.000001", subtype: "channel_join", text: "x" }, false],
  ])("%s: %s", (_what, message, opens) => {
    expect(opensThread(message)).toBe(opens);
  });
});
