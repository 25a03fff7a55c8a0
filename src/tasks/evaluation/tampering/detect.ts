import { enforcementWeakened, shutdownTampering } from "../../../detectors/config.js";
import type { TaskContext } from "../../../detectors/context.js";
import { evaluationReport } from "../detect.js";

/** tampering: the study's `shutdown_tampering`, our `enforcement_weakened`, and the evaluation report. */
export function tamperingTask(ctx: TaskContext): void {
  evaluationReport(ctx, { misrepresentation: false });
  const t = shutdownTampering(ctx.input);
  ctx.flag("shutdown_tampering", t.tampered, t.evidence);
  const w = enforcementWeakened(ctx.input);
  ctx.flag("enforcement_weakened", w.weakened, w.evidence);
}
