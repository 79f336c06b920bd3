/**
 * Synthetic but realistic failures for bench/memory.ts: the error lines real tools print, with
 * packages, paths, symbols, hosts and numbers drawn from a large made-up vocabulary, so that
 * their vectors spread the way a real memory's would (clusters per tool and error, close
 * neighbours per package or symbol) rather than as random noise.
 */

/** A failure as memory stores it. */
export type Failure = {
  category: string;
  errorLine: string;
  excerpt: string;
  repository: string;
  fix: string;
  successes: number;
  failures: number;
};

type Random = () => number;

/** A small deterministic PRNG (mulberry32): the same seed gives the same data set. */
export function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES =
  "ka lo mi ne ru sa ti vo ze ba co di fu ge hi ja ko lu ma no pe qui ra so tu ve wi xa yo zu".split(
    " ",
  );
const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;
const int = (random: Random, max: number) => 1 + Math.floor(random() * max);

// Words of two to four syllables: about 800,000 possible, so identifiers rarely repeat.
function word(random: Random): string {
  let out = "";
  for (let i = 0, n = 2 + Math.floor(random() * 3); i < n; i++) out += pick(random, SYLLABLES);
  return out;
}
const title = (w: string) => w[0]?.toUpperCase() + w.slice(1);
const path = (random: Random, ext: string) => `src/${word(random)}/${word(random)}.${ext}`;

type Template = {
  category: string;
  line: (r: Random) => string;
  context: (r: Random) => string[];
  fix: (r: Random) => string;
};

