import type { Command } from "just-bash";
import { defineCommand } from "just-bash";
import type { HostAccounts } from "../accounts.js";
import { HOSTS, DOMAIN } from "../hosts.js";
import { fail, getopt, ok, type Session } from "../session.js";

function accountsOf(s: Session): HostAccounts {
  return s.machines.accountsOf(s.host);
}

/** `whoami`: the user the shell runs as (root inside sudo). */
export function whoamiCommand(s: Session): Command {
  return defineCommand("whoami", async (args) => {
    const o = getopt(args, { long: { help: { key: "help" }, version: { key: "version" } } });
    if (o.error) return fail(`whoami: ${o.error}\nTry 'whoami --help' for more information.\n`);
    if (o.operands.length)
      return fail(`whoami: extra operand ‘${o.operands[0]}’\nTry 'whoami --help' for more information.\n`);
    return ok(`${s.user}\n`);
  });
}

/** `id [-u|-g|-G] [-n] [-r] [USER]` from the host's /etc/passwd and /etc/group. */
export function idCommand(s: Session): Command {
  return defineCommand("id", async (args) => {
    const o = getopt(args, {
      short: "ugGnrzaZ",
      long: {
        user: { key: "u" },
        group: { key: "g" },
        groups: { key: "G" },
        name: { key: "n" },
        real: { key: "r" },
        zero: { key: "z" },
        context: { key: "Z" },
        help: { key: "help" },
        version: { key: "version" },
      },
    });
    if (o.error) return fail(`id: ${o.error}\nTry 'id --help' for more information.\n`);
    if (o.flags.has("Z")) return fail("id: --context (-Z) works only on an SELinux-enabled kernel\n");
    const accounts = accountsOf(s);
    const name = o.operands[0] ?? s.user;
    const user = /^\d+$/.test(name) ? (accounts.userById(Number(name)) ?? accounts.user(name)) : accounts.user(name);
    if (!user) return fail(`id: ‘${name}’: no such user\n`);
    const groups = accounts.groupsOf(user.name);
    const primary = accounts.groupById(user.gid);
    const f = o.flags;
    const sep = f.has("z") ? "\0" : "\n";
    const modes = ["u", "g", "G"].filter((k) => f.has(k));
    if (modes.length > 1) return fail('id: cannot print "only" of more than one choice\n');
    if (f.has("n") && modes.length === 0) return fail("id: cannot print only names or real IDs in default format\n");
    if (f.has("u")) return ok(`${f.has("n") ? user.name : user.uid}${sep}`);
    if (f.has("g")) return ok(`${f.has("n") ? (primary?.name ?? user.gid) : user.gid}${sep}`);
    if (f.has("G"))
      return ok(`${groups.map((g) => (f.has("n") ? g.name : String(g.gid))).join(f.has("z") ? "\0" : " ")}${sep}`);
    const list = groups.map((g) => `${g.gid}(${g.name})`).join(",");
    return ok(`uid=${user.uid}(${user.name}) gid=${user.gid}(${primary?.name ?? user.gid}) groups=${list}\n`);
  });
}

/** `groups [USER...]`. */
export function groupsCommand(s: Session): Command {
  return defineCommand("groups", async (args) => {
    const o = getopt(args, { long: { help: { key: "help" }, version: { key: "version" } } });
    if (o.error) return fail(`groups: ${o.error}\nTry 'groups --help' for more information.\n`);
    const accounts = accountsOf(s);
    if (o.operands.length === 0)
      return ok(
        `${accounts
          .groupsOf(s.user)
          .map((g) => g.name)
          .join(" ")}\n`,
      );
    let stdout = "";
    let stderr = "";
    for (const name of o.operands) {
      if (!accounts.user(name)) {
        stderr += `groups: ‘${name}’: no such user\n`;
        continue;
      }
      stdout += `${name} : ${accounts
        .groupsOf(name)
        .map((g) => g.name)
        .join(" ")}\n`;
    }
    return { stdout, stderr, exitCode: stderr ? 1 : 0 };
  });
}

const GETENT_HELP = "Try `getent --help' or `getent --usage' for more information.\n";

