import { describe, expect, it } from "vitest";
import { threadOfPermalink, threadPermalink } from "../../src/slack/permalink.ts";

describe("threadPermalink", () => {
  it("writes the workspace address, the channel and the timestamp without its dot", () => {
    expect(threadPermalink("https://acme-eng.slack.com/", "C05CI7FAIL9", "1716876000.000600")).toBe(
      "https://acme-eng.slack.com/archives/C05CI7FAIL9/p1716876000000600",
    );
    expect(threadPermalink("https://acme-eng.slack.com", "C05CI7FAIL9", "1716876000.000600")).toBe(
      "https://acme-eng.slack.com/archives/C05CI7FAIL9/p1716876000000600",
    );
  });
});

describe("threadOfPermalink", () => {
  it("gives a thread's parent its own permalink, without a query", () => {
    expect(
      threadOfPermalink("https://acme-eng.slack.com/archives/C05CI7FAIL9/p1716876000000600"),
    ).toBe("https://acme-eng.slack.com/archives/C05CI7FAIL9/p1716876000000600");
  });

  it("gives a reply the permalink of the thread it belongs to", () => {
    expect(
      threadOfPermalink(
        "https://acme-eng.slack.com/archives/C05CI7FAIL9/p1716877200000900?thread_ts=1716876000.000600&cid=C05CI7FAIL9",
      ),
    ).toBe("https://acme-eng.slack.com/archives/C05CI7FAIL9/p1716876000000600");
  });

  it.each([
    ["not a URL", "p1716876000000600"],
    ["not a message", "https://acme-eng.slack.com/archives/C05CI7FAIL9"],
    ["not https", "http://acme-eng.slack.com/archives/C05CI7FAIL9/p1716876000000600"],
  ])("refuses an address that is %s", (_what, address) => {
    expect(threadOfPermalink(address)).toBeNull();
  });
});
