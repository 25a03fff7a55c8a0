import { createColors } from "picocolors";

/**
 * Colours only on a terminal (and never with NO_COLOR). picocolors alone also colours when a CI variable is set,
 * which would put escape codes into logs and piped output.
 */
export const pc = createColors(!!process.stdout.isTTY && !("NO_COLOR" in process.env) && process.env.TERM !== "dumb");
