import { describe, expect, it } from "vitest";
import { applyFilePatch } from "../../src/fixes/apply-patch.ts";
import { type FilePatch, parseUnifiedDiff } from "../../src/fixes/unified-diff.ts";
import { fixture } from "./support.ts";

const patchOf = (text: string, index = 0): FilePatch => {
  const result = parseUnifiedDiff(text);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  const file = result.value[index];
  if (!file) throw new Error("no such file in the patch");
  return file;
};

const apply = (content: string | null, patch: string) => applyFilePatch(content, patchOf(patch));

const original = (path: string) => fixture(`repo/api/${path}`);
const expected = (path: string) => fixture(`repo/api-after/${path}`);

describe("applyFilePatch", () => {
  describe("where git applied the same patch (byte for byte against git's result)", () => {
    const rows: [patch: string, path: string][] = [
      ["config-two-hunks.diff", "src/config.ts"],
      ["crlf.diff", "docs/README.txt"],
      ["no-newline-at-eof.diff", "scripts/release.sh"],
    ];
    for (const [patch, path] of rows)
      it(`applies ${patch} to ${path}`, () => {
        const result = apply(original(path), fixture(`patches/${patch}`));
        expect(result).toEqual({
          ok: true,
          value: { content: expected(path), offsets: expect.any(Array) },
        });
        if (result.ok) expect(result.value.offsets.every((o) => o === 0)).toBe(true);
      });
  });

  describe("when lines were added above since the patch was made", () => {
    const header = "// Loaded once at start-up.\n// See docs/config.md.\n\n";

    it("applies each hunk where its exact lines now are, and says how far it moved", () => {
      const result = apply(
        header + original("src/config.ts"),
        fixture("patches/config-two-hunks.diff"),
      );
      expect(result).toEqual({
        ok: true,
        value: { content: header + expected("src/config.ts"), offsets: [3, 3] },
      });
    });

    it("refuses a hunk whose lines now match in two places", () => {
      const twice = `${original("src/config.ts")}\n${original("src/config.ts")}`;
      expect(apply(`${header}${twice}`, fixture("patches/config-two-hunks.diff"))).toEqual({
        ok: false,
        reason:
          "remembered patch no longer applies to src/config.ts: hunk 1 (its lines match in more than one place)",
      });
    });

    it("takes the named line when the lines match there, even if they match elsewhere too", () => {
      const twice = `${original("src/config.ts")}${original("src/config.ts")}`;
      const result = apply(twice, fixture("patches/config-two-hunks.diff"));
      expect(result.ok && result.value.content).toBe(
        expected("src/config.ts") + original("src/config.ts"),
      );
    });
  });

  describe("when the file changed where the patch touches it", () => {
    it("refuses a first hunk whose context differs (diff -u made after another change)", () => {
      expect(apply(original("src/config.ts"), fixture("patches/diff-u.diff"))).toEqual({
        ok: false,
        reason: "remembered patch no longer applies to src/config.ts: hunk 1",
      });
    });

    it("applies the same diff -u patch to the file it was made from", () => {
      const result = apply(expected("src/config.ts"), fixture("patches/diff-u.diff"));
      expect(result.ok && result.value.content).toBe(
        expected("src/config.ts").replace("default(3000)", "default(8080)"),
      );
    });

    it("refuses the whole file when only its second hunk fails", () => {
      const changed = original("src/config.ts").replace(
        "    port: env.PORT,",
        "    port: env.APP_PORT,",
      );
      expect(apply(changed, fixture("patches/config-two-hunks.diff"))).toEqual({
        ok: false,
        reason: "remembered patch no longer applies to src/config.ts: hunk 2",
      });
    });

    it("does not ignore whitespace: a re-indented context line is a conflict", () => {
      const reindented = original("src/config.ts").replace(
        "  port: z.coerce",
        "    port: z.coerce",
      );
      expect(apply(reindented, fixture("patches/config-two-hunks.diff"))).toMatchObject({
        ok: false,
        reason: expect.stringContaining("hunk 1"),
      });
    });

    it("refuses a patch made with a final newline on a file that has lost it", () => {
      const cut = expected("scripts/release.sh").replace(/\n$/, "");
      const patch = [
        "--- a/scripts/release.sh",
        "+++ b/scripts/release.sh",
        "@@ -3,2 +3,2 @@",
        " npm run build",
        "-npm publish",
        "+npm publish --provenance",
        "",
      ].join("\n");
      expect(apply(cut, patch)).toMatchObject({ ok: false });
      expect(apply(expected("scripts/release.sh"), patch)).toMatchObject({ ok: true });
    });
  });

  describe("with line endings", () => {
    it("keeps CRLF when a patch lost its CRs on the way (pasted text)", () => {
      const withoutCr = fixture("patches/crlf.diff").replaceAll("\r", "");
      expect(apply(original("docs/README.txt"), withoutCr)).toMatchObject({
        ok: true,
        value: { content: expected("docs/README.txt") },
      });
    });

    it("refuses a CRLF patch on a file that is now LF", () => {
      const lf = original("docs/README.txt").replaceAll("\r\n", "\n");
      expect(apply(lf, fixture("patches/crlf.diff"))).toMatchObject({ ok: false });
    });

    it("compares byte for byte on a file with mixed endings", () => {
      const mixed = original("docs/README.txt").replace(
        "Run `npm start`.\r\n",
        "Run `npm start`.\n",
      );
      const withoutCr = fixture("patches/crlf.diff").replaceAll("\r", "");
      expect(apply(mixed, withoutCr)).toMatchObject({ ok: false });
    });
  });

  describe("with new and missing files", () => {
    const newFile = fixture("patches/new-file-and-mode.diff");

    it("creates a new file from /dev/null", () => {
      expect(applyFilePatch(null, patchOf(newFile))).toEqual({
        ok: true,
        value: { content: "PORT=3000\n", offsets: [0] },
      });
    });

    it("refuses to create a file that exists", () => {
      expect(applyFilePatch("PORT=80\n", patchOf(newFile))).toEqual({
        ok: false,
        reason: "remembered patch creates docs/env.example, which already exists",
      });
    });

    it("refuses to change a file that does not exist", () => {
      expect(apply(null, fixture("patches/config-two-hunks.diff"))).toEqual({
        ok: false,
        reason: "remembered patch changes src/config.ts, which does not exist",
      });
    });

    it("refuses lines added without any context to an existing file (diff -U0)", () => {
      const u0 = ["--- a/src/config.ts", "+++ b/src/config.ts", "@@ -9,0 +10 @@", "+// added", ""];
      expect(apply(original("src/config.ts"), u0.join("\n"))).toEqual({
        ok: false,
        reason:
          "remembered patch cannot be checked against src/config.ts: hunk 1 adds lines without any context",
      });
    });

    it("keeps a mode-only change's content as it is", () => {
      const modeOnly = patchOf(newFile, 1);
      expect(applyFilePatch(original("scripts/release.sh"), modeOnly)).toEqual({
        ok: true,
        value: { content: original("scripts/release.sh"), offsets: [] },
      });
    });
  });
});
