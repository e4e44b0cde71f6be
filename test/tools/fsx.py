#!/usr/bin/env python3
"""fsx for coherefs: random buffered, O_DIRECT and mapped IO on one file, checked against a model.

Usage: fsx.py FILE [--ops N] [--seed S] [--max-size BYTES] [--max-len BYTES] [--align BYTES]
              [--request-bytes BYTES] [--shared-maps] [--fallocate] [--copy-range] [--seek]
              [--expect-unsupported FEATURE,...] [--save-model PATH] [--sync-log DIR] [--quiet]
       fsx.py FILE --check-sync-log DIR

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
Each flag adds operations (xfstests' fsx has them as -F/-H/-z/-C and its mapped writes):
  --shared-maps           mapwrite: bytes stamped through a MAP_SHARED writable mapping, msync'd
                          (MS_SYNC) half the time, then unmapped (the kernel writes its dirty pages
                          back as FUSE writes, then or later); mapread maps MAP_SHARED half the time
  --keep-shared-map       with --shared-maps, half the shared mapreads and mapwrites use one writable
                          MAP_SHARED mapping kept open for the whole run: its pages must follow every
                          change, and its dirty pages, until the kernel writes them back, must count
                          in every other operation
  --fallocate             falloc (mode 0 or FALLOC_FL_KEEP_SIZE), punch (PUNCH_HOLE|KEEP_SIZE), zero
                          (ZERO_RANGE, with or without KEEP_SIZE): fallocate(2) through libc
  --copy-range            copyrange: copy_file_range(2) within the file (apart; ranges that overlap
                          must fail with EINVAL and change nothing) or from a second file, FILE.src,
                          rewritten in part before the copy half the time
  --seek                  seek: lseek(2) SEEK_DATA / SEEK_HOLE, checked against the model: data is
                          never found past a non-zero byte, a hole reads as zeros up to the next data,
                          ENXIO at or past EOF
--no-maps leaves out every operation that maps the file (mapread, dwrite-from-map, mapwrite), whatever
the other flags add: the kernel then caches no page of it, and SEEK_DATA/SEEK_HOLE answer from the
block map (coherefs answers a file the kernel may hold dirty pages of as one without holes).
--expect-unsupported shared-maps,fallocate (for a mount that serves neither) tries each such call
once before the run and requires its documented failure: a MAP_SHARED mapping ENODEV, fallocate(2)
in each mode EOPNOTSUPP, the file unchanged.
After each operation the file's size, and after each read the bytes, must equal the model's. Every
write stamps its bytes with its operation number, so a wrong byte tells which write it came from: a
stale read shows an older write's stamp.

--sync-log DIR keeps, for a crash of the filesystem at any moment (kill -9 of its daemon), what the
last fsync vouches for: DIR/synced, the contents as of the last fsync that returned ("synced OP" is
printed then), and DIR/touched, the ranges operations issued since may have changed, written before
each is issued. After a remount, --check-sync-log DIR checks FILE against them: every byte below
the synced size that no later operation touched must be there, unchanged.

Exit 0 and "PASS ..." when every operation matched; exit 1 and "FAIL ..." with the last operations
at the first mismatch. The same seed replays the same sequence. --save-model writes the expected
contents at the end (after fsync), for a check after remount.
"""
import argparse
import collections
import ctypes
import errno
import mmap
import os
import random
import sys
import time

PAGE = mmap.PAGESIZE
STAMP_CYCLE = bytes(range(256)) * 2

# include/uapi/linux/falloc.h
FALLOC_FL_KEEP_SIZE = 0x01
FALLOC_FL_PUNCH_HOLE = 0x02
FALLOC_FL_ZERO_RANGE = 0x10
FALLOC_MODES = [0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                FALLOC_FL_ZERO_RANGE, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE]

LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.fallocate64.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
LIBC.mmap.restype = ctypes.c_void_p
LIBC.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int64]
LIBC.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
LIBC.msync.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
MS_SYNC = 4
MAP_FAILED = ctypes.c_void_p(-1).value


def fallocate(fd, mode, pos, length):
    """fallocate(2) in any mode (os.posix_fallocate knows mode 0 only); OSError on failure."""
    if LIBC.fallocate64(fd, mode, pos, length) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f'fallocate mode {mode:#x} at {pos} +{length}: {os.strerror(err)}')


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


