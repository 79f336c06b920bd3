import type { FixInput } from "../actions/fix-pr-body.ts";
import type { ProposedFix } from "../policy/plan-input.ts";

/**
 * A fix found for an incident: the files to commit and the words around them (`fix`), and what
 * the plan weighs (`proposed`: the paths, where it came from, whether it was validated). Stored
 * on the incident (`incidents.fix`), so the check run's "Open fix PR" button can open it later.
 */
export type StoredFix = { fix: FixInput; proposed: ProposedFix };