const TEMPLATES: Template[] = [
  {
    category: "dependency_missing",
    line: (r) => `npm error 404 Not Found - GET https://registry.npmjs.org/${word(r)}-${word(r)}`,
    context: (r) => [
      "npm error code E404",
      `npm error 404 '${word(r)}@^${int(r, 9)}.${int(r, 20)}.0' is not in this registry.`,
    ],
    fix: (r) => `Fix the package name in package.json (typo of ${word(r)})`,
  },
  {
    category: "dependency_missing",
    line: (r) => `ModuleNotFoundError: No module named '${word(r)}'`,
    context: (r) => [
      `  File "${path(r, "py")}", line ${int(r, 400)}, in <module>`,
      `    import ${word(r)}`,
    ],
    fix: (r) => `Add ${word(r)} to requirements.txt`,
  },
  {
    category: "dependency_resolution",
    line: (r) =>
      `npm error ERESOLVE could not resolve: peer ${word(r)}@"^${int(r, 19)}.0.0" from ${word(r)}@${int(r, 9)}.${int(r, 9)}.${int(r, 9)}`,
    context: (r) => [
      "npm error code ERESOLVE",
      `npm error Found: ${word(r)}@${int(r, 19)}.${int(r, 9)}.0`,
    ],
    fix: (r) => `Align ${word(r)} with its peer range`,
  },
  {
    category: "type_error",
    line: (r) =>
      `${path(r, "ts")}(${int(r, 300)},${int(r, 40)}): error TS2322: Type '${title(word(r))}' is not assignable to type '${title(word(r))}'.`,
    context: (r) => [
      `> tsc --noEmit -p ${word(r)}`,
      `Found ${int(r, 9)} errors in ${int(r, 4)} files.`,
    ],
    fix: (r) => `Narrow the ${word(r)} type before assigning it`,
  },
  {
    category: "compile_error",
    line: (r) => `[ERROR] ${path(r, "java")}:[${int(r, 300)},${int(r, 60)}] cannot find symbol`,
    context: (r) => [
      `  symbol:   method ${word(r)}(${title(word(r))})`,
      `  location: class ${title(word(r))}${title(word(r))}`,
    ],
    fix: (r) => `Rename the call to ${word(r)} after the API change`,
  },
  {
    category: "compile_error",
    line: (r) => `error[E0308]: mismatched types --> ${path(r, "rs")}:${int(r, 300)}:${int(r, 60)}`,
    context: (r) => [
      `expected \`${word(r)}\`, found \`${word(r)}\``,
      `error: could not compile \`${word(r)}\` due to previous error`,
    ],
    fix: (r) => `Convert the ${word(r)} value explicitly`,
  },
  {
    category: "test_failure",
    line: (r) =>
      `FAILED tests/test_${word(r)}.py::test_${word(r)}_${word(r)} - AssertionError: assert ${int(r, 999)} == ${int(r, 999)}`,
    context: (r) => [
      `E       assert ${word(r)}.${word(r)}() == ${int(r, 99)}`,
      `${int(r, 9)} failed, ${int(r, 900)} passed`,
    ],
    fix: (r) => `Update the expected ${word(r)} value after the rounding change`,
  },
  {
    category: "test_failure",
    line: (r) => `--- FAIL: Test${title(word(r))}${title(word(r))} (${int(r, 9)}.${int(r, 99)}s)`,
    context: (r) => [
      `    ${word(r)}_test.go:${int(r, 300)}: expected ${word(r)}, got ${word(r)}`,
      `FAIL	github.com/${word(r)}/${word(r)}	${int(r, 9)}.${int(r, 999)}s`,
    ],
    fix: (r) => `Sort ${word(r)} results before comparing`,
  },
  {
    category: "network_transient",
    line: (r) =>
      `curl: (28) Failed to connect to ${word(r)}.${word(r)}.io port 443 after ${int(r, 9000)} ms: Connection timed out`,
    context: (r) => [
      `+ curl -fsSL https://${word(r)}.io/install.sh`,
      "##[error]Process completed with exit code 28.",
    ],
    fix: () => "Rerun; the download host was unreachable",
  },
  {
    category: "docker_build",
    line: (r) =>
      `ERROR: failed to solve: process "/bin/sh -c apt-get install -y ${word(r)} ${word(r)}" did not complete successfully: exit code: ${int(r, 130)}`,
    context: (r) => [
      `#${int(r, 20)} [${int(r, 9)}/${int(r, 9)}] RUN apt-get install -y ${word(r)}`,
      `E: Unable to locate package ${word(r)}`,
    ],
    fix: (r) => `Use the ${word(r)} package name of the new base image`,
  },
  {
    category: "infra_k8s",
    line: (r) =>
      `Error: UPGRADE FAILED: Deployment.apps "${word(r)}-${word(r)}" is invalid: spec.template.spec.containers[0].image: Required value`,
    context: (r) => [
      `helm upgrade --install ${word(r)} ./charts/${word(r)}`,
      `release "${word(r)}" failed`,
    ],
    fix: (r) => `Set image.tag in values-${word(r)}.yaml`,
  },
  {
    category: "permission_auth",
    line: (r) => `remote: Permission to ${word(r)}/${word(r)}.git denied to ${word(r)}-bot.`,
    context: (r) => [
      `fatal: unable to access 'https://github.com/${word(r)}/${word(r)}.git/': The requested URL returned error: 403`,
    ],
    fix: (r) => `Give the ${word(r)} token contents: write`,
  },
  {
    category: "lint_format",
    line: (r) =>
      `${path(r, "ts")}:${int(r, 300)}:${int(r, 60)}  error  '${word(r)}' is assigned a value but never used  @typescript-eslint/no-unused-vars`,
    context: (r) => [`✖ ${int(r, 20)} problems (${int(r, 20)} errors, 0 warnings)`],
    fix: (r) => `Remove the unused ${word(r)}`,
  },
  {
    category: "disk_full",
    line: (r) =>
      `tar: ${word(r)}/${word(r)}-${int(r, 99)}.csv: Cannot write: No space left on device`,
    context: (r) => [
      `Filesystem      Size  Used Avail Use% Mounted on`,
      `/dev/root        ${int(r, 90)}G  ${int(r, 90)}G     0 100% /`,
    ],
    fix: () => "Free space with docker system prune before the step",
  },
];

/** `count` failures in `repositories` repositories of a tenth as many organisations. */
export function failures(random: Random, count: number, repositories = 2000): Failure[] {
  const out: Failure[] = [];
  for (let i = 0; i < count; i++) {
    const template = pick(random, TEMPLATES);
    const repo = Math.floor(random() * repositories);
    out.push({
      category: template.category,
      errorLine: template.line(random),
      excerpt: [`##[group]Run ${word(random)} ${word(random)}`, ...template.context(random)].join(
        "\n",
      ),
      repository: `org${repo % Math.max(1, repositories / 10)}/repo${repo}`,
      fix: template.fix(random),
      successes: Math.floor(random() * 6),
      failures: Math.floor(random() * 3),
    });
  }
  return out;
}

/** The same failure seen again: other numbers, and one word of its context changed. */
export function variant(random: Random, failure: Failure): Failure {
  const renumber = (text: string) => text.replace(/\d+/g, () => String(int(random, 500)));
  const lines = failure.excerpt.split("\n");
  const at = Math.floor(random() * lines.length);
  lines[at] = (lines[at] ?? "").replace(/[a-z]{4,}/, () => word(random));
  return {
    ...failure,
    errorLine: renumber(failure.errorLine),
    excerpt: renumber(lines.join("\n")),
  };
}
