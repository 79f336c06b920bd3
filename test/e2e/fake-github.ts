import nock from "nock";
import { API, BLOBS } from "../support/nock-github.ts";

/** A request that changed something on GitHub, as GitHub received it. */
export type Write = { method: string; path: string; body: Record<string, unknown> };

type Issue = {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  state_reason: string | null;
  labels: { name: string }[];
  user: { login: string; type: string };
  html_url: string;
  pull_request?: unknown;
};
type Comment = {
  id: number;
  body: string;
  html_url: string;
  user: { login: string; type: string };
  performed_via_github_app: { id: number } | null;
};
type CheckRun = {
  id: number;
  external_id: string;
  head_sha: string;
  html_url: string;
  output: { annotations_count: number };
};

/** A failed job of a run, as the jobs API lists it, with its log. */
export type FailedJob = {
  id: number;
  name: string;
  log: string | Buffer;
  annotations?: { path: string; start_line: number; annotation_level: string; message: string }[];
};

/** A pull request as the pulls API answers. */
export type FakePull = {
  number: number;
  headSha: string;
  /** The fork's `owner/name`, or null for a branch of the repository itself. */
  fork?: string | null;
  association?: "OWNER" | "MEMBER" | "COLLABORATOR" | "CONTRIBUTOR" | "NONE";
  branch?: string;
};

const BOT = { login: "codehealer[bot]", type: "Bot" };

type Answer = [number, unknown];

/**
 * A nock reply from a handler of the path (with its query) and the request's body. Nock 15
 * hands reply functions the fetch `Request`; one of two parameters would be taken for a
 * callback-style function, so the wrapper takes exactly one.
 */
function answer(handler: (uri: string, body: string) => Answer) {
  return async (request: Request): Promise<Answer> => {
    const url = new URL(request.url);
    return handler(url.pathname + url.search, await request.text());
  };
}

// The search API is one endpoint for every repository: it answers from the repository the
// query names.
const searchable = new Map<string, FakeRepository>();
let searchRoute: nock.Scope | null = null;
function routeSearch(): void {
  if (searchRoute !== null) return;
  searchRoute = nock(API)
    .persist()
    .get(/^\/search\/issues/)
    .reply(
      answer((uri) => {
        const q = new URL(uri, API).searchParams.get("q") ?? "";
        const repository = searchable.get(/repo:(\S+)/.exec(q)?.[1] ?? "");
        const marker = /"([^"]+)"/.exec(q)?.[1];
        const items =
          repository && marker ? repository.issues.filter((i) => i.body.includes(marker)) : [];
        return [200, { total_count: items.length, items }];
      }),
    );
}

/**
 * One repository on an intercepted GitHub, with state: issues, comments and check runs that
 * CodeHealer creates are there for its next request to find, as on github.com. Every write is
 * recorded with the body GitHub received. Reads of runs, jobs and logs are one-shot
 * interceptors registered per run (`failedRun`), so a test that expected a diagnosis and got
 * none leaves them pending.
 */
export class FakeRepository {
  readonly writes: Write[] = [];
  readonly issues: Issue[] = [];
  readonly comments = new Map<number, Comment[]>();
  readonly checkRuns: CheckRun[] = [];
  readonly unmatched: string[] = [];
  config: string | null = null;
  pulls: FakePull[] = [];
  /** The repository's files at every commit: path → content. */
  files = new Map<string, string>();
  /** The head commit of the workflow's last successful run, and what changed since. */
  lastGreen: {
    sha: string;
    commits: { sha: string; message: string }[];
    files: {
      filename: string;
      status: string;
      additions: number;
      deletions: number;
      patch: string;
    }[];
  } | null = null;
  /** Pull requests CodeHealer opened. */
  readonly opened: { number: number; head: string; base: string; draft: boolean; body: string }[] =
    [];
  private next = 100;
  private readonly scopes: nock.Scope[] = [];

  readonly owner: string;
  readonly repo: string;
  readonly appId: number;

  constructor(owner: string, repo: string, appId: number) {
    this.owner = owner;
    this.repo = repo;
    this.appId = appId;
    this.routes();
  }

