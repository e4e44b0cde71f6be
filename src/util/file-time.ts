/**
 * File times as the kernel keeps them: nanoseconds since the epoch, held as one bigint (a
 * timespec64 in one value: exact at any range, ordered, and what Node's BigIntStats call mtimeNs).
 * Interfaces that speak milliseconds (fuse-native, Date) convert at their edge.
 */
export const NSEC_PER_SEC = 1_000_000_000n;
const NSEC_PER_MSEC = 1_000_000n;

/** The time now (mirrors current_time(); Node's wall clock has millisecond resolution). */
export const currentTime = (): bigint => BigInt(Date.now()) * NSEC_PER_MSEC;

/** A time given in milliseconds (fractions kept to the nanosecond). */
export function nsFromMs(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * NSEC_PER_MSEC + BigInt(Math.round((ms - whole) * 1e6));
}

/** Milliseconds, rounded down (also before 1970). */
export function msFromNs(ns: bigint): number {
  const { sec, nsec } = splitTime(ns);
  return Number(sec) * 1000 + Math.floor(nsec / 1e6);
}

/** Seconds and nanoseconds (0 to 999999999), as a struct timespec holds them. */
export function splitTime(ns: bigint): { sec: bigint; nsec: number } {
  const nsec = ((ns % NSEC_PER_SEC) + NSEC_PER_SEC) % NSEC_PER_SEC;
  return { sec: (ns - nsec) / NSEC_PER_SEC, nsec: Number(nsec) };
}
