import { describe, expect, it } from "vitest";
import { formatDuration, ProgressLines, progressStep } from "../../src/cli/progress.js";

/** A ProgressLines on a clock the test moves, writing into an array. */
function piped(concurrency: number) {
  let now = 1_000_000;
  const lines: string[] = [];
  const p = new ProgressLines({ concurrency, now: () => now, write: (l) => lines.push(l), quietMs: 60_000 });
  return {
    lines,
    p,
    at: (seconds: number) => {
      now = 1_000_000 + seconds * 1000;
    },
  };
}

const snap = (done: number, total: number, errors = 0, costUsd = 0) => ({ done, total, errors, costUsd });

describe("piped progress", () => {
  it("says nothing at the start, no rate or ETA before the first wave of trials, then both", () => {
    const { lines, p, at } = piped(5);
    p.update(snap(0, 50)); // a step of 5 trials
    expect(lines).toEqual([]);
    at(30);
    for (const done of [1, 2, 3, 4]) p.update(snap(done, 50));
    expect(lines).toEqual([]);
    at(60);
    p.update(snap(5, 50, 1));
    // 5 trials in 60 s: 5 per minute, 45 left: 9 minutes
    expect(lines).toEqual(["progress: 5/50 trials (10%), 1 error, 5.0 trials/min, ETA 9m 00s"]);
    p.stop();
  });

  it("before the first wave ends, a step line says what it waits for instead of an ETA", () => {
    const { lines, p, at } = piped(8);
    p.update(snap(0, 20));
    at(10);
    p.update(snap(2, 20)); // the step of 20 trials is 2
    expect(lines).toEqual(["progress: 2/20 trials (10%), 0 errors, rate and ETA after 6 more trials"]);
    p.stop();
  });

  it("after a quiet minute prints a line, without an ETA while no trial has ended", () => {
    const { lines, p, at } = piped(4);
    p.update(snap(0, 100));
    at(59);
    p.tick();
    expect(lines).toEqual([]);
    at(61);
    p.tick();
    expect(lines).toEqual(["progress: 0/100 trials (0%), 0 errors, no trial ended yet (1m 01s elapsed)"]);
    p.stop();
  });

  it("counts only this process's trials on a resume, and says the cost when there is one", () => {
    const { lines, p, at } = piped(2);
    p.update(snap(600, 1000, 0, 3.5)); // 600 recorded before the resume
    at(120);
    p.update(snap(700, 1000, 0, 4.25)); // 100 in 2 minutes: 50 per minute, 300 left: 6 minutes
    expect(lines).toEqual(["progress: 700/1000 trials (70%), 0 errors, $4.25 spent, 50 trials/min, ETA 6m 00s"]);
    at(480);
    p.update(snap(1000, 1000, 0, 5));
    expect(lines.at(-1)).toBe(
      "progress: 1000/1000 trials (100%), 0 errors, $5.00 spent, 50 trials/min, done in 8m 00s",
    );
    p.stop();
  });

  it("chooses a step of about a tenth of the run, in round figures", () => {
    expect([1, 9, 10, 175, 3500, 5149, 27_000, 100_000].map(progressStep)).toEqual([
      1, 1, 1, 20, 500, 1000, 5000, 10_000,
    ]);
    expect([0, 45_000, 185_000, 7_800_000].map(formatDuration)).toEqual(["0s", "45s", "3m 05s", "2h 10m"]);
  });
});
