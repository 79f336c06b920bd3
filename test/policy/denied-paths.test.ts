import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../src/policy/config.ts";
import { deniedPaths, denyingPattern, repositoryPath } from "../../src/policy/denied-paths.ts";

const builtIn = deniedPaths(DEFAULT_CONFIG);

describe("denyingPattern", () => {
  describe("with the built-in patterns", () => {
    const rows: [file: string, pattern: string | null][] = [
      [".github/workflows/ci.yml", ".github/workflows/**"],
      [".github/actions/setup/action.yml", ".github/actions/**"],
      [".github/dependabot.yml", null],
      ["db/migrations/20240101_add_users.sql", "**/migrations/**"],
      ["certs/server.pem", "**/*.pem"],
      [".env.production", "**/.env*"],
      ["config/Secrets.YML", "**/*secret*"],
      [".secrets/token.txt", "**/*secret*"],
      ["aws/credentials", "**/*credential*"],
      ["package-lock.json", "**/package-lock.json"],
      ["packages/api/yarn.lock", "**/yarn.lock"],
      ["go.sum", "**/go.sum"],
      ["Cargo.lock", "**/Cargo.lock"],
      ["src/index.ts", null],
      ["package.json", null],
    ];
    for (const [file, pattern] of rows)
      it(`${pattern ? `denies ${file} by ${pattern}` : `allows ${file}`}`, () => {
        expect(denyingPattern(file, builtIn)).toBe(pattern);
      });
  });

  it("allows lockfiles when allow_lockfiles is set, and nothing else", () => {
    const patterns = deniedPaths({ ...DEFAULT_CONFIG, allow_lockfiles: true });
    expect(denyingPattern("package-lock.json", patterns)).toBeNull();
    expect(denyingPattern(".github/workflows/ci.yml", patterns)).toBe(".github/workflows/**");
  });

  it("adds the repository's patterns to the built-in ones, gitignore-style", () => {
    const patterns = deniedPaths({
      ...DEFAULT_CONFIG,
      denied_paths: ["*.tfstate", "infra/", "/docs/legal/**"],
    });
    expect(denyingPattern("envs/prod/terraform.tfstate", patterns)).toBe("*.tfstate");
    expect(denyingPattern("infra/modules/vpc/main.tf", patterns)).toBe("infra/");
    expect(denyingPattern("docs/legal/terms.md", patterns)).toBe("/docs/legal/**");
    expect(denyingPattern("site/docs/legal/terms.md", patterns)).toBeNull();
    expect(denyingPattern(".github/workflows/ci.yml", patterns)).toBe(".github/workflows/**");
  });
});

describe("repositoryPath", () => {
  it("tidies a leading ./ or /", () => {
    expect(repositoryPath("./src/a.ts")).toBe("src/a.ts");
    expect(repositoryPath("/src/a.ts")).toBe("src/a.ts");
  });

  it("refuses paths that climb out or hide", () => {
    for (const bad of ["../etc/passwd", "src/../../x", "src/./a.ts", "a//b", "", "a\0b"])
      expect(repositoryPath(bad), JSON.stringify(bad)).toBeNull();
  });
});