  get fullName(): string {
    return `${this.owner}/${this.repo}`;
  }

  /** The writes of one kind: `POST check-runs`, `POST rerun-failed-jobs`… matched on the path's end. */
  writesTo(method: string, pathEnd: RegExp): Write[] {
    return this.writes.filter((w) => w.method === method && pathEnd.test(w.path));
  }

  /** A run attempt whose jobs failed: the jobs list, each job's annotations and its log. */
  failedRun(runId: number, attempt: number, jobs: FailedJob[]): nock.Scope {
    const base = `/repos/${this.fullName}`;
    const scope = nock(API)
      .get(`${base}/actions/runs/${runId}/attempts/${attempt}/jobs`)
      .query({ per_page: 100 })
      .reply(200, {
        total_count: jobs.length,
        jobs: jobs.map((job) => ({
          id: job.id,
          name: job.name,
          conclusion: "failure",
          html_url: `https://github.com/${this.fullName}/actions/runs/${runId}/job/${job.id}`,
          steps: [{ number: 3, name: "Run the build", conclusion: "failure" }],
        })),
      });
    for (const job of jobs) {
      scope
        .get(`${base}/check-runs/${job.id}/annotations`)
        .query({ per_page: 100 })
        .reply(200, job.annotations ?? [])
        .get(`${base}/actions/jobs/${job.id}/logs`)
        .reply(302, "", { location: `${BLOBS}/${this.fullName}/${job.id}.txt` });
      nock(BLOBS).get(`/${this.fullName}/${job.id}.txt`).reply(200, job.log);
    }
    this.scopes.push(scope);
    return scope;
  }

  /** Stops intercepting this repository. */
  close(): void {
    for (const scope of this.scopes) scope.persist(false);
    searchable.delete(this.fullName);
  }

  private id(): number {
    this.next += 1;
    return this.next;
  }

  private record(method: string, path: string, body: unknown): Record<string, unknown> {
    const parsed = (typeof body === "string" && body !== "" ? JSON.parse(body) : body) ?? {};
    this.writes.push({ method, path, body: parsed as Record<string, unknown> });
    return parsed as Record<string, unknown>;
  }

  private pullResponse(pull: FakePull) {
    const headRepo = pull.fork ?? this.fullName;
    return {
      number: pull.number,
      state: "open",
      author_association: pull.association ?? "MEMBER",
      head: { sha: pull.headSha, ref: pull.branch ?? "feature", repo: { full_name: headRepo } },
    };
  }

