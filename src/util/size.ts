/** Byte sizes as people write them: 4096, 512K, 256M, 4G, 1T (powers of 1024). */

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

export function parseSize(text: string): number {
  const match = /^(\d+)([KMGT]?)(i?B)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: '${text}' (expected e.g. 4096, 512K, 256M, 4G)`);
  const bytes = Number(match[1]) * UNITS[match[2]!.toUpperCase()]!;
  if (!Number.isSafeInteger(bytes)) throw new Error(`size too large: '${text}'`);
  return bytes;
}

export function formatSize(bytes: number): string {
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    const scale = UNITS[unit]!;
    if (bytes >= scale && bytes % (scale / 1024) === 0) {
      const value = bytes / scale;
      return `${Number.isInteger(value) ? value : value.toFixed(1)}${unit}`;
    }
  }
  return `${bytes}B`;
}

/** A byte count for reading, not parsing back: three significant digits, e.g. 812 B, 1.50 KiB, 256 MiB. */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  const digits = Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${units[unit]}`;
}
