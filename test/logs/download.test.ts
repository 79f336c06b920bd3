import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openJobLog } from "../../src/logs/download.ts";
import { API, BLOBS, closeTheNetwork } from "../support/nock-github.ts";

const octokit = new ProbotOctokit({
  auth: "ghs_token",
  retry: { enabled: false },
  throttle: { enabled: false },
});
const lines = Array.from(
  { length: 200 },
  (_, i) => `line ${String(i).padStart(3, "0")} of the job log`,
).join("\n");

async function read(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

function redirectTo(path: string) {
  nock(API)
    .get("/repos/acme/api/actions/jobs/7/logs")
    .reply(302, "", { location: `${BLOBS}${path}` });
}

beforeAll(closeTheNetwork);
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("openJobLog", () => {
  it("follows the redirect to the blob without sending the token along", async () => {
    redirectTo("/a");
    nock(BLOBS, { badheaders: ["authorization"] })
      .get("/a")
      .reply(200, lines, { "content-length": String(lines.length) });
    const log = await openJobLog(octokit, { owner: "acme", repo: "api", jobId: 7 });
    expect(log).toMatchObject({ bytes: lines.length, truncated: false });
    expect(await read(log.body)).toBe(lines);
  });

  describe("when the log is larger than the cap", () => {
    it("asks for the tail with a Range request and starts at a whole line", async () => {
      const start = lines.length - 1000;
      redirectTo("/b");
      nock(BLOBS)
        .get("/b")
        .reply(200, lines, { "content-length": String(lines.length) });
      nock(BLOBS).get("/b").matchHeader("range", `bytes=${start}-`).reply(206, lines.slice(start));
      const log = await openJobLog(
        octokit,
        { owner: "acme", repo: "api", jobId: 7 },
        { maxBytes: 1000 },
      );
      const text = await read(log.body);
      expect(log).toMatchObject({ bytes: lines.length, truncated: true });
      expect(lines.endsWith(text)).toBe(true);
      expect(text).toMatch(/^line \d{3} of the job log\n/);
      expect(text.length).toBeLessThanOrEqual(1000);
      expect(text).toContain("line 199 of the job log");
    });

    it("skips the head itself when the server ignores the Range", async () => {
      redirectTo("/c");
      nock(BLOBS)
        .get("/c")
        .times(2)
        .reply(200, lines, { "content-length": String(lines.length) });
      const log = await openJobLog(
        octokit,
        { owner: "acme", repo: "api", jobId: 7 },
        { maxBytes: 1000 },
      );
      const text = await read(log.body);
      expect(lines.endsWith(text)).toBe(true);
      expect(text.length).toBeLessThanOrEqual(1000);
      expect(text).toMatch(/^line \d{3}/);
    });
  });

  it("says which job failed when GitHub has no log for it", async () => {
    nock(API).get("/repos/acme/api/actions/jobs/7/logs").reply(404, { message: "Not Found" });
    await expect(openJobLog(octokit, { owner: "acme", repo: "api", jobId: 7 })).rejects.toThrow(
      /log of job 7 of acme\/api: .*Not found/,
    );
  });
});
