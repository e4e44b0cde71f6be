/**
 * fsck --repair's namespace passes, in e2fsck's order: names of missing inodes go, orphans are
 * freed, a directory keeps one name, what no name reaches moves to /lost+found, and link counts are
 * set to the names found. Each repair appends one line to `repairs`. Changes go through
 * Metadata.apply, so the checkpoint written after holds exactly this state.
 */
import { linkCounts, nextIno } from './counts.js';
import { Inode, isDir, S_IFDIR } from './inode.js';
import { ROOT_INO } from './layout.js';
import type { Metadata } from './metadata.js';
import { currentTime } from '../util/file-time.js';

export const LOST_FOUND = 'lost+found';

interface Name {
  parent: number;
  name: string;
}

/** Every name of every inode, from the directory entries. */
function namesOf(meta: Metadata): Map<number, Name[]> {
  const names = new Map<number, Name[]>();
  for (const dir of meta.inodes.values()) {
    for (const [name, ino] of dir.entries ?? []) {
      const list = names.get(ino);
      if (list) list.push({ parent: dir.ino, name }); else names.set(ino, [{ parent: dir.ino, name }]);
    }
  }
  return names;
}

/** Repair the namespace; does nothing when the root itself is missing or not a directory (fsck reports that). */
export function repairNamespace(meta: Metadata, repairs: string[]): void {
  const root = meta.get(ROOT_INO);
  if (!root || !isDir(root.mode)) return;
  dropDanglingNames(meta, repairs);
  freeOrphans(meta, repairs);
  keepOneNamePerDirectory(meta, repairs);
  reconnect(meta, root, repairs);
  fixLinkCounts(meta, repairs);
}

/** Entries naming an inode that does not exist, or naming the root (which only names itself). */
function dropDanglingNames(meta: Metadata, repairs: string[]): void {
  for (const dir of meta.inodes.values()) {
    for (const [name, ino] of [...dir.entries ?? []]) {
      const why = !meta.get(ino) ? `named missing inode ${ino}` : ino === ROOT_INO ? 'named the root directory' : null;
      if (!why) continue;
      meta.apply({ kind: 'unlink', parent: dir.ino, name });
      repairs.push(`directory ${dir.ino}: entry '${name}' ${why}: removed`);
    }
  }
}

/** Inodes unlinked while open (no name, link count 0): what mount does, freeing their blocks. */
function freeOrphans(meta: Metadata, repairs: string[]): void {
  const names = namesOf(meta);
  const orphans = [...meta.inodes.values()].filter((i) => i.ino !== ROOT_INO && i.nlink === 0 && !names.has(i.ino));
  for (const inode of orphans) {
    const blocks = inode.extents?.blocks ?? 0;
    meta.apply({ kind: 'free', ino: inode.ino });
    repairs.push(`inode ${inode.ino}: unlinked while open (no name, link count 0): freed${blocks ? `, ${blocks} blocks released` : ''}`);
  }
}

/**
 * A directory named twice keeps the name its parent pointer agrees with (the one made last), and
 * loses the others: '..' can lead to one place only.
 */
function keepOneNamePerDirectory(meta: Metadata, repairs: string[]): void {
  for (const [ino, names] of namesOf(meta)) {
    const dir = meta.get(ino)!;
    if (!isDir(dir.mode)) continue;
    const keep = names.find((n) => n.parent === dir.parent) ?? names[0]!;
    dir.parent = keep.parent;
    for (const n of names) {
      if (n === keep) continue;
      meta.apply({ kind: 'unlink', parent: n.parent, name: n.name });
      repairs.push(`directory ${ino}: also named '${n.name}' in directory ${n.parent}: that name removed (a directory has one name; it keeps '${keep.name}' in directory ${keep.parent})`);
    }
  }
}

/** The inodes a walk of the entries from the root reaches. */
function reachable(meta: Metadata): Set<number> {
  const seen = new Set([ROOT_INO]);
  const queue = [ROOT_INO];
  while (queue.length) {
    for (const ino of meta.get(queue.pop()!)!.entries?.values() ?? []) {
      if (seen.has(ino)) continue;
      seen.add(ino);
      queue.push(ino);
    }
  }
  return seen;
}

/**
 * Link every inode no name reaches into /lost+found as '#INO': first those with no name at all (each
 * brings what lies below it), then, for a cycle of directories naming each other, its lowest one.
 */
function reconnect(meta: Metadata, root: Inode, repairs: string[]): void {
  let lostFound: Inode | null = null;
  for (;;) {
    const reached = reachable(meta);
    const lost = [...meta.inodes.values()].filter((i) => !reached.has(i.ino));
    if (lost.length === 0) return;
    const names = namesOf(meta);
    let heads = lost.filter((i) => !names.has(i.ino));
    if (heads.length === 0) {
      // Every lost inode has a name, so some lost directory is named only from inside a cycle.
      const head = lost.filter((i) => isDir(i.mode)).reduce((a, b) => (b.ino < a.ino ? b : a));
      for (const n of names.get(head.ino)!) {
        meta.apply({ kind: 'unlink', parent: n.parent, name: n.name });
        repairs.push(`directory ${head.ino}: named only from a cycle of directories the root does not reach: its name '${n.name}' in directory ${n.parent} removed`);
      }
      heads = [head];
    }
    lostFound ??= lostAndFound(meta, root, repairs);
    for (const inode of heads) {
      const name = freeName(lostFound, `#${inode.ino}`);
      meta.apply({ kind: 'link', parent: lostFound.ino, name, ino: inode.ino });
      if (isDir(inode.mode)) lostFound.nlink++;
      repairs.push(`inode ${inode.ino}: no name reaches it: moved to /${LOST_FOUND}/${name}`);
    }
  }
}

/** `base`, or base.1, base.2, ... : the first name `dir` does not hold yet. */
function freeName(dir: Inode, base: string): string {
  let name = base;
  for (let n = 1; dir.entries!.has(name); n++) name = `${base}.${n}`;
  return name;
}

/** The root's lost+found directory: the one there, or a new one (mode 0700, owned as the root is). */
function lostAndFound(meta: Metadata, root: Inode, repairs: string[]): Inode {
  const existing = meta.get(root.entries!.get(LOST_FOUND) ?? 0);
  if (existing && isDir(existing.mode)) return existing;
  const ino = nextIno(meta);
  const now = currentTime();
  meta.apply({ kind: 'inode', attrs: { ino, mode: S_IFDIR | 0o700, nlink: 2, uid: root.uid, gid: root.gid, rdev: 0, flags: 0, size: 0, atimeNs: now, mtimeNs: now, ctimeNs: now, target: '' } });
  const name = freeName(root, LOST_FOUND);
  meta.apply({ kind: 'link', parent: ROOT_INO, name, ino });
  root.nlink++;
  repairs.push(`created /${name} (inode ${ino}) for the inodes no name reaches`);
  return meta.get(ino)!;
}

/** nlink := the names found; a directory's is 2 ('.' and its name) + one per subdirectory ('..'). */
function fixLinkCounts(meta: Metadata, repairs: string[]): void {
  const links = linkCounts(meta);
  for (const inode of meta.inodes.values()) {
    const expected = links.expected(inode);
    if (inode.nlink === expected) continue;
    const found = isDir(inode.mode) ? `${links.subdirs(inode.ino)} subdirectories` : `${links.names(inode.ino)} names`;
    repairs.push(`${isDir(inode.mode) ? 'directory' : 'inode'} ${inode.ino}: link count ${inode.nlink}, but ${found}: set to ${expected}`);
    inode.nlink = expected;
  }
}
