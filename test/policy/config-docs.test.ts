import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CONFIG_DOCS, renderConfigDocs } from "../../scripts/config-docs.ts";
import { configSchema } from "../../src/policy/config.ts";

describe("docs/configuration.md", () => {
  it("is up to date with the configuration schema (node scripts/config-docs.ts rewrites it)", () => {
    expect(readFileSync(CONFIG_DOCS, "utf8")).toBe(renderConfigDocs());
  });

  it("documents every setting: each field of the schema has a description", () => {
    type Node = { description?: string; properties?: Record<string, Node>; items?: Node };
    const undocumented: string[] = [];
    const walk = (node: Node, path: string) => {
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        if (!child.description) undocumented.push(`${path}${key}`);
        walk(child, `${path}${key}.`);
        if (child.items) walk(child.items, `${path}${key}[].`);
      }
    };
    walk(z.toJSONSchema(configSchema, { io: "input" }) as Node, "");
    expect(undocumented).toEqual([]);
  });
});
