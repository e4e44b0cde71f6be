/** Reading /proc/self/mountinfo: is a directory a mount point, and of which filesystem type. */
import { readFile } from 'node:fs/promises';

export interface MountEntry {
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
    entries.push({ mountpoint: unescapeOctal(fields[4]!), fstype: tail[0]!, source: unescapeOctal(tail[1]!) });
  }
  return entries;
}

/** Every mount this process sees, in mount order. */
export async function readMounts(): Promise<MountEntry[]> {
  return parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

export async function findMount(mountpoint: string): Promise<MountEntry | undefined> {
  return (await readMounts()).filter((entry) => entry.mountpoint === mountpoint).pop();
}
