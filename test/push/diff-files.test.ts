import { describe, expect, it } from "vitest";
import { diffFiles } from "../../src/push/diff-files.ts";

describe("diffFiles", () => {
  it("numbers each added line as it stands in the pushed commit, hunk by hunk", () => {
    const { files, unread } = diffFiles([
      {
        filename: "src/app.ts",
        status: "modified",
        patch:
          '@@ -1,3 +1,4 @@\n import a from "a";\n+import b from "b";\n \n export const x = 1;\n@@ -10,3 +11,3 @@ function f() {\n   one();\n-  two();\n+  three();\n   four();\n\\ No newline at end of file',
      },
    ]);
    expect(unread).toEqual([]);
    expect(files).toEqual([
      {
        path: "src/app.ts",
        added: [
          { line: 2, text: 'import b from "b";' },
          { line: 12, text: "  three();" },
        ],
        removed: ["  two();"],
      },
    ]);
  });

  it("reads a new file from line 1, skips removed ones and pure renames", () => {
    const { files, unread } = diffFiles([
      { filename: "new.txt", status: "added", patch: "@@ -0,0 +1,2 @@\n+one\n+two" },
      { filename: "old.txt", status: "removed", patch: "@@ -1 +0,0 @@\n-gone" },
      { filename: "moved.txt", status: "renamed" },
    ]);
    expect(files).toEqual([
      {
        path: "new.txt",
        added: [
          { line: 1, text: "one" },
          { line: 2, text: "two" },
        ],
        removed: [],
      },
    ]);
    expect(unread).toEqual([]);
  });

  it("lists files without a readable patch: binary, too large, or miscounted", () => {
    const { files, unread } = diffFiles([
      { filename: "logo.png", status: "modified" },
      { filename: "broken.ts", status: "modified", patch: "@@ -1,5 +1,5 @@\n-a\n+b" },
    ]);
    expect(files).toEqual([]);
    expect(unread).toEqual(["logo.png", "broken.ts"]);
  });
});
