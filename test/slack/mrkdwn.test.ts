import { describe, expect, it } from "vitest";
import { boundText, MAX_MESSAGE_CHARS } from "../../src/slack/bound-text.ts";
import { parseMessage, toThreadMessage } from "../../src/slack/messages.ts";
import { hasCodeBlock, mrkdwnToText } from "../../src/slack/mrkdwn.ts";
import { SECRETS } from "./recorded.ts";

describe("mrkdwnToText", () => {
  describe("when the markup is well formed", () => {
    it.each([
      [
        "a labelled link, keeping its address",
        "see <https://github.com/acme/web/pull/4125|#4125>",
        "see #4125 (https://github.com/acme/web/pull/4125)",
      ],
      [
        "a bare link",
        "log at <https://ci.example.com/job/7>",
        "log at https://ci.example.com/job/7",
      ],
      [
        "a link whose label is its address",
        "<https://x.example/a|https://x.example/a>",
        "https://x.example/a",
      ],
      ["a mail link", "<mailto:ops@acme.dev|ops@acme.dev>", "ops@acme.dev"],
      ["a user mention", "thanks <@U04BOB3MXZ>", "thanks @U04BOB3MXZ"],
      ["a labelled user mention", "ask <@U04BOB3MXZ|bob>", "ask @bob"],
      ["a channel link", "moved to <#C03WEBDEV1|web-dev>", "moved to #web-dev"],
      ["a special mention", "<!here> CI is red", "@here CI is red"],
      ["a user group", "<!subteam^S0614TZR7|@platform> please look", "@platform please look"],
      ["escaped characters", "a &lt;b&gt; &amp;&amp; c", "a <b> && c"],
      ["an escaped escape, once", "&amp;lt;", "&lt;"],
    ])("writes out %s", (_what, text, plain) => {
      expect(mrkdwnToText(text)).toBe(plain);
    });

    it("drops code fences and keeps the code on lines of its own", () => {
      expect(mrkdwnToText("fails:\n```npm ERR! code ERESOLVE\nnpm ERR! peer react```\nhelp")).toBe(
        "fails:\n\nnpm ERR! code ERESOLVE\nnpm ERR! peer react\n\nhelp",
      );
    });
  });

  describe("when the markup is broken", () => {
    it.each([
      [
        "an unclosed link",
        "build failed <http://ci.example.com/job/77| see log",
        "build failed <http://ci.example.com/job/77| see log",
      ],
      [
        "an unbalanced fence",
        "```\nFATAL ERROR: heap out of memory",
        "FATAL ERROR: heap out of memory",
      ],
      ["a bare ampersand", "this & that &amp; more", "this & that & more"],
      ["an unknown entity", "&quot;x&quot;", "&quot;x&quot;"],
      ["an unclosed mention", "ping <@U04BOB3MXZ", "ping <@U04BOB3MXZ"],
      ["empty angle brackets", "a <> b <|> c", "a <> b  c"],
    ])("passes %s through as text", (_what, text, plain) => {
      expect(mrkdwnToText(text)).toBe(plain);
    });
  });
});

describe("hasCodeBlock", () => {
  it("sees a fenced block with something in it, not inline code or an empty fence", () => {
    expect(hasCodeBlock("```npm i x```")).toBe(true);
    expect(hasCodeBlock("run `npm i x`")).toBe(false);
    expect(hasCodeBlock("``` ```")).toBe(false);
    expect(hasCodeBlock("```npm i x")).toBe(false);
  });
});

describe("boundText", () => {
  it("leaves a message of ordinary size alone", () => {
    expect(boundText("npm ERR! code ERESOLVE")).toBe("npm ERR! code ERESOLVE");
  });

  describe("when a message is longer than the bound", () => {
    const line = "npm http fetch GET 200 https://registry.npmjs.org/left-pad 12ms (cache hit)\n";
    const huge = `npm ci fails:\n${line.repeat(14_000)}npm ERR! code ERESOLVE\n`;

    it("keeps its head, where people ask, and its tail, where a log fails", () => {
      const bounded = boundText(huge);
      expect(huge.length).toBeGreaterThan(1_000_000);
      expect(bounded.length).toBeLessThan(MAX_MESSAGE_CHARS + 100);
      expect(bounded.startsWith("npm ci fails:")).toBe(true);
      expect(bounded.endsWith("npm ERR! code ERESOLVE\n")).toBe(true);
      expect(bounded).toMatch(/\[… \d+ characters cut …\]/);
    });

    it("cuts at whitespace, so that no secret is cut into halves redaction would miss", () => {
      const token = SECRETS.__GITHUB_TOKEN__;
      const text = `${"x ".repeat(4_990)}GH_TOKEN=${token} ${"y ".repeat(10_000)}`;
      const bounded = boundText(text);
      expect(bounded).not.toMatch(/ghp_\w{1,39}(?!\w)/);
    });

    it("masks the rest of a private key whose first line was cut away", () => {
      const pem = `-----BEGIN RSA PRIVATE KEY-----\n${"MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7Mhgw\n".repeat(600)}-----END RSA PRIVATE KEY-----`;
      const bounded = boundText(`before the key ${"a ".repeat(2_000)}${pem}\nafter the key`);
      expect(bounded).not.toContain("MIIEowIBAAKCAQEA");
      expect(bounded.match(/\[REDACTED:private-key\]/g)).toHaveLength(2);
      expect(bounded).toMatch(/^before the key/);
      expect(bounded).toMatch(/after the key$/);
    });
  });

  it("drops runs without a space long enough to make secret matching slow", () => {
    const blob = "QUJD".repeat(1_250);
    expect(boundText(`dump: ${blob} end`)).toBe("dump: [5000 characters without a space cut] end");
  });
});

describe("toThreadMessage", () => {
  it("reads a CI bot's attachments as the message's text, redacted", () => {
    const parsed = parseMessage({
      type: "message",
      subtype: "bot_message",
      bot_id: "B05GHACTNS",
      ts: "1716868800.000400",
      text: "",
      attachments: [
        {
          title: "CI failed",
          text: `error TS2345 with token ${SECRETS.__SLACK_TOKEN__}`,
          fallback: "CI failed",
        },
      ],
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    const message = toThreadMessage(parsed.message);
    expect(message).toMatchObject({ author: "B05GHACTNS", bot: true });
    expect(message.text).toBe("CI failed\nerror TS2345 with token [REDACTED:slack-token]");
  });

  it("says why a malformed message is skipped", () => {
    expect(parseMessage({ ts: "1716861600.000200", text: { type: "mrkdwn" } })).toEqual({
      ok: false,
      ts: "1716861600.000200",
      reason: expect.stringMatching(/^malformed message: text: /),
    });
    expect(parseMessage("not a message")).toMatchObject({ ok: false, ts: "unknown" });
  });
});