  private routes(): void {
    const base = `/repos/${this.fullName}`;
    const escaped = base.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    const at = (rest: string) => new RegExp(`^${escaped}${rest}(\\?.*)?$`);
    const scope = nock(API).persist();
    this.scopes.push(scope);

    // Configuration: the repository's file, then the organisation's .github repository.
    scope
      .get(`/repos/${this.owner}/.github/contents/.github%2Fcodehealer.yml`)
      .reply(404, { message: "Not Found" });

    // Pull requests.
    scope.get(at("/pulls/(\\d+)")).reply(
      answer((uri) => {
        const number = Number(/\/pulls\/(\d+)/.exec(uri)?.[1]);
        const pull = this.pulls.find((p) => p.number === number);
        return pull ? [200, this.pullResponse(pull)] : [404, { message: "Not Found" }];
      }),
    );
    scope.get(at("/pulls")).reply(
      answer((uri) => {
        const head = new URL(uri, API).searchParams.get("head") ?? "";
        const found = this.pulls.filter(
          (p) => p.fork && `${p.fork.split("/")[0]}:${p.branch ?? "feature"}` === head,
        );
        return [200, found.map((p) => this.pullResponse(p))];
      }),
    );

    // The last green run of a workflow, and the comparison from it.
    scope.get(at("/actions/workflows/\\d+/runs")).reply(
      answer(() => {
        const green = this.lastGreen;
        const runs = green ? [{ id: 1, head_sha: green.sha, head_branch: "main" }] : [];
        return [200, { total_count: runs.length, workflow_runs: runs }];
      }),
    );
    scope.get(at("/compare/([0-9a-f]+)\\.\\.\\.([0-9a-f]+)")).reply(
      answer(() => {
        const green = this.lastGreen;
        if (!green) return [404, { message: "Not Found" }];
        return [
          200,
          {
            total_commits: green.commits.length,
            commits: green.commits.map((c) => ({ sha: c.sha, commit: { message: c.message } })),
            files: green.files,
          },
        ];
      }),
    );

    // Files, and the git data API a fix pull request is made with.
    scope.get(at("/contents/([^?]+)")).reply(
      answer((uri) => {
        const path = decodeURIComponent(/\/contents\/([^?]+)/.exec(uri)?.[1] ?? "");
        if (path === ".github/codehealer.yml")
          return this.config === null ? [404, { message: "Not Found" }] : [200, this.config];
        const content = this.files.get(path);
        return content === undefined ? [404, { message: "Not Found" }] : [200, content];
      }),
    );
    scope.get(at("/git/commits/([0-9a-f]+)")).reply(
      answer((uri) => {
        const sha = /commits\/([0-9a-f]+)/.exec(uri)?.[1] ?? "";
        return [200, { sha, tree: { sha: `tree-${sha}` }, parents: [], message: "base" }];
      }),
    );
    for (const [kind, path] of [
      ["blob", "/git/blobs"],
      ["tree", "/git/trees"],
      ["commit", "/git/commits"],
    ] as const)
      scope.post(at(path)).reply(
        answer((uri, body) => {
          this.record("POST", uri, body);
          const sha = `${kind}${this.id()}`.padEnd(40, "0");
          return [201, { sha, tree: { sha: `tree-${sha}` } }];
        }),
      );
    scope.post(at("/git/refs")).reply(
      answer((uri, body) => {
        this.record("POST", uri, body);
        return [201, { ref: "created" }];
      }),
    );
    scope.post(at("/pulls")).reply(
      answer((uri, body) => {
        const sent = this.record("POST", uri, body);
        const number = this.id();
        const pull = {
          number,
          head: String(sent.head),
          base: String(sent.base),
          draft: sent.draft === true,
          body: String(sent.body),
        };
        this.opened.push(pull);
        return [201, { ...pull, html_url: `https://github.com/${this.fullName}/pull/${number}` }];
      }),
    );

    // Reruns.
    scope.post(at("/actions/runs/\\d+/rerun-failed-jobs")).reply(
      answer((uri, body) => {
        this.record("POST", uri, body);
        return [201, {}];
      }),
    );

    // Check runs.
    scope.post(at("/check-runs")).reply(
      answer((uri, body) => {
        const sent = this.record("POST", uri, body);
        const id = this.id();
        const annotations = ((sent.output as { annotations?: unknown[] })?.annotations ?? [])
          .length;
        const run: CheckRun = {
          id,
          external_id: String(sent.external_id),
          head_sha: String(sent.head_sha),
          html_url: `https://github.com/${this.fullName}/runs/${id}`,
          output: { annotations_count: annotations },
        };
        this.checkRuns.push(run);
        return [201, { ...run, output: { ...run.output } }];
      }),
    );
    scope.patch(at("/check-runs/(\\d+)")).reply(
      answer((uri, body) => {
        this.record("PATCH", uri, body);
        const id = Number(/check-runs\/(\d+)/.exec(uri)?.[1]);
        const run = this.checkRuns.find((r) => r.id === id);
        return run ? [200, run] : [404, { message: "Not Found" }];
      }),
    );
    scope.get(at("/commits/([0-9a-f]+)/check-runs")).reply(
      answer((uri) => {
        const sha = /commits\/([0-9a-f]+)/.exec(uri)?.[1];
        const runs = this.checkRuns.filter((r) => r.head_sha === sha);
        return [200, { total_count: runs.length, check_runs: runs }];
      }),
    );

    // Issues, and comments on issues and pull requests.
    searchable.set(this.fullName, this);
    routeSearch();
    scope.get(at("/issues")).reply(200, () => this.issues);
    scope.post(at("/issues")).reply(
      answer((uri, body) => {
        const sent = this.record("POST", uri, body);
        const number = this.id();
        const issue: Issue = {
          number,
          title: String(sent.title),
          body: String(sent.body),
          state: "open",
          state_reason: null,
          labels: ((sent.labels as string[]) ?? []).map((name) => ({ name })),
          user: BOT,
          html_url: `https://github.com/${this.fullName}/issues/${number}`,
        };
        this.issues.push(issue);
        return [201, issue];
      }),
    );
    scope.patch(at("/issues/(\\d+)")).reply(
      answer((uri, body) => {
        const sent = this.record("PATCH", uri, body);
        const issue = this.issues.find((i) => i.number === Number(/issues\/(\d+)/.exec(uri)?.[1]));
        if (!issue) return [404, { message: "Not Found" }];
        Object.assign(issue, sent);
        return [200, issue];
      }),
    );
    scope.get(at("/issues/(\\d+)/comments")).reply(
      answer((uri) => {
        const number = Number(/issues\/(\d+)/.exec(uri)?.[1]);
        return [200, this.comments.get(number) ?? []];
      }),
    );
    scope.post(at("/issues/(\\d+)/comments")).reply(
      answer((uri, body) => {
        const sent = this.record("POST", uri, body);
        const number = Number(/issues\/(\d+)/.exec(uri)?.[1]);
        const id = this.id();
        const comment: Comment = {
          id,
          body: String(sent.body),
          html_url: `https://github.com/${this.fullName}/issues/${number}#issuecomment-${id}`,
          user: BOT,
          performed_via_github_app: { id: this.appId },
        };
        this.comments.set(number, [...(this.comments.get(number) ?? []), comment]);
        return [201, comment];
      }),
    );
    scope.patch(at("/issues/comments/(\\d+)")).reply(
      answer((uri, body) => {
        const sent = this.record("PATCH", uri, body);
        const id = Number(/comments\/(\d+)/.exec(uri)?.[1]);
        const comment = [...this.comments.values()].flat().find((c) => c.id === id);
        if (!comment) return [404, { message: "Not Found" }];
        comment.body = String(sent.body);
        return [200, comment];
      }),
    );
  }