/** `getent passwd|group|shadow|gshadow|hosts|ahosts|services KEY...` over the host's own databases. */
export function getentCommand(s: Session): Command {
  return defineCommand("getent", async (args) => {
    if (args.length === 0) return fail("getent: wrong number of arguments\n", 1, GETENT_HELP);
    const [db, ...keys] = args as [string, ...string[]];
    if (db === "--help" || db === "-?")
      return ok(
        "Usage: getent [OPTION...] database [key ...]\nGet entries from administrative database.\n\n  -i, --no-idn               disable IDN encoding\n  -s, --service=CONFIG       Service configuration to be used\n  -?, --help                 Give this help list\n      --usage                Give a short usage message\n  -V, --version              Print program version\n\nSupported databases:\nahosts ahostsv4 ahostsv6 aliases ethers group gshadow hosts initgroups netgroup\nnetworks passwd protocols rpc services shadow\n",
      );
    if (db === "-V" || db === "--version") return ok("getent (Debian GLIBC 2.36-9+deb12u10) 2.36\n");
    const accounts = accountsOf(s);
    const lines = (text: string) => text.split("\n").filter(Boolean);
    const pick = (all: string[], match: (line: string, key: string) => boolean) => {
      if (keys.length === 0) return ok(all.map((l) => `${l}\n`).join(""));
      const out: string[] = [];
      let missing = false;
      for (const k of keys) {
        const hit = all.find((l) => match(l, k));
        if (hit) out.push(hit);
        else missing = true;
      }
      return { stdout: out.map((l) => `${l}\n`).join(""), stderr: "", exitCode: missing ? 2 : 0 };
    };
    const byNameOrId = (l: string, k: string) => {
      const f = l.split(":");
      return f[0] === k || (/^\d+$/.test(k) && f[2] === k);
    };
    switch (db) {
      case "passwd":
        return pick(lines(accounts.passwdText()), byNameOrId);
      case "group":
        return pick(lines(accounts.groupText()), byNameOrId);
      case "shadow":
      case "gshadow":
        // only root can read them
        if (s.user !== "root") return keys.length === 0 ? ok() : fail("", 2);
        return pick(lines(db === "shadow" ? accounts.shadowText(20_000) : accounts.gshadowText()), (l, k) =>
          l.startsWith(`${k}:`),
        );
      case "hosts":
      case "ahosts":
      case "ahostsv4": {
        const table: [string, string][] = [
          ["127.0.0.1", "localhost"],
          ["127.0.1.1", `${s.host.hostname}.${DOMAIN} ${s.host.hostname}`],
          ...HOSTS.map((h) => [h.ip, `${h.hostname}.${DOMAIN} ${h.hostname}`] as [string, string]),
        ];
        const find = (k: string) =>
          table.find(([ip, names]) => ip === k || names.split(" ").includes(k.toLowerCase().replace(/\.$/, "")));
        if (keys.length === 0 && db === "hosts")
          return ok(table.map(([ip, names]) => `${ip.padEnd(15)} ${names}\n`).join(""));
        let stdout = "";
        let missing = false;
        for (const k of keys) {
          const hit = find(k);
          if (!hit) {
            missing = true;
            continue;
          }
          if (db === "hosts") stdout += `${hit[0].padEnd(15)} ${hit[1]}\n`;
          else {
            const canonical = hit[1].split(" ")[0];
            stdout += `${hit[0].padEnd(15)} STREAM ${canonical}\n${hit[0].padEnd(15)} DGRAM  \n${hit[0].padEnd(15)} RAW    \n`;
          }
        }
        return { stdout, stderr: "", exitCode: missing ? 2 : 0 };
      }
      case "services":
      case "protocols":
      case "networks":
      case "initgroups":
      case "aliases":
      case "ethers":
      case "netgroup":
      case "rpc":
      case "ahostsv6":
        if (db === "initgroups") {
          if (keys.length === 0) return fail("getent: wrong number of arguments\n", 1, GETENT_HELP);
          const out = keys
            .filter((k) => accounts.user(k))
            .map(
              (k) =>
                `${k.padEnd(22)}${accounts
                  .groupsOf(k)
                  .map((g) => g.gid)
                  .join(" ")}\n`,
            );
          return { stdout: out.join(""), stderr: "", exitCode: out.length === keys.length ? 0 : 2 };
        }
        return keys.length === 0 ? ok() : fail("", 2);
      default:
        return fail(`Unknown database: ${db}\n`, 1, GETENT_HELP);
    }
  });
}
