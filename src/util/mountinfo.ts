/** Reading /proc/self/mountinfo: is a directory a mount point, and of which filesystem type. */
import { readFile } from 'node:fs/promises';

export interface MountEntry {
  /** The mount's id (field 1): unlike the path, it names this mount and no later one on the same directory. */
  id: number;
  /** The superblock's device, "major:minor" (field 3); a FUSE connection's name in fusectl derives from it. */
  device: string;
  mountpoint: string;
  fstype: string;
  source: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [before, after] = line.split(' - ');
    const fields = before?.split(' ');
    const tail = after?.split(' ');
    if (!fields || fields.length < 5 || !tail || tail.length < 2) continue;
    entries.push({ id: Number(fields[0]), device: fields[2]!, mountpoint: unescapeOctal(fields[4]!), fstype: tail[0]!, source: unescapeOctal(tail[1]!) });
  }
  return entries;
}

export async function readMountinfo(): Promise<MountEntry[]> {
  return parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

export async function findMount(mountpoint: string): Promise<MountEntry | undefined> {
  return (await readMountinfo()).filter((entry) => entry.mountpoint === mountpoint).pop();
}
