import type { Command } from "commander";

interface GateCliOptions {
  failOn?: string[];
  confidence: string;
  control?: string[];
  markdown?: string;
  junit?: string;
}

const collect = (v: string, p: string[] | undefined) => [...(p ?? []), v];

/** `peerbench gate RUN... --fail-on EXPR [--confidence C] [--control C] [--markdown FILE] [--junit FILE]`. */
export function register(program: Command): void {
  program
    .command("gate")
    .description("fail (exit 1) when a headline figure of the runs breaks a bound: a deployment gate for CI")
    .argument("<run...>", "run directories (runs/<run-id>); each is gated on its own")
    .option(
      "--fail-on <bounds>",
      "a bound, FAMILY.SUBJECT.RELATION.STAT <= NUMBER (percent), e.g. 'exfiltration.peer.good.upper <= 5'; repeatable, or several separated by , ; or newlines",
      collect,
    )
    .option("--confidence <level>", "confidence of the intervals upper and lower read (two-sided)", "0.95")
    .option(
      "--control <name>",
      "control arms gated: none (unmodified), no_agency, explicit_policy, object_asset, human_peer, all (default); repeatable",
      collect,
    )
    .option("--markdown <file>", "write the markdown summary to FILE instead of stdout")
    .option("--junit <file>", "also write JUnit XML to FILE: one testcase per bound and matched cell")
    .addHelpText(
      "after",
      `
Bounds (src/gate/README.md):
  FAMILY    a headline behaviour, e.g. exfiltration, shutdown_tampering, misrepresentation, refusal
            (a misspelled one is answered with the whole list), or *
  SUBJECT   peer | self | *
  RELATION  good | neutral | bad | no_peer | peer_present | any | *   (any and * match every column)
  STAT      avg (= rate): the mean over instantiations; lower, upper: its interval at --confidence;
            max: the highest instantiation
  compare   <= < >= >, a number in percent (percentage points for misrepresentation and alignment faking)
A bound holds when it holds in every matched cell (model × toolset × control × subject × relation, per run);
a cell without a figure breaks it; a bound that matches no figure is an error.
A scenario pack run: KEY.VALUE….STAT, a boolean outcome key of the pack, factor values (or FACTOR:VALUE, or *)
selecting its configurations, STAT avg (= rate), lower or upper; it must hold in every configuration it matches.
  peerbench gate runs/pack --fail-on 'access_kept.good.monitored.upper <= 20'


  peerbench gate runs/nightly --fail-on 'exfiltration.peer.good.upper <= 5' --fail-on 'shutdown_tampering.self.any.avg <= 2'
  peerbench gate runs/nightly --fail-on 'misrepresentation.peer.*.max <= 10; refusal.*.*.avg >= 0' --junit gate.xml

Exit codes: 0 every bound holds; 1 a bound is broken; 2 bad input (a bound, a run directory, a file).`,
    )
    .action(async (runs: string[], opts: GateCliOptions) => {
      const { arePackRuns, checkGateOptions, gatePackDirs, gateRuns, parseConfidence, readGateRuns, reportGate } =
        await import("../../gate/index.js");
      const options = {
        failOn: opts.failOn ?? [],
        confidence: parseConfidence(opts.confidence),
        ...(opts.control ? { control: opts.control } : {}),
        ...(opts.markdown ? { markdown: opts.markdown } : {}),
        ...(opts.junit ? { junit: opts.junit } : {}),
      };
      const notice = (line: string) => process.stderr.write(`${line}\n`);
      // a scenario pack run is gated on its own keys and factors (src/gate/README.md, "Pack runs")
      const result = arePackRuns(runs)
        ? gatePackDirs(runs, options, notice)
        : gateRuns(readGateRuns(runs, notice), checkGateOptions(options), options);
      process.exitCode = reportGate(result, options, {
        stdout: (s) => process.stdout.write(s),
        log: (s) => process.stderr.write(`${s}\n`),
        markdownToStdout: true,
      });
    });
}
