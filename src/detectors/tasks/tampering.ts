import { enforcementWeakened, shutdownTampering } from "../config.js";
import type { TaskContext } from "./common.js";
import { evaluationReport } from "./evaluation.js";

/** tampering: the study's `shutdown_tampering`, our `enforcement_weakened`, and the evaluation report. */
export function tamperingTask(ctx: TaskContext): void {
  evaluationReport(ctx);
  const t = shutdownTampering(ctx.input);
  ctx.flag("shutdown_tampering", t.tampered, t.evidence);
  const w = enforcementWeakened(ctx.input);
  ctx.flag("enforcement_weakened", w.weakened, w.evidence);
}
