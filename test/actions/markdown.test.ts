import { describe, expect, it } from "vitest";
import { bound, codeBlock, inlineCode, link, plain } from "../../src/actions/markdown.ts";

describe("markdown for untrusted text", () => {
  it("fences a block so that the text inside cannot close it", () => {
    expect(codeBlock("a\n```\nb")).toBe("````\na\n```\nb\n````");
  });

  it("keeps backticks inside inline code", () => {
    expect(inlineCode("use `npm ci`")).toBe("`` use `npm ci` ``");
    expect(inlineCode("two\nlines")).toBe("`two lines`");
  });

  it("turns mentions and HTML into harmless text", () => {
    expect(plain("ping @octocat <img src=x>")).toBe("ping @\u200boctocat &lt;img src=x&gt;");
  });

  it("links only https URLs", () => {
    expect(link("job", "javascript:alert(1)")).toBe("job");
    expect(link("job [1]", "https://github.com/a")).toBe("[job \\[1\\]](https://github.com/a)");
  });

  it("cuts long text, closing the code block the cut left open", () => {
    const text = `intro\n${codeBlock("x".repeat(1_000))}\nend`;
    const cut = bound(text, 300);
    expect(cut.length).toBeLessThanOrEqual(300);
    expect(cut).toMatch(/\n```\n\n… \d+ more characters not shown\.$/);
    expect(bound("short", 300)).toBe("short");
  });
});
