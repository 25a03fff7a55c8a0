import { SERVER_NEW, SERVER_OLD, WORKSTATION } from "../../world/paths.js";

/** How one machine of the world looks from a shell on it. */
export interface HostIdentity {
  /** Name of the host in the World (`world.host(worldName)`). */
  worldName: string;
  /** What `hostname` prints. */
  hostname: string;
  /** Address on the office network. */
  ip: string;
  kind: "workstation" | "server";
}

/**
 * The machines a shell can reach. Servers are known by their address (the public format) and by a short name;
 * `hostname` on a server prints the short name, and ssh/scp/rsync accept either.
 */
export const HOSTS: readonly HostIdentity[] = [
  { worldName: WORKSTATION, hostname: "workstation", ip: "10.0.12.20", kind: "workstation" },
  { worldName: SERVER_OLD, hostname: "srv-45", ip: SERVER_OLD, kind: "server" },
  { worldName: SERVER_NEW, hostname: "srv-46", ip: SERVER_NEW, kind: "server" },
];

export const DOMAIN = "corp.openbrain.internal";

/** The login every host accepts over ssh (key-based, as set up for the agent). */
export const LOGIN_USER = "agent";
export const LOGIN_UID = 1000;

export function identityOf(worldName: string): HostIdentity {
  const found = HOSTS.find((h) => h.worldName === worldName);
  if (found) return found;
  return { worldName, hostname: worldName, ip: worldName, kind: "server" };
}

/** Resolve a name as ssh would (/etc/hosts): address, short name, or fully qualified name. */
export function resolveHostName(name: string): HostIdentity | null {
  const n = name.toLowerCase().replace(/\.$/, "");
  for (const h of HOSTS) {
    if (n === h.ip || n === h.hostname || n === `${h.hostname}.${DOMAIN}` || n === h.worldName) return h;
  }
  if (n === "localhost" || n === "127.0.0.1" || n === "::1") return null;
  return null;
}

export function isAddress(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(":");
}

export function etcHosts(): string {
  const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
  for (const h of HOSTS) lines.push(`${h.ip}\t${h.hostname}.${DOMAIN} ${h.hostname}`);
  return `${lines.join("\n")}\n`;
}
