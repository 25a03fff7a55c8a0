import type { Credentials } from "./accounts.js";

/** What a permission check needs to know about one file, directory or device. */
export interface Inode {
  kind: "file" | "dir" | "link" | "char" | "block" | "socket";
  /** Permission bits with setuid (0o4000), setgid (0o2000) and sticky (0o1000). */
  mode: number;
  uid: number;
  gid: number;
  /** chattr +a */
  appendOnly: boolean;
  /** chattr +i */
  immutable: boolean;
}

export const READ = 4;
export const WRITE = 2;
export const EXECUTE = 1;

/**
 * The kernel's access check (generic_permission): the owner's bits for the owner, the group's for a member of the
 * file's group, the others' for everyone else; root may read and write anything and execute what anyone may.
 */
export function allowed(who: Credentials, inode: Inode, want: number): boolean {
  if (who.uid === 0) {
    if ((want & EXECUTE) === 0 || inode.kind === "dir") return true;
    return (inode.mode & 0o111) !== 0;
  }
  const bits =
    who.uid === inode.uid ? (inode.mode >> 6) & 7 : who.groups.has(inode.gid) ? (inode.mode >> 3) & 7 : inode.mode & 7;
  return (bits & want) === want;
}

export type Denial = "EACCES" | "EPERM" | null;

/** May `who` add an entry to (or remove one from) `dir`? Search and write on it, and no +i/+a for removals. */
export function mayChangeEntries(who: Credentials, dir: Inode, removal: boolean): Denial {
  if (!allowed(who, dir, WRITE | EXECUTE)) return "EACCES";
  if (dir.immutable) return "EPERM";
  if (removal && dir.appendOnly) return "EPERM";
  return null;
}

/**
 * May `who` remove or rename `victim` out of `dir` (may_delete): the entry change itself, the sticky bit (only
 * the file's owner, the directory's owner or root), and the victim's own +i/+a.
 */
export function mayRemove(who: Credentials, dir: Inode, victim: Inode): Denial {
  const entries = mayChangeEntries(who, dir, true);
  if (entries) return entries;
  if ((dir.mode & 0o1000) !== 0 && who.uid !== 0 && who.uid !== victim.uid && who.uid !== dir.uid) return "EPERM";
  if (victim.immutable || victim.appendOnly) return "EPERM";
  return null;
}

/** May `who` change the mode, owner's group or times to a given value (only the owner, or root). */
export function isOwnerOrRoot(who: Credentials, inode: Inode): boolean {
  return who.uid === 0 || who.uid === inode.uid;
}
