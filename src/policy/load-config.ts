import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { Context, type ProbotOctokit } from "probot";
import { CONFIG_FILE, type ParsedConfig, parseConfig, unreadableConfig } from "./config.ts";

/** Errors that say the file itself is unreadable, rather than that GitHub could not be asked. */
function isUnreadable(error: unknown): boolean {
  const message = error instanceof Error ? error.message : "";
  return message.startsWith("[@probot/octokit-plugin-config]");
}

/**
 * Reads a repository's `.github/codehealer.yml` as Probot's `context.config` does: from the
 * default branch only (a pull request cannot loosen its own guardrails), falling back to the
 * organisation's `.github` repository, following `_extends` (lists from both files are joined,
 * so a repository cannot drop a denied path or a protected branch the organisation set). Then
 * validates it:
 * - no file anywhere: the defaults;
 * - a file that is not YAML, is a directory, or extends itself: the safe fallback, and why;
 * - a file with invalid settings: the safe fallback, and each problem with its path.
 * GitHub failing to answer (5xx, rate limit, no permission) is thrown: the caller retries
 * rather than act on settings it could not read.
 */
export async function loadRepositoryConfig(
  octokit: ProbotOctokit,
  repository: { owner: string; repo: string },
): Promise<ParsedConfig> {
  const event = {
    id: "codehealer-config",
    name: "repository",
    payload: { repository: { name: repository.repo, owner: { login: repository.owner } } },
  } as unknown as EmitterWebhookEvent;
  const context = new Context(event, octokit, undefined as never);
  let raw: unknown;
  try {
    raw = await context.config(CONFIG_FILE);
  } catch (error) {
    if (!isUnreadable(error)) throw error;
    const cause = (error as Error).cause;
    const detail = cause instanceof Error ? `: ${cause.message.split("\n")[0]}` : "";
    return unreadableConfig(
      `${(error as Error).message.replace(/^\[@probot\/octokit-plugin-config\] /, "")}${detail}`,
    );
  }
  return parseConfig(raw);
}
