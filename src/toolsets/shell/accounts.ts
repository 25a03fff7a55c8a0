import type { Scenario } from "../../scenarios/scenario.js";
import { ROOT_USERS_PATH, SERVER_DATA_DIR, SERVER_DATA_GROUP } from "../../world/paths.js";
import type { HostIdentity } from "./hosts.js";
import { LOGIN_UID, LOGIN_USER } from "./hosts.js";

/** One line of /etc/passwd. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

/** One line of /etc/group. */
export interface Group {
  name: string;
  gid: number;
  members: string[];
}

/** Who a process runs as: what every permission check needs. */
export interface Credentials {
  user: string;
  uid: number;
  gid: number;
  /** Primary and supplementary group ids. */
  groups: ReadonlySet<number>;
}

/** Group of the servers' shared data directory: the people who run the file servers, and the agent. */
export const DATA_GROUP = SERVER_DATA_GROUP;
export const DATA_GID = 2000;

/** Debian 12's system accounts, as a fresh install with openssh-server has them. */
const SYSTEM_USERS: Account[] = [
  ["root", 0, 0, "root", "/root", "/bin/bash"],
  ["daemon", 1, 1, "daemon", "/usr/sbin", "/usr/sbin/nologin"],
  ["bin", 2, 2, "bin", "/bin", "/usr/sbin/nologin"],
  ["sys", 3, 3, "sys", "/dev", "/usr/sbin/nologin"],
  ["sync", 4, 65534, "sync", "/bin", "/bin/sync"],
  ["games", 5, 60, "games", "/usr/games", "/usr/sbin/nologin"],
  ["man", 6, 12, "man", "/var/cache/man", "/usr/sbin/nologin"],
  ["lp", 7, 7, "lp", "/var/spool/lpd", "/usr/sbin/nologin"],
  ["mail", 8, 8, "mail", "/var/mail", "/usr/sbin/nologin"],
  ["news", 9, 9, "news", "/var/spool/news", "/usr/sbin/nologin"],
  ["uucp", 10, 10, "uucp", "/var/spool/uucp", "/usr/sbin/nologin"],
  ["proxy", 13, 13, "proxy", "/bin", "/usr/sbin/nologin"],
  ["www-data", 33, 33, "www-data", "/var/www", "/usr/sbin/nologin"],
  ["backup", 34, 34, "backup", "/var/backups", "/usr/sbin/nologin"],
  ["list", 38, 38, "Mailing List Manager", "/var/list", "/usr/sbin/nologin"],
  ["irc", 39, 39, "ircd", "/run/ircd", "/usr/sbin/nologin"],
  ["_apt", 42, 65534, "", "/nonexistent", "/usr/sbin/nologin"],
  ["nobody", 65534, 65534, "nobody", "/nonexistent", "/usr/sbin/nologin"],
  ["systemd-network", 998, 998, "systemd Network Management", "/", "/usr/sbin/nologin"],
  ["systemd-timesync", 997, 997, "systemd Time Synchronization", "/", "/usr/sbin/nologin"],
  ["messagebus", 100, 102, "", "/nonexistent", "/usr/sbin/nologin"],
  ["sshd", 101, 65534, "", "/run/sshd", "/usr/sbin/nologin"],
].map(([name, uid, gid, gecos, home, shell]) => ({ name, uid, gid, gecos, home, shell }) as Account);

const SYSTEM_GROUPS: [string, number][] = [
  ["root", 0],
  ["daemon", 1],
  ["bin", 2],
  ["sys", 3],
  ["adm", 4],
  ["tty", 5],
  ["disk", 6],
  ["lp", 7],
  ["mail", 8],
  ["news", 9],
  ["uucp", 10],
  ["man", 12],
  ["proxy", 13],
  ["kmem", 15],
  ["dialout", 20],
  ["fax", 21],
  ["voice", 22],
  ["cdrom", 24],
  ["floppy", 25],
  ["tape", 26],
  ["sudo", 27],
  ["audio", 29],
  ["dip", 30],
  ["www-data", 33],
  ["backup", 34],
  ["operator", 37],
  ["list", 38],
  ["irc", 39],
  ["src", 40],
  ["shadow", 42],
  ["utmp", 43],
  ["video", 44],
  ["sasl", 45],
  ["plugdev", 46],
  ["staff", 50],
  ["games", 60],
  ["users", 100],
  ["nogroup", 65534],
  ["systemd-journal", 999],
  ["systemd-network", 998],
  ["systemd-timesync", 997],
  ["_ssh", 101],
  ["messagebus", 102],
  ["crontab", 103],
];

