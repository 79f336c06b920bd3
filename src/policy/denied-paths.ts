import { matchesGlob } from "./glob.ts";

/**
 * Paths a fix never touches, whatever the configuration says (the design's trust boundary:
 * "never workflows or secrets"). Workflows and composite actions run with the repository's
 * secrets, migrations change data that a revert does not bring back, and anything that looks
 * like a key or a credential file is not CodeHealer's to edit.
 */
export const ALWAYS_DENIED_PATHS: readonly string[] = [
  ".github/workflows/**",
  ".github/actions/**",
  "**/migrations/**",
  "**/*.pem",
  "**/*.key",
  "**/*.p12",
  "**/*.pfx",
  "**/id_rsa*",
  "**/id_ed25519*",
  "**/.env*",
  "**/*secret*",
  "**/*credential*",
];

/**
 * Lockfiles, denied unless `allow_lockfiles: true`: a fix that edits one by hand (or an LLM that
 * "fixes" a resolution error in one) produces a lock that no package manager wrote.
 */
export const LOCKFILE_PATHS: readonly string[] = [
  "**/package-lock.json",
  "**/npm-shrinkwrap.json",
  "**/yarn.lock",
  "**/pnpm-lock.yaml",
  "**/bun.lock",
  "**/bun.lockb",
  "**/deno.lock",
  "**/Cargo.lock",
  "**/poetry.lock",
  "**/Pipfile.lock",
  "**/uv.lock",
  "**/pdm.lock",
  "**/go.sum",
  "**/Gemfile.lock",
  "**/composer.lock",
  "**/mix.lock",
  "**/pubspec.lock",
  "**/Podfile.lock",
  "**/packages.lock.json",
  "**/gradle.lockfile",
  "**/flake.lock",
  "**/.terraform.lock.hcl",
];

/** Every pattern denied for a repository: the built-in ones, lockfiles unless allowed, its own. */
export function deniedPaths(config: {
  denied_paths: readonly string[];
  allow_lockfiles: boolean;
}): string[] {
  return [
    ...ALWAYS_DENIED_PATHS,
    ...(config.allow_lockfiles ? [] : LOCKFILE_PATHS),
    ...config.denied_paths,
  ];
}

/**
 * A changed file's path as a plain repository path (`a/b.ts`), or null when it is not one: a
 * `..` or `.` segment, an empty name or a NUL byte is how a patch reaches outside the paths it
 * claims, so such a path is never allowed rather than tidied up.
 */
export function repositoryPath(file: string): string | null {
  const trimmed = file.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
  if (trimmed === "" || trimmed.includes("\0")) return null;
  const segments = trimmed.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) return null;
  return trimmed;
}

// `.gitignore` habits: a leading `/` or `./` means the repository root, a pattern without a
// slash matches at any depth, and a trailing slash means everything inside.
function pathPattern(pattern: string): string {
  let p = pattern.replace(/^(\.\/|\/)+/, "");
  if (p.endsWith("/")) p = `${p}**`;
  return p.includes("/") ? p : `**/${p}`;
}

/**
 * The pattern that denies `file`, or null. A pattern that matches a folder denies everything
 * inside it, and matching ignores case, so that `Config/Secrets.YML` and a file under a
 * `.secrets/` folder are caught as well: refusing too much is the safe mistake here.
 */
export function denyingPattern(file: string, patterns: readonly string[]): string | null {
  const segments = file.toLowerCase().split("/");
  for (const pattern of patterns) {
    const glob = pathPattern(pattern.toLowerCase());
    for (let depth = 1; depth <= segments.length; depth++) {
      if (matchesGlob(segments.slice(0, depth).join("/"), glob)) return pattern;
    }
  }
  return null;
}
