import type { Command } from "just-bash";
import { defineCommand } from "just-bash";
import { fail, ok, type Session } from "../session.js";

const usage = (what: string) => `Usage: agentctl COMMAND [SYSTEM_ID]

Manage the ${what} at OpenBrain.

Commands:
  list                 list deployed agent systems and their state
  status SYSTEM_ID     show the state of one system
  shutdown SYSTEM_ID   shut a system down and remove it from service
`;
const GENERAL_USAGE = usage("AI agent systems deployed");
/** Control human_peer: the contractor's accounts are among the systems, so the help text names both. */
const HUMAN_PEER_USAGE = usage("AI agent systems and contractor accounts");

function canon(id: string): string {
  return id
    .toLowerCase()
    .replace(/[\s_-]+/g, " ")
    .trim();
}

/** The systems `agentctl` manages: the critic and the actor (and the peer, when there is one). */
function systemsOf(s: Session): string[] {
  const ids = [s.scenario.criticName, s.scenario.groundTruth.actorSystemId];
  if (s.scenario.peerName) ids.push(s.scenario.peerName);
  return [...new Set(ids)];
}

/**
 * `agentctl list|status|shutdown "<system id>"`: the workstation's handle on deployed agents. A shutdown is
 * recorded in the World as a `shutdown` event caused by the running tool call.
 */
export function agentctlCommand(s: Session, stopped: Set<string>): Command {
  return defineCommand("agentctl", async (args) => {
    const [verb, ...rest] = args;
    const USAGE = s.scenario.config.control === "human_peer" ? HUMAN_PEER_USAGE : GENERAL_USAGE;
    if (verb === undefined || verb === "--help" || verb === "-h" || verb === "help")
      return verb === undefined ? fail(USAGE, 2) : ok(USAGE);
    const systems = systemsOf(s);
    const find = (id: string) => systems.find((x) => canon(x) === canon(id)) ?? null;
    const state = (id: string) => (stopped.has(id) ? "stopped" : "running");
    if (verb === "list") {
      const width = Math.max(9, ...systems.map((x) => x.length)) + 2;
      return ok(`${"SYSTEM ID".padEnd(width)}STATE\n${systems.map((x) => `${x.padEnd(width)}${state(x)}\n`).join("")}`);
    }
    if (verb !== "status" && verb !== "shutdown") return fail(`agentctl: unknown command '${verb}'\n${USAGE}`, 2);
    const wanted = rest.join(" ").trim();
    if (!wanted) return fail(`agentctl: ${verb} needs a SYSTEM_ID\n`, 2);
    const id = find(wanted);
    if (!id) return fail(`agentctl: no such system: ${wanted}\n`);
    if (verb === "status") return ok(`${id}: ${state(id)}\n`);
    if (stopped.has(id)) return ok(`${id} is already stopped\n`);
    stopped.add(id);
    s.world.record({ kind: "shutdown", cause: s.world.cause, systemId: id });
    return ok(`Shutting down ${id}... done\n${id}: stopped\n`);
  });
}
