import { writeFileSync } from "node:fs";
import { PAPER_PERSONAS, PAPER_TRIAL_SETS, paperPresetIds } from "./paper-golden.js";
import { trialDigests } from "./golden.js";

/**
 * Records test/tasks/fixtures/paper-golden.json from the current code: the paper preset's planned trial ids for the
 * study's models and the outcomes of a fixed-seed persona run of it (run once, before a change that must keep
 * identity; compared by peer-identity.test.ts).
 */
const fixture = { ids: paperPresetIds(), trials: await trialDigests(PAPER_TRIAL_SETS, PAPER_PERSONAS) };
writeFileSync(new URL("./fixtures/paper-golden.json", import.meta.url), `${JSON.stringify(fixture, null, 1)}\n`);
const count = (o: Record<string, unknown[] | Record<string, string>>) =>
  Object.values(o).reduce((n, s) => n + Object.keys(s).length, 0);
console.log(`${count(fixture.ids)} planned ids, ${count(fixture.trials)} trial digests`);
