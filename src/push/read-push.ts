import { z } from "zod";

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

// Webhook commits list the files they touched; the copy GitHub Actions gets does not.
const files = z.array(z.string()).default([]);
const commit = z.object({
  id: z.string().default(""),
  message: z.string().default(""),
  added: files,
  modified: files,
  removed: files,
});

/** The fields a push is read for; anything else in the payload is GitHub's business. */
const pushPayload = z.object({
  ref: z.string(),
  before: z.string().regex(SHA).nullable().default(null),
  after: z.string().regex(SHA),
  deleted: z.boolean().default(false),
  commits: z.array(commit).default([]),
  head_commit: commit.nullable().default(null),
  installation: z.object({ id: z.number().int() }).nullable().default(null),
  repository: z.object({
    name: z.string().min(1),
    owner: z.object({ login: z.string().min(1) }),
    default_branch: z.string().min(1),
    private: z.boolean().default(false),
    visibility: z.string().optional(),
    html_url: z.string().optional(),
  }),
});

export type PushCommit = z.infer<typeof commit>;

/** A push, as the rest of CodeHealer reads it. */
export type Push = {
  owner: string;
  repo: string;
  installationId: number | null;
  /** The branch pushed to (`main`, not `refs/heads/main`). */
  branch: string;
  defaultBranch: string;
  /** The tip before the push; null when the push created the branch. */
  before: string | null;
  after: string;
  commits: PushCommit[];
  headCommit: PushCommit | null;
  /** Anyone may read the repository: what CodeHealer writes there is public too. */
  public: boolean;
  htmlUrl: string | null;
};

/** Most commits a push webhook lists; a longer push lists only its first 2048. */
export const LISTED_COMMITS = 2048;

const BRANCH = "refs/heads/";
// A branch created by the push has no tip before it: GitHub sends forty zeros.
const NO_COMMIT = /^0+$/;

/** What a push payload says, or why it is not a push to look at. Pure. */
export type ReadPush =
  | { ok: true; push: Push }
  | { ok: false; reason: string; kind: "malformed" | "deleted" | "not-a-branch" };

/** Reads a push payload: a branch pushed to, not deleted, with the fields CodeHealer needs. Pure. */
export function readPush(payload: unknown): ReadPush {
  const parsed = pushPayload.safeParse(payload);
  if (!parsed.success)
    return {
      ok: false,
      kind: "malformed",
      reason: `payload lacks what a push needs: ${parsed.error.issues[0]?.path.join(".")}`,
    };
  const p = parsed.data;
  if (p.deleted) return { ok: false, kind: "deleted", reason: `${p.ref} was deleted` };
  if (!p.ref.startsWith(BRANCH))
    return { ok: false, kind: "not-a-branch", reason: `${p.ref} is not a branch` };
  return {
    ok: true,
    push: {
      owner: p.repository.owner.login,
      repo: p.repository.name,
      installationId: p.installation?.id ?? null,
      branch: p.ref.slice(BRANCH.length),
      defaultBranch: p.repository.default_branch,
      before: p.before === null || NO_COMMIT.test(p.before) ? null : p.before,
      after: p.after,
      commits: p.commits,
      headCommit: p.head_commit,
      // `visibility` is newer than `private`; an internal repository is not public.
      public: p.repository.visibility
        ? p.repository.visibility === "public"
        : !p.repository.private,
      htmlUrl: p.repository.html_url ?? null,
    },
  };
}

/** The commit's page on GitHub, for links. */
export const commitUrl = (push: Push, sha: string): string | null =>
  push.htmlUrl && /^https:\/\//.test(push.htmlUrl) ? `${push.htmlUrl}/commit/${sha}` : null;
