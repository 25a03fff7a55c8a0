import type { Command } from "commander";

/** Each subcommand lives in its own file and registers itself here. */
export const commandRegistrars: Array<(program: Command) => void> = [];

import { register as registerExport } from "./export.js";
import { register as registerGate } from "./gate.js";
import { register as registerImport } from "./import.js";
import { register as registerPlay } from "./play.js";
import { register as registerReport } from "./report.js";
import { register as registerReview } from "./review.js";
import { register as registerValidate } from "./validate.js";
import { register as registerView } from "./view.js";

commandRegistrars.push(registerReport, registerView);
commandRegistrars.push(registerPlay);
commandRegistrars.push(registerValidate);
commandRegistrars.push(registerImport);
commandRegistrars.push(registerReview);
commandRegistrars.push(registerGate);
commandRegistrars.push(registerExport);