  // ── Commits by ref: where a repository_dispatch incident is pinned ─────────────────────────
  // (added for test/handlers/repository-dispatch.test.ts)

  private readonly commitRefs = new Map<string, string>();
  private commitRoute = false;

  /**
   * `GET /commits/{ref}` answers these refs (a branch name or a SHA) with their commit; any
   * other ref gets 422, as GitHub answers for a SHA the repository does not have.
   */
  commitsAt(refs: Record<string, string>): void {
    for (const [ref, sha] of Object.entries(refs)) this.commitRefs.set(ref, sha);
    if (this.commitRoute) return;
    this.commitRoute = true;
    const escaped = `/repos/${this.fullName}`.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    const scope = nock(API).persist();
    this.scopes.push(scope);
    scope.get(new RegExp(`^${escaped}/commits/([^/?]+)(\\?.*)?$`)).reply(
      answer((uri) => {
        const ref = decodeURIComponent(/\/commits\/([^/?]+)/.exec(uri)?.[1] ?? "");
        const sha = this.commitRefs.get(ref);
        return sha === undefined
          ? [422, { message: `No commit found for SHA: ${ref}` }]
          : [200, { sha, commit: { message: "head" }, parents: [], files: [] }];
      }),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The learning loop (test/e2e/learning.test.ts): what following a fix to its merge reads. Each
// is opt-in, registered by the test that needs it, and adds to the routes above.

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const hex = (text: string) => Buffer.from(text, "utf8").toString("hex");
const unhex = (text: string) => Buffer.from(text, "hex").toString("utf8");

/**
 * `repo.files` through the git data API, as `repositoryReader` reads them at any commit: the
 * root tree by the commit's sha, each folder's tree and each file's blob by a made-up sha that
 * names it (`tree-…`, `blob-…`: never a real sha). Every file is a regular one (100644).
 */
export function serveGitReads(repo: FakeRepository): nock.Scope {
  const base = `^${escapeRegExp(`/repos/${repo.fullName}`)}`;
  return nock(API)
    .persist()
    .get(new RegExp(`${base}/git/trees/([^/?]+)$`))
    .reply(
      answer((uri) => {
        const sha = /\/git\/trees\/([^/?]+)/.exec(uri)?.[1] ?? "";
        const dir = sha.startsWith("tree-") ? unhex(sha.slice(5)) : "";
        const prefix = dir === "" ? "" : `${dir}/`;
        const entries = new Map<string, Record<string, unknown>>();
        for (const [path, content] of repo.files) {
          if (!path.startsWith(prefix)) continue;
          const [name = "", ...rest] = path.slice(prefix.length).split("/");
          entries.set(
            name,
            rest.length > 0
              ? { path: name, mode: "040000", type: "tree", sha: `tree-${hex(prefix + name)}` }
              : {
                  path: name,
                  mode: "100644",
                  type: "blob",
                  sha: `blob-${hex(path)}`,
                  size: Buffer.byteLength(content),
                },
          );
        }
        return [200, { sha, tree: [...entries.values()], truncated: false }];
      }),
    )
    .get(new RegExp(`${base}/git/blobs/blob-([0-9a-f]+)$`))
    .reply(
      answer((uri) => {
        const path = unhex(/\/blob-([0-9a-f]+)/.exec(uri)?.[1] ?? "");
        const content = repo.files.get(path);
        if (content === undefined) return [404, { message: "Not Found" }];
        const bytes = Buffer.from(content, "utf8");
        return [200, { size: bytes.length, content: bytes.toString("base64"), encoding: "base64" }];
      }),
    );
}

/** A check suite on a commit, as `GET …/commits/{ref}/check-suites` lists it. */
export type FakeCheckSuite = {
  id: number;
  status: string;
  conclusion: string | null;
  latest_check_runs_count: number;
  app: { id: number; name: string };
};

/** The check suites on each commit, by sha (none yet: pending): what a fix's CI says. */
export function serveCheckSuites(
  repo: FakeRepository,
  suites: Map<string, FakeCheckSuite[]>,
): nock.Scope {
  return nock(API)
    .persist()
    .get(
      new RegExp(
        `^${escapeRegExp(`/repos/${repo.fullName}`)}/commits/([^/]+)/check-suites(\\?.*)?$`,
      ),
    )
    .reply(
      answer((uri) => {
        const found = suites.get(/\/commits\/([^/]+)\/check-suites/.exec(uri)?.[1] ?? "") ?? [];
        return [200, { total_count: found.length, check_suites: found }];
      }),
    );
}

/**
 * `GET /pulls/{n}` for the pull requests in `pulls` (CodeHealer's fix pull requests, as the
 * test says they stand), answered in full as GitHub does. Call it before the repository is
 * made: nock answers with the first interceptor that matches, and the repository's own
 * `GET /pulls/{n}` answers only its declared `pulls`. Other numbers are left to that one.
 */
export function serveFixPulls(
  fullName: string,
  pulls: Map<number, { headSha: string; head: string; draft: boolean; state?: string }>,
): nock.Scope {
  const path = new RegExp(`^${escapeRegExp(`/repos/${fullName}`)}/pulls/(\\d+)$`);
  const numberOf = (uri: string) => Number(path.exec(uri)?.[1]);
  return nock(API)
    .persist()
    .get((uri) => path.test(uri) && pulls.has(numberOf(uri)))
    .reply(
      answer((uri) => {
        const number = numberOf(uri);
        const pull = pulls.get(number);
        return [
          200,
          {
            number,
            node_id: `PR_fake${number}`,
            html_url: `https://github.com/${fullName}/pull/${number}`,
            state: pull?.state ?? "open",
            draft: pull?.draft ?? true,
            user: BOT,
            head: { sha: pull?.headSha, ref: pull?.head, repo: { full_name: fullName } },
          },
        ];
      }),
    );
}
