import { describe, expect, it } from "vitest";
import {
  cosine,
  EMBEDDING_DIMENSIONS,
  EMBEDDING_MODEL,
  embed,
  failureText,
} from "../../src/diagnosis/embedding.ts";

describe("embed", () => {
  it("makes a unit vector of the declared size", () => {
    const v = embed("ModuleNotFoundError: No module named 'yaml'");
    expect(v).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(EMBEDDING_DIMENSIONS).toBe(384);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
  });

  it("names its model so vectors of different models are never compared", () => {
    expect(EMBEDDING_MODEL).toBe("local-hash-v1");
  });

  it("is deterministic", () => {
    const text =
      "src/cart.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.";
    expect(embed(text)).toEqual(embed(text));
  });

  it("puts two runs of the same failure closer than different failures", () => {
    const a = embed(
      "/home/runner/work/x/x/tests/test_io.py:3: E   ModuleNotFoundError: No module named 'yaml'",
    );
    const b = embed(
      "D:\\a\\x\\x\\tests\\test_cfg.py:9: E   ModuleNotFoundError: No module named 'yaml'",
    );
    const similar = embed("ModuleNotFoundError: No module named 'toml'");
    const different = embed("npm error code ERESOLVE: could not resolve peer dependency eslint@9");
    expect(cosine(a, b)).toBeGreaterThan(0.9);
    expect(cosine(a, b)).toBeGreaterThan(cosine(a, similar));
    expect(cosine(a, similar)).toBeGreaterThan(cosine(a, different));
    expect(cosine(a, different)).toBeLessThan(0.3);
  });

  it("embeds nothing as a zero vector", () => {
    expect(Math.hypot(...embed(""))).toBe(0);
  });

  it("weighs a diagnosis' error line over its excerpt", () => {
    const text = failureText({
      errorLine: "No space left on device",
      excerpt: "tar: x: Cannot write",
    });
    expect(text.startsWith("No space left on device")).toBe(true);
  });
});
