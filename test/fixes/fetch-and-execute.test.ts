import { describe, expect, it } from "vitest";
import { fetchAndExecuteLine } from "../../src/fixes/fetch-and-execute.ts";

describe("fetchAndExecuteLine", () => {
  const risky = [
    "curl -fsSL https://get.example.sh | sh",
    "curl -sSL https://install.example.com | sudo -E bash -",
    "wget -qO- https://example.com/setup | bash",
    "curl https://example.com/x.py | python3",
    "bash <(curl -s https://example.com/install.sh)",
    'eval "$(curl -fsSL https://example.com/env)"',
    "iex (iwr https://example.com/install.ps1 -UseBasicParsing)",
    "irm https://example.com/install.ps1 | iex",
  ];
  for (const line of risky)
    it(`finds ${line}`, () => expect(fetchAndExecuteLine([line])).toBe(line));

  const safe = [
    "curl -fsSL -o install.sh https://get.example.sh",
    "curl -fsSL https://api.example.com/health | jq .status",
    "npm run build | tee build.log",
    "echo 'curl is not used here'",
    "sha256sum -c install.sh.sha256 && sh install.sh",
  ];
  for (const line of safe)
    it(`lets ${line} through`, () => expect(fetchAndExecuteLine([line])).toBeUndefined());
});
