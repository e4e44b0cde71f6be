/**
 * A sparse in-memory file in 1 MiB chunks: the ceiling daemon's storage. Holes read as zeros;
 * chunks are allocated on first write, so a large sparse file costs only what was written.
 */
const CHUNK = 1 << 20;

export class MemoryFile {
  size = 0;
  private readonly chunks = new Map<number, Buffer>();

  read(into: Buffer, length: number, pos: number): number {
    const end = Math.min(pos + length, this.size);
    for (let at = pos; at < end; ) {
      const index = Math.floor(at / CHUNK);
      const within = at - index * CHUNK;
      const n = Math.min(CHUNK - within, end - at);
      const chunk = this.chunks.get(index);
      if (chunk) chunk.copy(into, at - pos, within, within + n);
      else into.fill(0, at - pos, at - pos + n);
      at += n;
    }
    return Math.max(0, end - pos);
  }

  write(from: Buffer, length: number, pos: number): number {
    for (let done = 0; done < length; ) {
      const at = pos + done;
      const index = Math.floor(at / CHUNK);
      const within = at - index * CHUNK;
      const n = Math.min(CHUNK - within, length - done);
      let chunk = this.chunks.get(index);
      if (!chunk) this.chunks.set(index, (chunk = Buffer.alloc(CHUNK)));
      from.copy(chunk, within, done, done + n);
      done += n;
    }
    this.size = Math.max(this.size, pos + length);
    return length;
  }

  truncate(size: number): void {
    for (const index of this.chunks.keys()) if (index * CHUNK >= size) this.chunks.delete(index);
    const last = this.chunks.get(Math.floor(size / CHUNK));
    if (last) last.fill(0, size % CHUNK);
    this.size = size;
  }
}
