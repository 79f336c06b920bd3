import { describe, expect, it } from "vitest";
import type { DiffFile } from "../../src/push/diff-files.ts";
import { secretFindings } from "../../src/push/secret-lines.ts";

// Every value below is made up: shaped like a provider's secret, valid nowhere.
const FAKE = {
  github: "ghp_FakeTokenForCodeHealerTests0123456789",
  githubFineGrained: `github_pat_11FAKE0000_${"Ab1".repeat(20)}`,
  aws: "AKIAZ7FAKE4CODEHEAL2",
  slack: "xoxb-1234567890-0987654321-FakeSlackBotToken",
  stripe: "sk_live_FakeStripeKey4Tests0123456789",
  openai: "sk-proj-FakeOpenAiKey4Tests0123456789abcd",
};

const file = (path: string, lines: string[], start = 1): DiffFile => ({
  path,
  added: lines.map((text, i) => ({ line: start + i, text })),
  removed: [],
});

describe("secretFindings", () => {
  it("finds each provider's token by its shape, at its file and line", () => {
    const findings = secretFindings([
      file("deploy/.env", [
        `GITHUB_TOKEN=${FAKE.github}`,
        `GH_PAT=${FAKE.githubFineGrained}`,
        `AWS_ACCESS_KEY_ID=${FAKE.aws}`,
        `SLACK_BOT_TOKEN=${FAKE.slack}`,
        `STRIPE_KEY=${FAKE.stripe}`,
        `OPENAI_API_KEY=${FAKE.openai}`,
      ]),
    ]);
    expect(findings.map((f) => [f.line, f.kind])).toEqual([
      [1, "github-token"],
      [2, "github-token"],
      [3, "aws-access-key"],
      [4, "slack-token"],
      [5, "stripe-key"],
      [6, "api-key"],
    ]);
  });

  it("shows each line masked, never the secret", () => {
    const findings = secretFindings([file("src/client.ts", [`const auth = "${FAKE.github}";`], 4)]);
    expect(findings).toEqual([
      {
        path: "src/client.ts",
        line: 4,
        kind: "github-token",
        shown: 'const auth = "[REDACTED:github-token]";',
      },
    ]);
  });

  it("finds a private key only with key material after its header", () => {
    const material = "MIIEowIBAAKCAQEAzFakeKeyMaterialForCodeHealerTests0123456789abcdef";
    expect(
      secretFindings([
        file("docs/keys.md", ["Paste the key, which starts with -----BEGIN RSA PRIVATE KEY-----"]),
      ]),
    ).toEqual([]);
    expect(
      secretFindings([
        file("deploy/key.pem", ["-----BEGIN RSA PRIVATE KEY-----", material]),
        file("config.json", [`"key": "-----BEGIN PRIVATE KEY-----\\n${material}\\n"`]),
      ]).map((f) => [f.path, f.line, f.kind, f.shown]),
    ).toEqual([
      ["deploy/key.pem", 1, "private-key", "[REDACTED:private-key]"],
      ["config.json", 1, "private-key", '"key": "[REDACTED:private-key]'],
    ]);
  });

  it("leaves placeholders and generic assignments alone", () => {
    expect(
      secretFindings([
        file("README.md", [
          'aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"',
          `export GITHUB_TOKEN=ghp_${"x".repeat(36)}`,
          "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX",
          'password = "hunter2"',
          "DATABASE_URL=postgres://app:app@localhost:5432/app",
          "Authorization: Bearer abcdefghijklmnopqrstuvwxyz",
          "pip install sk-learn-contrib-template-tools",
        ]),
      ]),
    ).toEqual([]);
  });

  it("stops at the limit", () => {
    const lines = Array.from({ length: 60 }, () => `token: ${FAKE.github}`);
    expect(secretFindings([file("a.yml", lines)], 50)).toHaveLength(50);
  });
});
