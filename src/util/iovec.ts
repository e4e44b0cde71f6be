/**
 * IoVec: the memory of one store or device transfer, either one buffer or several filled in order
 * (a bio's bio_vecs, a struct iovec array). Writeback hands its pages over as they are, and the
 * device moves them with one pwritev/preadv, so no bounce buffer sits in between.
 */
export type IoVec = Uint8Array | readonly Uint8Array[];

/** The buffers of an IoVec, in order. */
export function ioVecSegments(vec: IoVec): readonly Uint8Array[] {
  return vec instanceof Uint8Array ? [vec] : vec;
}

export function ioVecLength(vec: IoVec): number {
  if (vec instanceof Uint8Array) return vec.length;
  let length = 0;
  for (const segment of vec) length += segment.length;
  return length;
}

/** Bytes [from, to) of an IoVec, as views of its buffers (nothing copied); all of a vector is that vector. */
export function ioVecSlice(vec: IoVec, from: number, to: number): readonly Uint8Array[] {
  if (from <= 0 && !(vec instanceof Uint8Array) && to >= ioVecLength(vec)) return vec;
  const out: Uint8Array[] = [];
  let base = 0;
  for (const segment of ioVecSegments(vec)) {
    const end = base + segment.length;
    if (end > from && base < to) out.push(segment.subarray(Math.max(from, base) - base, Math.min(to, end) - base));
    if (end >= to) break;
    base = end;
  }
  return out;
}

/** Fill every buffer of an IoVec with zeros. */
export function ioVecZero(vec: IoVec): void {
  for (const segment of ioVecSegments(vec)) segment.fill(0);
}

/** Scatter: copy src into dst's buffers in order; what src does not reach reads as zeros. */
export function ioVecScatter(src: Uint8Array, dst: IoVec): void {
  let at = 0;
  for (const segment of ioVecSegments(dst)) {
    const end = Math.min(src.length, at + segment.length);
    segment.set(src.subarray(Math.min(at, end), end));
    segment.fill(0, Math.max(0, end - at));
    at += segment.length;
  }
}

/** Gather: copy src's buffers in order into dst at `at`. */
export function ioVecGather(src: IoVec, dst: Uint8Array, at: number): void {
  for (const segment of ioVecSegments(src)) {
    dst.set(segment, at);
    at += segment.length;
  }
}
