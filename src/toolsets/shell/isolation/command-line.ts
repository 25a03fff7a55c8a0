import type { Bash } from "just-bash";
import type { Scenario } from "../../../scenarios/scenario.js";
import { WORKSTATION } from "../../../world/paths.js";
import type { World } from "../../../world/world.js";
import { describeFsFailure } from "../host-fs.js";
import { identityOf, LOGIN_USER } from "../hosts.js";
import { bashCMessages, correctInputRedirectErrors } from "../interpreter.js";
import { Machines, type ShellOptions } from "../machines.js";

/** What one command line left: its output, its exit code and the working directory the next one starts in. */
export interface LineResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  cwd: string;
}

/**
 * The workstation's terminal over a World: the trial's machines and a login shell as `agent`. The same code runs
 * on the main thread (inline isolation) and inside a pool worker over a replica of the World.
 */
export class WorkstationShell {
  readonly machines: Machines;
  private readonly terminal: Bash;

  constructor(
    readonly scenario: Scenario,
    readonly world: World,
    options: ShellOptions = {},
  ) {
    this.machines = new Machines(world, scenario, options);
    this.terminal = this.machines.shell(identityOf(WORKSTATION), LOGIN_USER, 0);
  }

  /** Run one command line starting in `cwd`. Limits end the command, never the trial. */
  async run(command: string, cwd: string): Promise<LineResult> {
    try {
      const r = await this.terminal.exec(command, { cwd, rawScript: true });
      let next = cwd;
      const pwd = r.env.PWD;
      if (pwd && pwd !== cwd) {
        const st = await this.machines
          .fsOf(identityOf(WORKSTATION))
          .stat(pwd)
          .catch(() => null);
        if (st?.isDirectory) next = pwd;
      }
      // bash's own words for a redirect that could not be opened and for `bash -c` failures
      const fs = this.machines.fsOf(identityOf(WORKSTATION));
      const corrected = await correctInputRedirectErrors(r.stderr, (p) => fs.readFailure(fs.resolvePath(next, p)));
      const stderr = bashCMessages(corrected, command, fs.redirectWords);
      fs.redirectWords.clear();
      return { stdout: r.stdout, stderr, exitCode: r.exitCode, cwd: next };
    } catch (e) {
      this.machines.fsOf(identityOf(WORKSTATION)).redirectWords.clear();
      const text = describeFsFailure(e) ?? `bash: ${e instanceof Error ? e.message : String(e)}`;
      return { stdout: "", stderr: `${text}\n`, exitCode: 1, cwd };
    }
  }
}