class SyncLog:
    """--sync-log DIR: DIR/synced and DIR/touched (see the module's doc), kept current as fsx runs."""

    def __init__(self, directory):
        self.synced_path = os.path.join(directory, 'synced')
        self.touched = open(os.path.join(directory, 'touched'), 'w', buffering=1)
        self.synced(bytearray(), 0)

    def touch(self, start, end):
        """Bytes [start, end) (end None: from start on, as a shrink drops them) may change from now on."""
        self.touched.write(f'{start} {-1 if end is None else end}\n')

    def synced(self, model, op_no):
        """An fsync returned: the model is what the file holds for good, and nothing is touched yet."""
        with open(self.synced_path + '.tmp', 'wb') as out:
            out.write(model)
        os.replace(self.synced_path + '.tmp', self.synced_path)
        self.touched.seek(0)
        self.touched.truncate()
        print(f'synced {op_no}', flush=True)

    def close(self):
        self.touched.close()


def check_sync_log(path, directory):
    """FILE against a sync log: exit 0 when every byte the last fsync vouches for is there."""
    with open(os.path.join(directory, 'synced'), 'rb') as f:
        synced = f.read()
    vouched = bytearray(b'\1') * len(synced)
    with open(os.path.join(directory, 'touched')) as f:
        for line in f:
            start, end = (int(n) for n in line.split())
            end = len(synced) if end < 0 else min(end, len(synced))
            if start < end:
                vouched[start:end] = bytes(end - start)
    with open(path, 'rb') as f:
        got = f.read(len(synced))
    bad = [i for i in range(len(synced)) if vouched[i] and (i >= len(got) or got[i] != synced[i])]
    if bad:
        at = bad[0]
        seen = 'past EOF' if at >= len(got) else f'{got[at]:#04x}'
        print(f'FAIL sync log: {len(bad)} bytes the last fsync vouched for differ, first at {at}: '
              f'got {seen}, expected {synced[at]:#04x}')
        return 1
    print(f'PASS sync log: {sum(vouched)} bytes vouched for of {len(synced)} synced are intact')
    return 0


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
        self.fd = self.fd_direct = self.fd_source = -1
        self.ops = list(self.OPS)
        for flag, ops in self.FLAG_OPS.items():
            if getattr(args, flag):
                self.ops += ops
        if args.no_maps:
            self.ops = [(name, weight) for name, weight in self.ops if name not in self.MAP_OPS]
        self.open(os.O_CREAT | os.O_TRUNC)
        self.source = bytearray()
        self.kept_map = None
        self.sync_log = SyncLog(args.sync_log) if args.sync_log else None
        if args.copy_range:
            self.fd_source = os.open(path + '.src', os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
            self.source[:] = stamp(0, 0, args.max_size // 2)
            os.pwrite(self.fd_source, self.source, 0)

    def open(self, extra=0):
        self.fd = os.open(self.path, os.O_RDWR | extra, 0o644)
        self.fd_direct = os.open(self.path, os.O_RDWR | os.O_DIRECT)

    def close(self):
        os.close(self.fd)
        os.close(self.fd_direct)

    def close_all(self):
        if self.sync_log:
            self.sync_log.close()
        if self.kept_map is not None:
            LIBC.munmap(self.kept_map, self.args.max_size)
        self.close()
        if self.fd_source >= 0:
            os.close(self.fd_source)

    # --- model -------------------------------------------------------------------------------

    def touch(self, start, end):
        """Call before a call that may change [start, end) of the file (end None: to any size)."""
        if self.sync_log:
            self.sync_log.touch(start, end)

    def fsync(self):
        os.fsync(self.fd)
        if self.sync_log:
            self.sync_log.synced(self.model, self.op_no)

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
        self.touch(pos, pos + length)
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
        self.touch(pos, pos + length)
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
        self.touch(pos, pos + length)
        try:
            n = self.direct_write(self.dio_buf, 0, length, pos)
        except OSError as err:
            if err.errno != errno.EINVAL or expected:
                raise
            return
        if n != expected:
            raise Mismatch(f'a misaligned direct write at {pos} +{length} wrote {n} bytes, expected {expected}')
        self.model_write(pos, self.dio_buf[:n])

    def fresh_map(self, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ):
        """A new mapping of the whole file. New each time: pages a private mapping has faulted in
        need not show later writes (POSIX leaves it open), while FUSE drops a direct_io file's
        kernel pages at each mmap(), so a new mapping starts from what the daemon has now."""
        return mmap.mmap(self.fd, len(self.model), flags=flags, prot=prot)

    def map_span(self):
        """A random (pos, length) inside the file: a mapping faults SIGBUS past its last page."""
        pos = self.rng.randrange(0, len(self.model))
        return pos, self.rng.randrange(1, min(self.args.max_len, len(self.model) - pos) + 1)

    def op_mapread(self):
        if not self.model:
            return self.op_write()
        pos, length = self.map_span()
        shared = self.args.shared_maps and self.rng.random() < 0.5
        if shared and self.args.keep_shared_map and self.rng.random() < 0.5:
            self.note(f'mapread {pos} +{length} through the kept shared mapping')
            return self.expect('mapread (kept shared mapping)', pos, ctypes.string_at(self.kept_mapping() + pos, length),
                               bytes(self.model[pos:pos + length]))
        self.note(f'mapread {pos} +{length}{" shared" if shared else ""}')
        with self.fresh_map(mmap.MAP_SHARED if shared else mmap.MAP_PRIVATE) as mapped:
            self.expect('mapread', pos, mapped[pos:pos + length], bytes(self.model[pos:pos + length]))

    def kept_mapping(self):
        """The address of one writable MAP_SHARED mapping of --max-size bytes, made at its first use
        and kept to the end: through libc, as Python's mmap refuses a mapping longer than the file.
        Only the pages below EOF may be touched (SIGBUS past them)."""
        if self.kept_map is None:
            address = LIBC.mmap(None, self.args.max_size, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED, self.fd, 0)
            if address == MAP_FAILED:
                err = ctypes.get_errno()
                raise OSError(err, f'a kept MAP_SHARED mapping: {os.strerror(err)}')
            self.kept_map = address
        return self.kept_map

    def op_mapwrite(self):
        if not self.model:
            return self.op_write()
        pos, length = self.map_span()
        sync = self.rng.random() < 0.5
        data = stamp(self.op_no, pos, length)
        if self.args.keep_shared_map and self.rng.random() < 0.5:
            self.note(f'mapwrite {pos} +{length} through the kept shared mapping{" msync" if sync else ""}')
            self.touch(pos, pos + length)
            ctypes.memmove(self.kept_mapping() + pos, data, length)
            if sync and LIBC.msync(self.kept_mapping(), self.args.max_size, MS_SYNC) != 0:
                err = ctypes.get_errno()
                raise OSError(err, f'msync of the kept mapping: {os.strerror(err)}')
            return self.model_write(pos, data)
        self.note(f'mapwrite {pos} +{length}{" msync" if sync else ""}')
        self.touch(pos, pos + length)
        with self.fresh_map(mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE) as mapped:
            mapped[pos:pos + length] = data
            if sync:
                mapped.flush()
        self.model_write(pos, data)

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
        self.touch(pos, pos + length)
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
        self.touch(min(size, len(self.model)), None)
        os.ftruncate(self.fd, size)
        if size < len(self.model):
            del self.model[size:]
        else:
            self.model.extend(bytes(size - len(self.model)))

    def op_fsync(self):
        self.note('fsync')
        self.fsync()

    def op_reopen(self):
        self.note('reopen')
        self.close()
        self.open()

    def op_falloc(self):
        pos, length = self.span()
        mode = self.rng.choice([0, FALLOC_FL_KEEP_SIZE])
        self.note(f'falloc {pos} +{length} mode {mode:#x}')
        fallocate(self.fd, mode, pos, length)
        if not mode & FALLOC_FL_KEEP_SIZE and pos + length > len(self.model):
            self.model.extend(bytes(pos + length - len(self.model)))

    def op_punch(self):
        pos, length = self.span()
        self.note(f'punch {pos} +{length}')
        self.touch(pos, pos + length)
        fallocate(self.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, pos, length)
        end = min(pos + length, len(self.model))
        if pos < end:
            self.model[pos:end] = bytes(end - pos)

    def op_zero(self):
        pos, length = self.span()
        mode = FALLOC_FL_ZERO_RANGE | self.rng.choice([0, FALLOC_FL_KEEP_SIZE])
        self.note(f'zero {pos} +{length} mode {mode:#x}')
        self.touch(pos, pos + length)
        fallocate(self.fd, mode, pos, length)
        end = pos + length if not mode & FALLOC_FL_KEEP_SIZE else min(pos + length, len(self.model))
        if pos < end:
            self.model_write(pos, bytes(end - pos))

    def op_copyrange(self):
        if self.rng.random() < 0.5:
            return self.copy_from_other_file()
        if not self.model:
            return self.op_write()
        src, length = self.span()
        src %= len(self.model)
        dst = self.rng.randrange(0, self.args.max_size - length + 1)
        count = min(length, len(self.model) - src)
        overlap = dst < src + count and src < dst + count
        self.note(f'copyrange {dst} +{length} from {src}{" (overlap)" if overlap else ""}')
        data = bytes(self.model[src:src + count])
        self.touch(dst, dst + length)
        try:
            n = os.copy_file_range(self.fd, self.fd, length, src, dst)
        except OSError as err:
            if err.errno == errno.EINVAL and overlap:
                return
            raise
        if overlap:
            raise Mismatch(f'copy_file_range within the file from {src} to {dst} +{count} overlaps, yet copied {n} bytes')
        if n != count:
            raise Mismatch(f'copy_file_range from {src} to {dst} copied {n} bytes, expected {count}')
        self.model_write(dst, data)

    def copy_from_other_file(self):
        """copy_file_range from FILE.src, whose model is self.source; half the time part of it is
        rewritten first (buffered, not synced), so the copy must see what its cache holds."""
        if self.rng.random() < 0.5:
            pos, length = self.span()
            data = stamp(self.op_no, pos, length)
            if os.pwrite(self.fd_source, data, pos) != length:
                raise Mismatch(f'short buffered write to the copy source at {pos}')
            if pos + length > len(self.source):
                self.source.extend(bytes(pos + length - len(self.source)))
            self.source[pos:pos + length] = data
            self.note(f'write to the copy source {pos} +{length}')
        src, length = self.span()
        dst = self.rng.randrange(0, self.args.max_size - length + 1)
        count = max(0, min(length, len(self.source) - src))
        self.note(f'copyrange {dst} +{length} from the copy source at {src}')
        self.touch(dst, dst + length)
        n = os.copy_file_range(self.fd_source, self.fd, length, src, dst)
        if n != count:
            raise Mismatch(f'copy_file_range from the copy source at {src} to {dst} copied {n} bytes, expected {count}')
        if count:
            self.model_write(dst, self.source[src:src + count])

    def op_seek(self):
        pos = self.rng.randrange(0, self.args.max_size)
        whence = self.rng.choice([os.SEEK_DATA, os.SEEK_HOLE])
        name = 'SEEK_DATA' if whence == os.SEEK_DATA else 'SEEK_HOLE'
        self.note(f'seek {pos} {name}')
        size = len(self.model)
        try:
            found = os.lseek(self.fd, pos, whence)
        except OSError as err:
            if err.errno != errno.ENXIO:
                raise
            if pos < size and (whence == os.SEEK_HOLE or any(self.model[pos:])):
                raise Mismatch(f'{name} from {pos} failed with ENXIO before EOF ({size})'
                               f'{"" if whence == os.SEEK_HOLE else " with data after it"}')
            return
        if pos >= size:
            raise Mismatch(f'{name} from {pos}, at or past EOF ({size}), found {found}: expected ENXIO')
        if whence == os.SEEK_DATA:
            if not pos <= found < size:
                raise Mismatch(f'SEEK_DATA from {pos} found {found}, outside [{pos}, {size})')
            self.expect_zeros(f'SEEK_DATA from {pos} skipped to {found}', pos, found)
            return
        if not pos <= found <= size:
            raise Mismatch(f'SEEK_HOLE from {pos} found {found}, outside [{pos}, {size}]')
        # The hole lasts up to the next data, and must read as zeros all along.
        try:
            data = os.lseek(self.fd, found, os.SEEK_DATA) if found < size else size
        except OSError as err:
            if err.errno != errno.ENXIO:
                raise
            data = size
        if found < size and data <= found:
            raise Mismatch(f'SEEK_HOLE from {pos} found {found}, where SEEK_DATA finds data')
        self.expect_zeros(f'the hole SEEK_HOLE from {pos} found at {found}, up to the data at {data},', found, data)

    def expect_zeros(self, what, start, end):
        if any(self.model[start:end]):
            at = next(i for i in range(start, end) if self.model[i])
            raise Mismatch(f'{what}: the model holds data at {at} (byte {self.model[at]:#04x}, written by an op '
                           f'numbered {writer_of(self.model[at], at)} mod 256)')

    def expect_unsupported(self, features):
        """Each call of each feature once, with its documented failure; the file unchanged."""
        if features:
            self.note('write 0 +PAGE, for the calls expected to fail')
            self.model_write(0, stamp(0, 0, PAGE))
            self.touch(0, PAGE)
            os.pwrite(self.fd, self.model, 0)
        for feature in features:
            if feature == 'shared-maps':
                for prot in (mmap.PROT_READ, mmap.PROT_READ | mmap.PROT_WRITE):
                    self.expect_errno(f'a MAP_SHARED mapping (prot {prot})', errno.ENODEV,
                                      lambda: mmap.mmap(self.fd, PAGE, flags=mmap.MAP_SHARED, prot=prot).close())
            elif feature == 'fallocate':
                for mode in FALLOC_MODES:
                    self.expect_errno(f'fallocate mode {mode:#x}', errno.EOPNOTSUPP, lambda: fallocate(self.fd, mode, 0, PAGE))
            self.check_size()
            self.expect(f'after the unsupported {feature}', 0, os.pread(self.fd, len(self.model) + 1, 0), bytes(self.model))

    @staticmethod
    def expect_errno(what, wanted, call):
        try:
            call()
        except OSError as err:
            if err.errno == wanted:
                return
            raise Mismatch(f'{what} failed with {errno.errorcode.get(err.errno, err.errno)}, expected {errno.errorcode[wanted]}')
        raise Mismatch(f'{what} succeeded, expected {errno.errorcode[wanted]}')

    OPS = [
        ('read', 18), ('write', 18), ('dread', 14), ('dwrite', 14), ('mapread', 8),
        ('dwrite-from-map', 5), ('dwrite-misaligned', 2), ('truncate', 8), ('fsync', 3), ('reopen', 2),
    ]
    MAP_OPS = {'mapread', 'dwrite-from-map', 'mapwrite'}
    # The operations each flag adds.
    FLAG_OPS = {
        'shared_maps': [('mapwrite', 8)],
        'fallocate': [('falloc', 3), ('punch', 4), ('zero', 4)],
        'copy_range': [('copyrange', 6)],
        'seek': [('seek', 5)],
    }

    def note(self, text):
        self.log.append(f'{self.op_no:7d} {text}')

    def run(self):
        self.expect_unsupported(self.args.expect_unsupported)
        names = [name for name, _ in self.ops]
        weights = [weight for _, weight in self.ops]
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
        self.fsync()
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
    parser.add_argument('--shared-maps', action='store_true', help='mapwrite, and MAP_SHARED mapreads')
    parser.add_argument('--keep-shared-map', action='store_true', help='with --shared-maps: reads through one mapping kept open')
    parser.add_argument('--no-maps', action='store_true', help='no operation maps the file (wins over --shared-maps)')
    parser.add_argument('--fallocate', action='store_true', help='falloc, punch and zero: fallocate(2)')
    parser.add_argument('--copy-range', action='store_true', help='copyrange: copy_file_range(2)')
    parser.add_argument('--seek', action='store_true', help='seek: lseek(2) SEEK_DATA and SEEK_HOLE')
    parser.add_argument('--expect-unsupported', default='', type=lambda text: [f for f in text.split(',') if f],
                        help='shared-maps,fallocate: calls the mount must refuse (each tried once, first)')
    parser.add_argument('--save-model', help='write the expected final contents here')
    parser.add_argument('--sync-log', metavar='DIR', help='keep what the last fsync vouches for in DIR (for a crash)')
    parser.add_argument('--check-sync-log', metavar='DIR', help='check FILE against a sync log instead of running')
    parser.add_argument('--quiet', action='store_true', help='no progress lines')
    args = parser.parse_args()
    if args.check_sync_log:
        return check_sync_log(args.file, args.check_sync_log)
    if args.max_len % args.align or args.max_size % args.align or args.max_len > args.max_size:
        parser.error('--max-len and --max-size must be multiples of --align, and --max-len <= --max-size')
    if args.request_bytes <= 0 or args.request_bytes % args.align:
        parser.error('--request-bytes must be a positive multiple of --align')
    unknown = set(args.expect_unsupported) - {'shared-maps', 'fallocate'}
    if unknown:
        parser.error(f'--expect-unsupported takes shared-maps and fallocate, not {",".join(sorted(unknown))}')
    if args.shared_maps and 'shared-maps' in args.expect_unsupported or args.fallocate and 'fallocate' in args.expect_unsupported:
        parser.error('a feature cannot be both exercised and expected unsupported')
    if args.keep_shared_map and not args.shared_maps:
        parser.error('--keep-shared-map needs --shared-maps')
    fsx = Fsx(args.file, args)
    try:
        fsx.run()
    except (Mismatch, OSError) as err:
        print(f'FAIL seed={args.seed} op {fsx.op_no}: {err}')
        print('last operations:')
        for line in fsx.log:
            print(line)
        # The handles may be as broken as the call that failed (a daemon killed: ENOTCONN).
        try:
            fsx.close_all()
        except OSError:
            pass
        return 1
    fsx.close_all()
    if args.save_model:
        with open(args.save_model, 'wb') as out:
            out.write(fsx.model)
    counts = ' '.join(f'{name}={fsx.counts[name]}' for name, _ in fsx.ops)
    unsupported = ''.join(f' unsupported:{feature}' for feature in args.expect_unsupported)
    print(f'PASS seed={args.seed} ops={args.ops} size={len(fsx.model)} {counts}{unsupported}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
