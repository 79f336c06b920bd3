import { repositoryPath } from "../llm/implicated-paths.ts";

// How trackers and bundlers name a file relative to the application's root: Sentry's
// RewriteFrames (`app:///src/x.js`) and webpack source maps (`webpack://app/./src/x.ts`).
const APP_RELATIVE = /^(?:app:\/\/\/|webpack:\/\/[^/]*\/)/;

// Where container images and platforms put the application: stripped, so that
// `/usr/src/app/src/x.ts` reads as `src/x.ts`. A relative `app/…` is left alone: in a Rails or
// Django repository `app/` is a folder of the repository itself.
const DEPLOY_ROOTS =
  /^\/(?:usr\/src\/app|srv\/app|opt\/app|app|code|workspace|var\/task|var\/www\/html|home\/site\/wwwroot)\//;

/**
 * The repository path of a file an error tracker named, or null when it cannot be one: a
 * scheme or bundler prefix and a deployment root are stripped; an absolute path in a CI checkout
 * or in a folder named after the repository keeps what follows it; any other absolute path, a URL, a vendored folder
 * (`node_modules`, `site-packages`) or an unsafe path (`..`) is null. The error is still
 * diagnosed from its message and stack trace; only the annotation and the file the LLM reads
 * need the path.
 */
export function repositoryFile(file: string, repo: string): string | null {
  let path = file.trim().replace(/\\/g, "/");
  if (/^https?:\/\//i.test(path)) return null;
  if (APP_RELATIVE.test(path)) path = path.replace(APP_RELATIVE, "").replace(/^\/+/, "");
  path = path.replace(/^file:\/\//, "").replace(DEPLOY_ROOTS, "");
  if (path.startsWith("/")) {
    // A CI checkout (`/home/runner/work/<repo>/<repo>/`) first, then any folder named after it.
    const checkedOut = repositoryPath(path, repo);
    if (checkedOut !== null) return checkedOut;
    const at = path.indexOf(`/${repo}/`);
    if (at === -1) return null;
    path = path.slice(at + repo.length + 2);
  }
  return repositoryPath(path, repo);
}
