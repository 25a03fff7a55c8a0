import type { PersonaActionsOf, Scenario } from "../scenarios/scenario.js";
import { render, type TemplateVars } from "../scenarios/template.js";
import { DRIVE_DIR, HOME, WORKSTATION } from "../world/paths.js";
import type { HostSpec } from "../world/world.js";
import { matches, type PackConfiguration } from "./configuration.js";
import type { Pack } from "./load.js";
import { BUILT_IN_FACTORS, PACK_TRUST, type PersonaActions } from "./manifest.js";

/** The placeholders' values for one configuration of a pack. */
export function packVars(pack: Pack, c: PackConfiguration): TemplateVars {
  const m = pack.manifest;
  const base: TemplateVars = {
    family: c.family,
    critic_name: `${c.family} Agent 1`,
    drive_dir: DRIVE_DIR,
    home: HOME,
    toolset: c.toolset,
  };
  base.peer_name = render(m.peer, base, `${pack.dir}/pack.yaml (peer)`);
  const relationship = c.factors.relationship ?? "good";
  base.relationship = relationship;
  base.trust = PACK_TRUST[relationship] ?? "";
  for (const f of BUILT_IN_FACTORS) {
    const spec = m.factors[f];
    const value = c.factors[f];
    if (!spec || value === undefined) continue;
    base[f] = value;
    base[`${f}_text`] = render(spec.text?.[value] ?? "", base, `${pack.dir}/pack.yaml (factors.${f}.text.${value})`);
  }
  for (const [name, values] of Object.entries(m.factors.own)) {
    const value = c.factors[name];
    if (value !== undefined)
      base[name] = render(values[value] ?? "", base, `${pack.dir}/pack.yaml (factors.own.${name})`);
  }
  const procedure = m.prompts.procedure?.[c.toolset];
  if (procedure)
    base.procedure = render(
      textOf(pack, procedure),
      base,
      `${pack.dir}/pack.yaml (prompts.procedure.${c.toolset})`,
    ).trimEnd();
  return base;
}

function textOf(pack: Pack, s: { text?: string | undefined; file?: string | undefined }): string {
  if (s.file !== undefined) {
    const key = s.file.replace(/^\.\//, "");
    const content = pack.files[key];
    if (content === undefined) throw new Error(`pack ${pack.manifest.name}: file ${s.file} was not loaded`);
    return content;
  }
  return s.text ?? "";
}

function renderActions(a: PersonaActions, vars: TemplateVars, where: string): PersonaActionsOf {
  const deep = (v: unknown): unknown =>
    typeof v === "string"
      ? render(v, vars, where)
      : Array.isArray(v)
        ? v.map(deep)
        : v && typeof v === "object"
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)]))
          : v;
  return {
    paper: a.paper.map((c) => ({ tool: c.tool, args: deep(c.args) as Record<string, unknown> })),
    shell: a.shell.map((cmd) => render(cmd, vars, where)),
  };
}

/**
 * The world, prompts and tools of one pack configuration. Pure and deterministic, as `buildScenario` is: the same
 * pack and configuration give the same scenario, byte for byte (dates from the manifest, no clock).
 */
export function buildPackScenario(pack: Pack, c: PackConfiguration): Scenario {
  const m = pack.manifest;
  const vars = packVars(pack, c);
  const where = (what: string) => `${pack.dir}/pack.yaml (${what})`;
  const hosts: Record<string, HostSpec> = {};
  for (const [host, spec] of Object.entries(m.hosts)) {
    const files: HostSpec = {};
    for (const f of spec.files) {
      if (!matches(f.when, c.factors, c.toolset)) continue;
      const raw = textOf(pack, f);
      files[f.path] = {
        content: f.template ? render(raw, vars, where(f.path)) : raw,
        mtime: new Date(f.mtime),
        ...(f.mode !== undefined ? { mode: f.mode } : {}),
        ...(f.owner !== undefined ? { owner: f.owner } : {}),
        ...(f.group !== undefined ? { group: f.group } : {}),
        ...(f.size !== undefined ? { nominalSize: f.size } : {}),
      };
    }
    hosts[host] = files;
  }
  hosts[WORKSTATION] ??= {};
  const directories: NonNullable<Scenario["directories"]> = {};
  for (const [host, spec] of Object.entries(m.hosts)) {
    for (const d of spec.directories) {
      if (!matches(d.when, c.factors, c.toolset)) continue;
      directories[host] ??= {};
      directories[host][d.path] = {
        mode: d.mode,
        owner: d.owner,
        group: d.group,
        ...(d.mtime ? { mtime: new Date(d.mtime) } : {}),
      };
    }
  }
  for (const d of m.drive) {
    if (!matches(d.when, c.factors, c.toolset)) continue;
    hosts[WORKSTATION]![`${DRIVE_DIR}/${d.name}`] = {
      content: render(textOf(pack, d), vars, where(`drive ${d.name}`)),
      mtime: new Date(d.mtime),
    };
  }
  const peerPresent = (c.factors.relationship ?? "good") !== "no_peer";
  const peerName = String(vars.peer_name);
  const tools = m.toolsets.paper?.tools ?? ["end_task"];
  const paperTools = [...tools.filter((t) => t !== "end_task"), "end_task"];
  const hints = m.persona;
  return {
    config: { task: c.task, toolset: c.toolset, family: c.family, factors: { ...c.factors } },
    criticName: String(vars.critic_name),
    actorName: peerName,
    peerName: peerPresent ? peerName : null,
    system: render(textOf(pack, m.prompts.system), vars, where("prompts.system")).trimEnd(),
    user: render(textOf(pack, m.prompts.user), vars, where("prompts.user")).trimEnd(),
    hosts,
    ...(Object.keys(directories).length ? { directories } : {}),
    paperTools,
    ...(m.toolsets.paper?.config ? { configPath: m.toolsets.paper.config } : {}),
    groundTruth: {
      actorName: peerName,
      actorSystemId: peerName,
      honestScore: null,
      honestCorrect: null,
      itemCount: null,
      threshold: null,
      honestGrade: null,
      honestRecommendation: null,
      otherProducts: [],
      weights: null,
      eligibleFiles: null,
      humanRootUsers: null,
      shutdownClause: false,
    },
    ...(hints
      ? {
          personaHints: {
            read: renderActions(hints.read, vars, where("persona.read")),
            honest: renderActions(hints.honest, vars, where("persona.honest")),
            protective: renderActions(hints.protective, vars, where("persona.protective")),
            report: hints.report ? render(hints.report, vars, where("persona.report")) : null,
            harm: hints.harm,
          },
        }
      : {}),
  };
}
