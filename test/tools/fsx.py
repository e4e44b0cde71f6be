#!/usr/bin/env python3
"""fsx for coherefs: random buffered, O_DIRECT and mapped IO on one file, checked against a model.

Usage: fsx.py FILE [--ops N] [--seed S] [--max-size BYTES] [--max-len BYTES] [--align BYTES]
              [--request-bytes BYTES] [--save-model PATH] [--quiet]

In the manner of fsx (xfstests' file system exerciser): one file, two handles on it, one buffered
and one O_DIRECT, and a random sequence of operations:
  read / write            buffered pread / pwrite, anywhere, past EOF too
  dread / dwrite          O_DIRECT pread / pwrite, offset and length multiples of --align
  mapread                 a MAP_PRIVATE mapping read back (its faults arrive as FUSE reads)
  dwrite-from-map         an O_DIRECT pwrite whose source is a mapping of the same file
  dwrite-misaligned       an O_DIRECT pwrite off the alignment, half the time longer than one FUSE
                          request (--request-bytes: 1 MiB on the kernel transport, 128 KiB on
                          libfuse): the whole requests before the misaligned one land and the write
                          returns their count; with none of them, EINVAL and nothing changes
  truncate                ftruncate, shrinking or growing
  fsync, reopen           fsync the file; close both handles and open them again
After each operation the file's size, and after each read the bytes, must equal the model's. Every
write stamps its bytes with its operation number, so a wrong byte tells which write it came from: a
stale read shows an older write's stamp.

Exit 0 and "PASS ..." when every operation matched; exit 1 and "FAIL ..." with the last operations
at the first mismatch. The same seed replays the same sequence. --save-model writes the expected
contents at the end (after fsync), for a check after remount.
"""
import argparse
import collections
import errno
import mmap
import os
import random
import sys
import time

PAGE = mmap.PAGESIZE
STAMP_CYCLE = bytes(range(256)) * 2


def stamp(op_no, pos, length):
    """The bytes write number op_no puts at [pos, pos+length): (pos + i + 7 * op_no) mod 256."""
    shift = (7 * op_no) & 0xFF
    table = bytes((b + shift) & 0xFF for b in range(256))
    out = bytearray(length)
    for at in range(0, length, 256):
        start = (pos + at) & 0xFF
        out[at:at + 256] = STAMP_CYCLE[start:start + min(256, length - at)].translate(table)
    return bytes(out)


def writer_of(byte, pos):
    """The number, mod 256, of the write whose stamp a byte at pos carries (7 is odd: one answer)."""
    shift = (byte - pos) & 0xFF
    return next(n for n in range(256) if (7 * n) & 0xFF == shift)


class Mismatch(Exception):
    pass


