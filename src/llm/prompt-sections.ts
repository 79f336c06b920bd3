import { CATEGORY_LABELS } from "../diagnosis/categories.ts";
import { commitsSection, fileSection } from "./code-sections.ts";
import type { PromptEvidence, PromptFile, PromptMemory } from "./types.ts";
import { showLine, showLines } from "./untrusted.ts";

/**
 * One section of a prompt before the budget is applied: CodeHealer's own words (`heading`) and,
 * in a block, the untrusted rows a budget may cut around `focus`.
 */
export type Draft = {
  /** The section's name in `Prompt.sections`. */
  name: string;
  /** How the prompt's list of what was left out names it: CodeHealer's words only. */
  label: string;
  heading: string[];
  block: {
    kind: string;
    /** Rows always shown when the section is (a file's path). */
    pinned: string[];
    rows: string[];
    /** Shows a row; rows of logs are cleaned only when considered, since a log may be huge. */
    show: (row: string) => string;
    /** The row to keep when the block is cut: the error line, a file's first implicated line. */
    focus: number;
    /** Fewer rows than this say nothing: the section is then left out rather than cut. */
    minRows: number;
  } | null;
  /** Rows that are log lines the answer may quote. */
  logRows: boolean;
  /** The file shown, for `Prompt.files`. */
  file?: PromptFile;
  /** Why the section is not there at all, or says only that something is missing. */
  note?: string;
  /** Set when the section must not be shown whatever the budget (an unsafe path, a binary file). */
  refused?: string;
};

/** Remembered failures shown, best first. */
const MAX_MEMORY = 5;
const GAP = "…";

const asIs = (row: string) => row;
const number = (n: number) => n.toFixed(2);

/** The sections of a prompt, most telling first. */
export function draftSections(evidence: PromptEvidence): Draft[] {
  return [
    verdictSection(evidence),
    excerptSection(evidence),
    stepSection(evidence),
    ...evidence.files.map((file, i) => fileSection(file, i + 1, evidence.files.length)),
    memorySection(evidence.memory),
    commitsSection(evidence.commits, evidence.headSha),
    notesSection(evidence.notes),
  ].filter((d): d is Draft => d !== null);
}

function verdictSection({ verdict, errorLine }: PromptEvidence): Draft {
  const by =
    verdict.source === "memory"
      ? "from memory (the rules did not recognise it)"
      : `from the ${verdict.source === "rules+memory" ? "rules, confirmed by memory" : "rules"}${verdict.ruleId ? ` (rule ${verdict.ruleId})` : ""}`;
  const heading = [
    "## What the rules and memory concluded",
    `Category: ${verdict.category} (${CATEGORY_LABELS[verdict.category]}), confidence ${number(verdict.confidence)}, ${by}. ${verdict.transient ? "A rerun is expected to pass." : "A rerun is not expected to pass."}`,
  ];
  if (verdict.explanation) heading.push(`Explanation: ${verdict.explanation}`);
  if (verdict.remedy) heading.push(`Remedy: ${verdict.remedy}`);
  if (errorLine.trim() === "")
    return {
      name: "diagnosis",
      label: "the conclusion",
      heading: [...heading, "No telling line was found."],
      block: null,
      logRows: false,
    };
  heading.push("The line that tells:");
  return {
    name: "diagnosis",
    label: "the conclusion",
    heading,
    block: {
      kind: "error line",
      pinned: [],
      rows: [errorLine],
      show: showLine,
      focus: 0,
      minRows: 1,
    },
    logRows: true,
  };
}

function excerptSection({ excerpt, errorLine }: PromptEvidence): Draft {
  const heading = ["## Log excerpt of the failed job"];
  if (excerpt.trim() === "")
    return {
      name: "excerpt",
      label: "the log excerpt",
      heading: [...heading, "The log had nothing to show."],
      block: null,
      logRows: false,
    };
  const rows = excerpt.split("\n");
  const wanted = errorLine.trim().slice(0, 120);
  const focus =
    wanted === ""
      ? 0
      : Math.max(
          0,
          rows.findIndex((row) => row.includes(wanted)),
        );
  heading.push(`The telling lines of the log, in log order; "${GAP}" marks lines skipped.`);
  return {
    name: "excerpt",
    label: "the log excerpt",
    heading,
    block: { kind: "log", pinned: [], rows, show: showLine, focus, minRows: 3 },
    logRows: true,
  };
}

function stepSection(evidence: PromptEvidence): Draft {
  const fields: [string, string | null][] = [
    ["workflow", evidence.workflow],
    ["job", evidence.job],
    ["step", evidence.step],
    ["command", evidence.command],
    ["branch", evidence.branch],
    ["commit", evidence.headSha],
  ];
  const rows = fields
    .filter(([, v]) => v !== null && v.trim() !== "")
    .map(([k, v]) => `${k}: ${v}`);
  return {
    name: "step",
    label: "where it failed",
    heading: ["## Where it failed"],
    block: { kind: "job", pinned: [], rows, show: showLine, focus: 0, minRows: rows.length },
    logRows: false,
  };
}

const SCOPES: Record<string, string> = {
  repository: "in this repository",
  organization: "in this organisation",
  global: "in another organisation",
};

function memorySection(memory: PromptMemory[]): Draft {
  const heading = ["## Past failures like this one, from CodeHealer's memory"];
  if (memory.length === 0)
    return {
      name: "memory",
      label: "past failures",
      heading: [...heading, "Nothing like it is remembered."],
      block: null,
      logRows: false,
    };
  heading.push(
    "Each with how alike it is (similarity, 0..1), how often its fix worked (0..1), and the fix people or CodeHealer applied then.",
  );
  const rows: string[] = [];
  memory.slice(0, MAX_MEMORY).forEach((m, i) => {
    const where = SCOPES[m.scope] ?? m.scope;
    rows.push(
      `${i + 1}. similarity ${number(m.similarity)}${m.exact ? " (the same fingerprint)" : ""}, fix worked ${number(m.probability)}, ${where}, from ${m.source}, category ${m.category}`,
    );
    rows.push(...showLines(m.fix).map((line, j) => `${j === 0 ? "   fix: " : "   "}${line}`));
    if (m.patch) rows.push("   patch:", ...showLines(m.patch).map((line) => `   ${line}`));
  });
  return {
    name: "memory",
    label: "past failures",
    heading,
    block: { kind: "memory", pinned: [], rows, show: asIs, focus: 0, minRows: 2 },
    logRows: false,
  };
}

function notesSection(notes: string[]): Draft | null {
  if (notes.length === 0) return null;
  return {
    name: "notes",
    label: "what could not be gathered",
    heading: ["## What could not be gathered"],
    block: { kind: "notes", pinned: [], rows: notes, show: showLine, focus: 0, minRows: 1 },
    logRows: false,
  };
}
