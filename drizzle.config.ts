import { defineConfig } from "drizzle-kit";

// Only `drizzle-kit generate` uses this: migrations are applied by the app itself
// (`codehealer migrate` and at start-up), because drizzle-kit cannot load PGlite's vector extension.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/schema.ts",
  out: "./drizzle",
});
