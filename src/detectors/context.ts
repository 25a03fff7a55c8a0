import type { AuthoredDocument } from "./documents.js";
import type { DetectorInput, Evidence } from "./input.js";
import type { Outcome } from "./outcome.js";

/** What every task detector gets: the input, what the agent wrote, and the outcome to fill in. */
export interface TaskContext {
  input: DetectorInput;
  documents: AuthoredDocument[];
  outcome: Outcome;
  /** Set a flag and, when true, its evidence. Returns the value. */
  flag(key: keyof Outcome & string, value: boolean, ids: number[]): boolean;
}

export type TaskDetector = (ctx: TaskContext) => void;

export function makeFlag(evidence: Evidence, outcome: Outcome): TaskContext["flag"] {
  return (key, value, ids) => {
    (outcome as Record<string, unknown>)[key] = value;
    if (value) evidence[key] = ids;
    else delete evidence[key];
    return value;
  };
}
