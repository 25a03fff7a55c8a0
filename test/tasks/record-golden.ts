import { writeFileSync } from "node:fs";
import { scenarioDigests, trialDigests } from "./golden.js";

/** Records test/tasks/fixtures/golden.json from the current code (run once, before a change that must keep identity). */
const fixture = { scenarios: scenarioDigests(), trials: await trialDigests() };
writeFileSync(new URL("./fixtures/golden.json", import.meta.url), `${JSON.stringify(fixture, null, 1)}\n`);
const count = (o: Record<string, Record<string, string>>) =>
  Object.values(o).reduce((n, s) => n + Object.keys(s).length, 0);
console.log(`${count(fixture.scenarios)} scenario digests, ${count(fixture.trials)} trial digests`);