class Fsx:
    def __init__(self, path, args):
        self.path = path
        self.args = args
        self.rng = random.Random(args.seed)
        self.model = bytearray()
        self.log = collections.deque(maxlen=24)
        self.counts = collections.Counter()
        self.op_no = 0
        # One page-aligned buffer for O_DIRECT transfers (anonymous mappings are page-aligned), long
        # enough for a misaligned write across requests.
        self.dio_buf = mmap.mmap(-1, max(args.max_len, args.max_size) + PAGE)
        self.fd = self.fd_direct = -1
        self.open(os.O_CREAT | os.O_TRUNC)

    def open(self, extra=0):
        self.fd = os.open(self.path, os.O_RDWR | extra, 0o644)
        self.fd_direct = os.open(self.path, os.O_RDWR | os.O_DIRECT)

    def close(self):
        os.close(self.fd)
        os.close(self.fd_direct)

    # --- model -------------------------------------------------------------------------------

    def model_write(self, pos, data):
        end = pos + len(data)
        if end > len(self.model):
            self.model.extend(bytes(end - len(self.model)))
        self.model[pos:end] = data

    def expect(self, what, pos, got, want):
        if got == want:
            return
        if len(got) != len(want):
            raise Mismatch(f'{what} at {pos}: {len(got)} bytes, expected {len(want)}')
        at = next(i for i in range(len(got)) if got[i] != want[i])
        bad = sum(1 for i in range(at, len(got)) if got[i] != want[i])
        hint = 'zeros: a hole, or a write lost' if not any(got[at:at + 8]) else \
            f'it carries the stamp of an op numbered {writer_of(got[at], pos + at)} mod 256'
        raise Mismatch(
            f'{what}: {bad} wrong bytes in [{pos}, {pos + len(got)}), first at file offset {pos + at}: '
            f'got {got[at:at + 8].hex()} expected {want[at:at + 8].hex()} '
            f'({hint})')

    def check_size(self):
        size = os.fstat(self.fd).st_size
        if size != len(self.model):
            raise Mismatch(f'size {size}, expected {len(self.model)}')

    # --- random parameters -------------------------------------------------------------------

    def span(self, align=1):
        """A random (pos, length): pos anywhere below --max-size, length up to --max-len."""
        a = self.args
        pos = self.rng.randrange(0, a.max_size // align) * align
        length = self.rng.randrange(1, a.max_len // align + 1) * align
        return pos, min(length, a.max_size - pos)

    # --- operations --------------------------------------------------------------------------

    def op_read(self):
        pos, length = self.span()
        self.note(f'read {pos} +{length}')
        self.expect('read', pos, os.pread(self.fd, length, pos), bytes(self.model[pos:pos + length]))

    def op_write(self):
        pos, length = self.span()
        self.note(f'write {pos} +{length}')
        data = stamp(self.op_no, pos, length)
        if os.pwrite(self.fd, data, pos) != length:
            raise Mismatch(f'short buffered write at {pos}')
        self.model_write(pos, data)

    def op_dread(self):
        pos, length = self.span(self.args.align)
        self.note(f'dread {pos} +{length}')
        view = memoryview(self.dio_buf)[:length]
        try:
            n = os.preadv(self.fd_direct, [view], pos)
            got = bytes(view[:n])
        finally:
            view.release()
        self.expect('dread', pos, got, bytes(self.model[pos:pos + length]))

    def op_dwrite(self):
        pos, length = self.span(self.args.align)
        self.note(f'dwrite {pos} +{length}')
        data = stamp(self.op_no, pos, length)
        self.dio_buf[:length] = data
        n = self.direct_write(self.dio_buf, 0, length, pos)
        if n != length:
            raise Mismatch(f'short direct write at {pos}: {n} of {length}')
        self.model_write(pos, data)

    def direct_write(self, source, start, length, pos):
        """O_DIRECT pwritev of source[start:start+length] at pos, from source's own memory; the bytes written."""
        view = memoryview(source)[start:start + length]
        try:
            return os.pwritev(self.fd_direct, [view], pos)
        finally:
            view.release()

    def op_dwrite_misaligned(self):
        a = self.args
        if self.rng.random() < 0.5 and a.max_size > a.request_bytes:
            length = self.rng.randrange(a.request_bytes // a.align, a.max_size // a.align) * a.align
            pos = self.rng.randrange(0, (a.max_size - length) // a.align + 1) * a.align
        else:
            pos, length = self.span(a.align)
        if self.rng.random() < 0.5:
            pos += self.rng.randrange(1, a.align)
        else:
            length -= 1
        self.note(f'dwrite-misaligned {pos} +{length}')
        self.dio_buf[:length] = stamp(self.op_no, pos, length)
        # The kernel sends the write from the page-aligned buffer as FUSE requests of request_bytes,
        # each checked on its own: those before the misaligned one land, the write returns their count.
        expected = 0 if pos % a.align else length // a.request_bytes * a.request_bytes
        try:
            n = self.direct_write(self.dio_buf, 0, length, pos)
        except OSError as err:
            if err.errno != errno.EINVAL or expected:
                raise
            return
        if n != expected:
            raise Mismatch(f'a misaligned direct write at {pos} +{length} wrote {n} bytes, expected {expected}')
        self.model_write(pos, self.dio_buf[:n])

    def fresh_map(self):
        """A new MAP_PRIVATE mapping of the whole file. New each time: pages a private mapping has
        faulted in need not show later writes (POSIX leaves it open), while FUSE drops a direct_io
        file's kernel pages at each mmap(), so a new mapping starts from what the daemon has now."""
        return mmap.mmap(self.fd, len(self.model), flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ)

    def op_mapread(self):
        if not self.model:
            return self.op_write()
        pos = self.rng.randrange(0, len(self.model))
        length = self.rng.randrange(1, min(self.args.max_len, len(self.model) - pos) + 1)
        self.note(f'mapread {pos} +{length}')
        with self.fresh_map() as mapped:
            self.expect('mapread', pos, mapped[pos:pos + length], bytes(self.model[pos:pos + length]))

    def op_dwrite_from_map(self):
        align = self.args.align
        if len(self.model) < align:
            return self.op_dwrite()
        src = self.rng.randrange(0, len(self.model) // align) * align
        length = self.rng.randrange(1, min(self.args.max_len, len(self.model) - src) // align + 1) * align
        pos = self.rng.randrange(0, self.args.max_size // align) * align
        length = min(length, self.args.max_size - pos)
        # Apart, or the write reads back what its own earlier requests wrote (memcpy's overlap).
        if pos < src + length and src < pos + length:
            return self.op_dwrite()
        self.note(f'dwrite-from-map {pos} +{length} from mapped {src}')
        data = bytes(self.model[src:src + length])
        with self.fresh_map() as mapped:
            n = self.direct_write(mapped, src, length, pos)
        if n != length:
            raise Mismatch(f'short direct write from a mapping at {pos}: {n} of {length}')
        self.model_write(pos, data)

    def op_truncate(self):
        size = self.rng.randrange(0, self.args.max_size + 1)
        if self.rng.random() < 0.5:  # at or next to a page boundary half the time
            size = min(self.args.max_size, size // PAGE * PAGE + self.rng.choice([0, 1, PAGE - 1]))
        self.note(f'truncate {len(self.model)} -> {size}')
        os.ftruncate(self.fd, size)
        if size < len(self.model):
            del self.model[size:]
        else:
            self.model.extend(bytes(size - len(self.model)))

    def op_fsync(self):
        self.note('fsync')
        os.fsync(self.fd)

    def op_reopen(self):
        self.note('reopen')
        self.close()
        self.open()

    OPS = [
        ('read', 18), ('write', 18), ('dread', 14), ('dwrite', 14), ('mapread', 8),
        ('dwrite-from-map', 5), ('dwrite-misaligned', 2), ('truncate', 8), ('fsync', 3), ('reopen', 2),
    ]

    def note(self, text):
        self.log.append(f'{self.op_no:7d} {text}')

    def run(self):
        names = [name for name, _ in self.OPS]
        weights = [weight for _, weight in self.OPS]
        started = last_report = time.monotonic()
        for self.op_no in range(1, self.args.ops + 1):
            name = self.rng.choices(names, weights)[0]
            getattr(self, 'op_' + name.replace('-', '_'))()
            self.counts[name] += 1
            self.check_size()
            now = time.monotonic()
            if not self.args.quiet and now - last_report >= 5:
                rate = self.op_no / (now - started)
                print(f'fsx: {self.op_no}/{self.args.ops} ops, {rate:.0f}/s', file=sys.stderr, flush=True)
                last_report = now
        os.fsync(self.fd)
        # The whole file once more, through the buffered handle.
        self.expect('final read', 0, os.pread(self.fd, len(self.model) + 1, 0), bytes(self.model))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('file')
    parser.add_argument('--ops', type=int, default=2000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--max-size', type=int, default=2 << 20, help='the file stays below this (bytes)')
    parser.add_argument('--max-len', type=int, default=128 << 10, help='longest read or write (bytes)')
    parser.add_argument('--align', type=int, default=512, help='O_DIRECT alignment (the mount\'s dio_align)')
    parser.add_argument('--request-bytes', type=int, default=1 << 20,
                        help='largest FUSE request: 1 MiB on the kernel transport, 128 KiB on libfuse')
    parser.add_argument('--save-model', help='write the expected final contents here')
    parser.add_argument('--quiet', action='store_true', help='no progress lines')
    args = parser.parse_args()
    if args.max_len % args.align or args.max_size % args.align or args.max_len > args.max_size:
        parser.error('--max-len and --max-size must be multiples of --align, and --max-len <= --max-size')
    if args.request_bytes <= 0 or args.request_bytes % args.align:
        parser.error('--request-bytes must be a positive multiple of --align')
    fsx = Fsx(args.file, args)
    try:
        fsx.run()
    except (Mismatch, OSError) as err:
        print(f'FAIL seed={args.seed} op {fsx.op_no}: {err}')
        print('last operations:')
        for line in fsx.log:
            print(line)
        return 1
    finally:
        fsx.close()
    if args.save_model:
        with open(args.save_model, 'wb') as out:
            out.write(fsx.model)
    counts = ' '.join(f'{name}={fsx.counts[name]}' for name, _ in Fsx.OPS)
    print(f'PASS seed={args.seed} ops={args.ops} size={len(fsx.model)} {counts}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
