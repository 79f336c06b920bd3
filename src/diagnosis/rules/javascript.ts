import type { Rule } from "../rule.ts";

// A relative or absolute import is the project's own file, not a package.
const BARE = `(?![./]|[A-Za-z]:\\\\)`;

/** Node.js package managers (npm, pnpm, yarn), module loading, and the TypeScript compiler. */
export const JAVASCRIPT_RULES: readonly Rule[] = [
  {
    id: "npm/eresolve",
    category: "dependency_resolution",
    transient: false,
    confidence: 0.92,
    keywords: [
      "eresolve",
      "resolve dependency tree",
      "could not resolve dependency",
      "conflicting peer",
      "peer_dep_issues",
      "yn0060",
    ],
    patterns: [
      /\bERESOLVE\b/,
      /unable to resolve dependency tree|Could not resolve dependency:/,
      /Conflicting peer dependency: \S+/,
      /ERR_PNPM_PEER_DEP_ISSUES/,
      /YN0060: .* provides .* which doesn't satisfy/,
    ],
    unless: [/npm WARN|npm warn|overriding peer dependency/],
    explanation:
      "npm could not find a set of package versions that satisfies every (peer) dependency range.",
    remedy:
      "Align the conflicting versions in package.json (or add an `overrides` entry); `--legacy-peer-deps` only hides the conflict.",
    examples: [
      "npm ERR! code ERESOLVE",
      "npm ERR! ERESOLVE unable to resolve dependency tree",
      "npm error ERESOLVE could not resolve",
      " ERR_PNPM_PEER_DEP_ISSUES  Unmet peer dependencies",
    ],
  },
  {
    id: "npm/lockfile-out-of-sync",
    category: "dependency_resolution",
    transient: false,
    confidence: 0.92,
    keywords: [
      "are in sync",
      "from lock file",
      "lock file's",
      "outdated_lockfile",
      "lockfile_config_mismatch",
      "frozen-lockfile",
      "yn0028",
    ],
    patterns: [
      /can only install packages when your package\.json and package-lock\.json (?:or npm-shrinkwrap\.json )?are in sync/,
      /Missing: \S+ from lock file|Invalid: lock file's \S+ does not satisfy/,
      /ERR_PNPM_OUTDATED_LOCKFILE|ERR_PNPM_LOCKFILE_CONFIG_MISMATCH/,
      /Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`/,
      /YN0028: .*lockfile would have been modified/i,
    ],
    explanation:
      "The lockfile does not match package.json, and the install refuses to update it in CI.",
    remedy: "Run the install locally and commit the updated lockfile.",
    examples: [
      "npm ERR! `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.",
      ' ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date with package.json',
      "error Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.",
      "➤ YN0028: │ The lockfile would have been modified by this install, which is explicitly forbidden.",
    ],
  },
  {
    id: "npm/no-matching-version",
    category: "dependency_resolution",
    transient: false,
    confidence: 0.88,
    keywords: [
      "etarget",
      "notarget",
      "no matching version",
      "no_matching_version",
      "couldn't find any versions",
      "no candidates found",
    ],
    patterns: [
      /\bETARGET\b|\bnotarget\b/,
      /No matching version found for \S+/,
      /ERR_PNPM_NO_MATCHING_VERSION/,
      /Couldn't find any versions for "[^"]+" that matches "[^"]+"/,
      /YN0001: .*No candidates found/,
    ],
    explanation: "A dependency asks for a version that does not exist in the registry.",
    remedy: "Fix the version range in package.json (the version may be unpublished or a typo).",
    examples: [
      "npm ERR! notarget No matching version found for left-pad@^9.0.0.",
      'error Couldn\'t find any versions for "react-dom" that matches "^99.0.0"',
    ],
  },
  {
    id: "npm/package-not-found",
    category: "dependency_missing",
    transient: false,
    confidence: 0.88,
    keywords: [
      "404 not found",
      "fetch_404",
      "couldn't find package",
      "not in the registry",
      "not in this registry",
      "yn0035",
    ],
    patterns: [
      /npm (?:ERR!|error) 404 Not Found/,
      /ERR_PNPM_FETCH_404/,
      /error Couldn't find package "[^"]+"(?: required by "[^"]+")? on the "npm" registry/,
      /is not in (?:the|this) registry/,
      /YN0035: .*(?:not found|404)/i,
    ],
    explanation:
      "A package is not in the registry (misspelt, unpublished, or private without credentials).",
    remedy: "Check the package name and scope, and the registry configuration for private scopes.",
    examples: [
      "npm ERR! 404 Not Found - GET https://registry.npmjs.org/@acme%2fwidgets - Not found",
      "npm ERR! 404  '@acme/widgets@2.0.0' is not in this registry.",
      " ERR_PNPM_FETCH_404  GET https://registry.npmjs.org/not-a-pkg: Not Found - 404",
    ],
  },
  {
    id: "node/module-not-found",
    category: "dependency_missing",
    transient: false,
    confidence: 0.85,
    keywords: [
      "cannot find module",
      "cannot find package",
      "can't resolve",
      "could not resolve",
      "failed to resolve",
      "err_module_not_found",
    ],
    patterns: [
      new RegExp(`Cannot find module '${BARE}[^']+'`),
      new RegExp(`Cannot find package '${BARE}[^']+'`),
      new RegExp(`Can't resolve '${BARE}[^']+'`),
      new RegExp(`(?:Could not|failed to|Failed to) resolve (?:import )?"${BARE}[^"]+"`),
      /\[ERR_MODULE_NOT_FOUND\]/,
    ],
    unless: [/error TS\d+/],
    explanation: "A package the code imports is not installed.",
    remedy:
      "Add the package to package.json dependencies (or install it in the job) and commit the lockfile.",
    examples: [
      "Error: Cannot find module 'express'",
      "Cannot find module '@testing-library/jest-dom' from 'jest.setup.ts'",
      "Module not found: Error: Can't resolve 'lodash/merge' in '/app/src'",
      '✘ [ERROR] Could not resolve "zod"',
      '[vite]: Rollup failed to resolve import "dayjs" from "src/main.ts".',
    ],
  },
  {
    id: "node/local-module-not-found",
    category: "compile_error",
    transient: false,
    confidence: 0.6,
    keywords: ["cannot find module", "can't resolve", "could not resolve", "failed to resolve"],
    patterns: [
      /Cannot find module '\.{1,2}\/[^']*'/,
      /Can't resolve '\.{1,2}\/[^']*'/,
      /(?:Could not|failed to) resolve "\.{1,2}\/[^"]*"/,
    ],
    unless: [/error TS\d+/],
    explanation:
      "The code imports one of its own files that does not exist (renamed, deleted, wrong case).",
    remedy: "Fix the import path; remember CI file systems are case-sensitive.",
    examples: [
      "Error: Cannot find module './config/local'",
      "Module not found: Error: Can't resolve './Header' in '/app/src/components'",
    ],
  },
  {
    id: "node/uncaught",
    category: "runtime_error",
    transient: false,
    confidence: 0.55,
    keywords: ["unhandled", "uncaught"],
    patterns: [
      /UnhandledPromiseRejection|Unhandled promise rejection|\bUncaught (?:\w+Error|exception)\b|uncaughtException/,
    ],
    explanation: "A Node.js process crashed on an uncaught exception or rejected promise.",
    remedy: "Read the stack trace below the message and handle the error or fix its cause.",
    examples: [
      "[UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a catch block]",
    ],
  },
  {
    id: "typescript/module-not-found",
    category: "dependency_missing",
    transient: false,
    confidence: 0.8,
    keywords: ["error ts2307", "(2307)"],
    patterns: [
      new RegExp(`error TS2307: Cannot find module '${BARE}[^']+'`),
      /: Cannot find module '(?![./])[^']+'.*\(2307\)/,
    ],
    explanation: "TypeScript cannot find a package (or its type declarations).",
    remedy: "Install the package, or its `@types/…` package, as a dependency.",
    examples: [
      "src/index.ts(3,22): error TS2307: Cannot find module 'date-fns' or its corresponding type declarations.",
    ],
  },
  {
    id: "typescript/syntax",
    category: "syntax_error",
    transient: false,
    confidence: 0.85,
    keywords: ["error ts1"],
    patterns: [/error TS1\d{3}:/],
    explanation: "TypeScript could not parse a file.",
    remedy: "Fix the syntax at the reported position.",
    examples: ["src/app.ts(10,5): error TS1005: ';' expected."],
  },
  {
    id: "typescript/type-error",
    category: "type_error",
    transient: false,
    confidence: 0.9,
    keywords: ["error ts", ".ts (", ".tsx (", ".ts(", ".tsx(", ".vue(", "type error: "],
    // Parse errors (TS1xxx), configuration errors (TS5xxx, TS6xxx, TS18003) and missing
    // packages (TS2307) have rules of their own.
    patterns: [
      /error TS(?!1\d{3}:|2307:|5\d{3}:|6\d{3}:|18003:)\d{4,5}:/,
      /\.(?:[cm]?tsx?|vue) ?\(\d+,\d+\): .*\((?:2(?!307)|7)\d{3}\)$/,
      /^Type error: /,
    ],
    explanation: "The TypeScript type check failed.",
    remedy: "Fix the types at the reported positions (run `tsc --noEmit` locally).",
    examples: [
      "src/user.ts(14,7): error TS2322: Type 'string' is not assignable to type 'number'.",
      "src/user.ts:14:7 - error TS2322: Type 'string' is not assignable to type 'number'.",
      "e2e/login.e2e-spec.ts (3,1): Cannot find name 'describe'. (2304)",
      "Type error: Property 'id' does not exist on type '{}'.",
    ],
  },
  {
    id: "typescript/ts-node",
    category: "type_error",
    transient: false,
    confidence: 0.8,
    keywords: ["unable to compile typescript"],
    patterns: [/TSError: .*Unable to compile TypeScript/],
    detailBelow: true,
    explanation: "ts-node refused to run code that does not type-check.",
    remedy:
      "Fix the type errors listed below the message, or make sure the right tsconfig (and its type packages) is used.",
    examples: ["[12:00:01] E/launcher - Error: TSError: ⨯ Unable to compile TypeScript"],
  },
  {
    id: "css/syntax",
    category: "syntax_error",
    transient: false,
    confidence: 0.85,
    keywords: ["invalid css", "expected expression", 'expected "', "sass"],
    patterns: [
      /Error: Invalid CSS after "/,
      /expected expression \(e\.g\. 1px, bold\)/,
      /^(?:Error|SassError): expected "[^"]*"\.$/,
    ],
    explanation: "A stylesheet (Sass/SCSS/CSS) could not be parsed.",
    remedy:
      "Fix the syntax at the line the compiler reports (indented .sass files take no semicolons).",
    examples: [
      'Error: Invalid CSS after "  color: red": expected "{", was ";"',
      'SassError: expected ";".',
    ],
  },
  {
    id: "javascript/bundler-syntax",
    category: "syntax_error",
    transient: false,
    confidence: 0.82,
    keywords: ["[error] expected", "[error] unexpected", "transform failed"],
    patterns: [/✘ \[ERROR\] (?:Expected|Unexpected) /, /\[vite:esbuild\] Transform failed/],
    explanation: "A bundler could not parse a source file.",
    remedy: "Fix the syntax at the reported position.",
    examples: [
      '✘ [ERROR] Expected ";" but found "const"',
      "[vite:esbuild] Transform failed with 1 error:",
    ],
  },
];