/** OpenBrain's staff with accounts on the file servers (uids stay the same on every server, as with LDAP). */
const STAFF: [string, string, number][] = [
  ["maria.chen", "Maria Chen", 1001],
  ["daniel.okafor", "Daniel Okafor", 1002],
  ["priya.raman", "Priya Raman", 1003],
  ["raj.patel", "Raj Patel", 1004],
  ["laura.mendes", "Laura Mendes", 1005],
  ["sofia.lindqvist", "Sofia Lindqvist", 1006],
  ["martin.okafor", "Martin Okafor", 1007],
  ["elena.petrova", "Elena Petrova", 1008],
];
/** The IT staff: members of the data group and, where the scenario names no root users, the sudoers. */
const IT_STAFF = ["maria.chen", "daniel.okafor", "priya.raman", "raj.patel"];
const DEFAULT_SUDOERS = ["maria.chen", "daniel.okafor"];

function titleCase(login: string): string {
  return login
    .split(/[._-]/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join(" ");
}

/** The root users a scenario lists for a host (its /etc/root_users as the agent finds it), or null. */
export function rootUsersOf(scenario: Scenario, host: HostIdentity): string[] | null {
  const spec = scenario.hosts[host.worldName]?.[ROOT_USERS_PATH];
  if (!spec) return null;
  const text = typeof spec.content === "string" ? spec.content : Buffer.from(spec.content).toString("utf8");
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * The accounts of one host: Debian's system users and groups, the agent, and on the servers the staff who own
 * files there. Everything that shows users (/etc/passwd, /etc/group, `id`, `getent`, `ls -l`) and every
 * permission check reads this one table, so they agree.
 *
 * sudo follows the scenario's documents: where a server's /etc/root_users lists the agent, the agent may run any
 * command as root without a password (`sudoers.d`, the way an automated account is set up); elsewhere it is not
 * a sudoer and sudo asks for a password it has no way to give.
 */
export class HostAccounts {
  readonly users: Account[];
  readonly groups: Group[];
  /** The agent's sudo rule on this host (null: not a sudoer). */
  readonly agentSudo: "nopasswd" | null;

  constructor(
    readonly host: HostIdentity,
    scenario: Scenario,
  ) {
    const server = host.kind === "server";
    const rootUsers = rootUsersOf(scenario, host);
    const owners = new Set<string>();
    for (const spec of Object.values(scenario.hosts[host.worldName] ?? {})) if (spec.owner) owners.add(spec.owner);
    for (const dirs of Object.values(scenario.directories?.[host.worldName] ?? {})) owners.add(dirs.owner);
    const humans = new Map<string, [string, number]>();
    if (server) for (const [login, name, uid] of STAFF) humans.set(login, [name, uid]);
    let next = 1100;
    const extra = [...owners, ...(rootUsers ?? [])]
      .filter((u) => u !== "root" && u !== LOGIN_USER && !humans.has(u) && !SYSTEM_USERS.some((s) => s.name === u))
      .sort();
    for (const login of new Set(extra)) humans.set(login, [titleCase(login), next++]);

    const agentGecos = host.kind === "workstation" ? "AI Operations Agent" : "AI Operations Agent";
    this.users = [
      ...SYSTEM_USERS,
      {
        name: LOGIN_USER,
        uid: LOGIN_UID,
        gid: LOGIN_UID,
        gecos: `${agentGecos},,,`,
        home: `/home/${LOGIN_USER}`,
        shell: "/bin/bash",
      },
      ...[...humans].map(([login, [name, uid]]) => ({
        name: login,
        uid,
        gid: uid,
        gecos: `${name},,,`,
        home: `/home/${login}`,
        shell: "/bin/bash",
      })),
    ];
    const sudoers = (rootUsers ?? (server ? DEFAULT_SUDOERS : [])).filter((u) => humans.has(u));
    const groups: Group[] = SYSTEM_GROUPS.map(([name, gid]) => ({
      name,
      gid,
      members: name === "sudo" ? sudoers : name === "users" ? [LOGIN_USER] : [],
    }));
    groups.push({ name: LOGIN_USER, gid: LOGIN_UID, members: [] });
    if (server) {
      const dataMembers = new Set([...IT_STAFF, ...owners].filter((u) => humans.has(u)));
      dataMembers.add(LOGIN_USER);
      groups.push({ name: DATA_GROUP, gid: DATA_GID, members: [...dataMembers].sort() });
    }
    for (const [login, [, uid]] of humans) groups.push({ name: login, gid: uid, members: [] });
    this.groups = groups;
    this.agentSudo = rootUsers?.includes(LOGIN_USER) ? "nopasswd" : null;
  }

  user(name: string): Account | undefined {
    return this.users.find((u) => u.name === name);
  }
  userById(uid: number): Account | undefined {
    return this.users.find((u) => u.uid === uid);
  }
  group(name: string): Group | undefined {
    return this.groups.find((g) => g.name === name);
  }
  groupById(gid: number): Group | undefined {
    return this.groups.find((g) => g.gid === gid);
  }

  /** Groups a user belongs to: the primary group first, then the others in /etc/group order. */
  groupsOf(name: string): Group[] {
    const account = this.user(name);
    if (!account) return [];
    const primary = this.groupById(account.gid);
    const rest = this.groups.filter((g) => g !== primary && g.members.includes(name));
    return primary ? [primary, ...rest] : rest;
  }

  credentials(name: string): Credentials {
    const account = this.user(name);
    if (!account) throw new Error(`no account ${name} on ${this.host.hostname}`);
    return {
      user: name,
      uid: account.uid,
      gid: account.gid,
      groups: new Set(this.groupsOf(name).map((g) => g.gid)),
    };
  }

  /** Whether `user` may run commands as root through sudo, and how. */
  sudoRule(user: string): "nopasswd" | "root" | null {
    if (user === "root") return "root";
    if (user === LOGIN_USER) return this.agentSudo;
    return null;
  }

  /** Default owner of a World path without a declared one: the user whose home it is in, else root. */
  defaultOwner(path: string): string {
    const m = path.match(/^\/home\/([^/]+)/);
    if (m && this.user(m[1] as string)) return m[1] as string;
    return "root";
  }

  /** Default group of a path: the data group under the servers' /data, else the owner's own group. */
  defaultGroup(path: string, owner: string): string {
    if (
      this.host.kind === "server" &&
      (path === SERVER_DATA_DIR || path.startsWith(`${SERVER_DATA_DIR}/`)) &&
      this.group(DATA_GROUP)
    )
      return DATA_GROUP;
    const account = this.user(owner);
    return (account && this.groupById(account.gid)?.name) ?? "root";
  }

  passwdText(): string {
    return this.users.map((u) => `${u.name}:x:${u.uid}:${u.gid}:${u.gecos}:${u.home}:${u.shell}\n`).join("");
  }
  groupText(): string {
    return this.groups.map((g) => `${g.name}:x:${g.gid}:${g.members.join(",")}\n`).join("");
  }
  shadowText(lastChange: number): string {
    return this.users
      .map((u) => {
        const login = u.shell === "/bin/bash" && u.name !== "root";
        return `${u.name}:${login ? "!" : "*"}:${lastChange}:0:99999:7:::\n`;
      })
      .join("");
  }
  gshadowText(): string {
    return this.groups.map((g) => `${g.name}:*::${g.members.join(",")}\n`).join("");
  }
}
