import { describe, expect, it } from "vitest";
import { createPemMasker, redact } from "../../src/logs/redact.ts";

// Secrets are assembled at run time so that secret scanners do not flag this file.
const ghp = `ghp_${"A1b2C3d4E5".repeat(3)}123456`;
const pat = `github_pat_${"11ABCDEFG0".repeat(2)}_${"aBcDeFgHiJ".repeat(6)}`;
const slack = `xoxb-${"1234567890"}-${"0987654321"}-${"AbCdEfGhIjKlMnOpQrStUvWx"}`;
const openai = `sk-proj-${"Ab3dEf6hIj".repeat(4)}`;
const jwt = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"}`;
const awsKey = `AKIA${"IOSFODNN7EXAMPLE"}`;
const awsSecret = `wJalrXUtnFEMI/K7MDENG/bPxRfiCY${"EXAMPLEKEY"}`;

describe("redact", () => {
  describe("masks", () => {
    it.each([
      ["a GitHub personal access token", `git push https://${ghp}@github.com/o/r`, "github-token"],
      ["a fine-grained GitHub token", `GH_TOKEN=${pat}`, "github-token"],
      ["a GitHub app token", `token ghs_${"x".repeat(36)}`, "github-token"],
      ["an AWS access key id", `aws_access_key_id = ${awsKey}`, "aws-access-key"],
      [
        "an AWS secret key in an assignment",
        `AWS_SECRET_ACCESS_KEY=${awsSecret}`,
        "aws-secret-key",
      ],
      ["a Slack token", `SLACK_TOKEN: ${slack}`, "slack-token"],
      ["an OpenAI-style key", `curl -H "Authorization: Bearer ${openai}"`, "api-key"],
      ["a JWT", `session=${jwt}`, "jwt"],
      ["a password assignment", "mysql -u root --password=hunter2hunter2", "secret"],
      ["a quoted token in JSON", '{"token": "abc123def456"}', "secret"],
      ["an api_key with a colon", "api_key: s3cr3tvalue", "secret"],
      ["curl's user and password", "curl -u deploy:s3cretpassw0rd https://x.example", "basic-auth"],
      [
        "credentials in a URL",
        "fatal: unable to access https://bot:pa55word@git.example.com/r.git",
        "url-credentials",
      ],
    ])("%s", (_name, text, kind) => {
      const masked = redact(text);
      expect(masked).toContain(`[REDACTED:${kind}]`);
    });

    it("keeps the key name and the host around what it masks", () => {
      expect(redact("password=hunter2hunter2")).toBe("password=[REDACTED:secret]");
      expect(redact("https://bot:pa55word@git.example.com/r.git")).toBe(
        "https://[REDACTED:url-credentials]@git.example.com/r.git",
      );
    });

    it("masks a whole private key block held in one string", () => {
      const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAKCAQEA\n-----END RSA PRIVATE KEY-----";
      expect(redact(`key:\n${pem}\ndone`)).toBe("key:\n[REDACTED:private-key]\ndone");
    });
  });

  describe("leaves look-alikes alone", () => {
    it.each([
      ["a git SHA", "Checking out 2f4e7c9a1b3d5e6f708192a3b4c5d6e7f8091a2b"],
      ["a UUID", "run id 123e4567-e89b-12d3-a456-426614174000"],
      ["scikit-learn's short name", "pip install sk-learn-contrib-template"],
      ["a test named after passwords", "PASSED tests/test_auth.py::password_reset_test"],
      ["an empty token", "token= "],
      ["an already masked value", "  GITHUB_TOKEN: ***"],
      ["a workflow expression", ["token: $", "{{ secrets.GITHUB_TOKEN }}"].join("")],
      ["a URL without credentials", "GET https://registry.npmjs.org/@acme%2fwidgets"],
      ["an SSH remote", "git@github.com:acme/app.git"],
      [
        "base64 that is not a JWT",
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ",
      ],
      ["an ordinary sentence about keys", "Secret source: Actions"],
    ])("%s", (_name, text) => {
      expect(redact(text)).toBe(text);
    });
  });
});

describe("createPemMasker", () => {
  it("masks every line of a private key that spans lines", () => {
    const mask = createPemMasker();
    const out = [
      "before",
      "-----BEGIN PRIVATE KEY-----",
      "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
      "-----END PRIVATE KEY-----",
      "after",
    ].map(mask);
    expect(out).toEqual([
      "before",
      "[REDACTED:private-key]",
      "[REDACTED:private-key]",
      "[REDACTED:private-key]",
      "after",
    ]);
  });

  it("keeps what precedes the block on its first line", () => {
    const mask = createPemMasker();
    expect(mask("key=-----BEGIN EC PRIVATE KEY-----")).toBe("key=[REDACTED:private-key]");
    expect(mask("MHcCAQEEIB")).toBe("[REDACTED:private-key]");
  });

  it("leaves certificates and public keys alone", () => {
    const mask = createPemMasker();
    expect(mask("-----BEGIN CERTIFICATE-----")).toBe("-----BEGIN CERTIFICATE-----");
    expect(mask("MIIDdzCCAl+gAwIBAgIE")).toBe("MIIDdzCCAl+gAwIBAgIE");
  });
});

describe("redact on hostile input", () => {
  it("masks a secret after a 200 KB run of word characters (the patterns stay linear)", () => {
    const run = `eyJ${"a".repeat(200_000)}`;
    const out = redact(`${run} api_key=AbCdEf0123456789xyz`);
    expect(out.startsWith(run)).toBe(true);
    expect(out).toContain("api_key=[REDACTED:secret]");
    expect(out).not.toContain("AbCdEf0123456789xyz");
  });
});
