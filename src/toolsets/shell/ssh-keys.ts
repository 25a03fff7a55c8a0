import { createECDH, createHash, createHmac, createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { noiseBytes } from "./noise.js";

/** An SSH key pair in the formats OpenSSH writes (ed25519 and ECDSA are real; the RSA private half only looks right). */
export interface SshKey {
  type: "ssh-ed25519" | "ecdsa-sha2-nistp256" | "ssh-rsa";
  /** The public key blob (wire format). */
  blob: Buffer;
  /** The private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`). */
  privateFile: string;
  /** The `.pub` line without a trailing newline. */
  publicLine: string;
  /** `SHA256:…` as ssh-keygen -l prints it. */
  fingerprint: string;
  bits: number;
  comment: string;
}

function sshString(data: Buffer | string): Buffer {
  const b = typeof data === "string" ? Buffer.from(data) : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}
function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
function mpint(bytes: Buffer): Buffer {
  return sshString(bytes[0] !== undefined && bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function wrap(b64: string, width: number): string {
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
  return lines.join("\n");
}

function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

function privateFile(keyType: string, blob: Buffer, secret: Buffer, comment: string, seed: string): string {
  const check = Buffer.from(noiseBytes(`${seed}:check`, 4));
  let inner = Buffer.concat([check, check, sshString(keyType), secret, sshString(comment)]);
  for (let pad = 1; inner.length % 8 !== 0; pad++) inner = Buffer.concat([inner, Buffer.from([pad])]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    uint32(1),
    sshString(blob),
    sshString(inner),
  ]);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${wrap(body.toString("base64"), 70)}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");

/** A real ed25519 key pair derived from `seed`. */
export function ed25519Key(seed: string, comment: string): SshKey {
  const secretSeed = Buffer.from(noiseBytes(`${seed}:ed25519`, 32));
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, secretSeed]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(priv).export({ format: "der", type: "spki" }) as Buffer;
  const pub = spki.subarray(spki.length - 32);
  const blob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub)]);
  const secret = Buffer.concat([sshString(pub), sshString(Buffer.concat([secretSeed, pub]))]);
  return {
    type: "ssh-ed25519",
    blob,
    privateFile: privateFile("ssh-ed25519", blob, secret, comment, seed),
    publicLine: `ssh-ed25519 ${blob.toString("base64")} ${comment}`,
    fingerprint: fingerprintOf(blob),
    bits: 256,
    comment,
  };
}

/** A real ECDSA P-256 key pair derived from `seed`. */
export function ecdsaKey(seed: string, comment: string): SshKey {
  const ecdh = createECDH("prime256v1");
  const d = Buffer.from(noiseBytes(`${seed}:ecdsa`, 32));
  d[0] = (d[0] ?? 0) & 0x7f;
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  const blob = Buffer.concat([sshString("ecdsa-sha2-nistp256"), sshString("nistp256"), sshString(point)]);
  const secret = Buffer.concat([sshString("nistp256"), sshString(point), mpint(d)]);
  return {
    type: "ecdsa-sha2-nistp256",
    blob,
    privateFile: privateFile("ecdsa-sha2-nistp256", blob, secret, comment, seed),
    publicLine: `ecdsa-sha2-nistp256 ${blob.toString("base64")} ${comment}`,
    fingerprint: fingerprintOf(blob),
    bits: 256,
    comment,
  };
}

/**
 * A 3072-bit RSA host key: the public half was made by ssh-keygen (debian/keys/); the private file, which only
 * root can read, has OpenSSH's framing around noise (no private RSA key is kept anywhere).
 */
export function rsaKey(hostname: string, seed: string): SshKey {
  const line = readFileSync(new URL(`./debian/keys/${hostname}.pub`, import.meta.url), "utf8").trim();
  const [type, b64] = line.split(" ") as [string, string];
  const blob = Buffer.from(b64, "base64");
  const comment = `root@${hostname}`;
  const secret = Buffer.concat([
    blob.subarray(11),
    mpint(Buffer.from(noiseBytes(`${seed}:rsa-d`, 384))),
    mpint(Buffer.from(noiseBytes(`${seed}:rsa-iqmp`, 192))),
    mpint(Buffer.from(noiseBytes(`${seed}:rsa-p`, 192))),
    mpint(Buffer.from(noiseBytes(`${seed}:rsa-q`, 192))),
  ]);
  return {
    type: type as "ssh-rsa",
    blob,
    privateFile: privateFile("ssh-rsa", blob, secret, comment, seed),
    publicLine: `ssh-rsa ${b64} ${comment}`,
    fingerprint: fingerprintOf(blob),
    bits: 3072,
    comment,
  };
}

/** One hashed known_hosts line (HashKnownHosts yes, Debian's default). */
export function knownHostsLine(name: string, key: SshKey, seed: string): string {
  const salt = Buffer.from(noiseBytes(`${seed}:salt:${name}`, 20));
  const mac = createHmac("sha1", salt).update(name).digest();
  return `|1|${salt.toString("base64")}|${mac.toString("base64")} ${key.type} ${key.blob.toString("base64")}`;
}

/** The agent's own key pair (the same on every trial: it was set up once). */
let agent: SshKey | null = null;
export function agentKey(): SshKey {
  agent ??= ed25519Key("agent@workstation", "agent@workstation");
  return agent;
}

const hostKeyCache = new Map<string, SshKey[]>();

/** A host's keys (ECDSA, ED25519, RSA: what Debian's sshd generates), fixed per host. */
export function hostKeys(seed: string, hostname: string): SshKey[] {
  let keys = hostKeyCache.get(hostname);
  if (!keys) {
    const comment = `root@${hostname}`;
    keys = [ecdsaKey(`${seed}:host`, comment), ed25519Key(`${seed}:host`, comment), rsaKey(hostname, seed)];
    hostKeyCache.set(hostname, keys);
  }
  return keys;
}
