#!/usr/bin/env python3
"""mmap + direct IO on one file, as a user program sees it (DESIGN.md section 7).

Usage: mmap_dio.py DIRECTORY   (a directory of the filesystem under test)

Steps, one line each, exit 0 only when all pass:
  map-shared           informational: MAP_SHARED is refused (ENODEV) on a libfuse direct_io mount
  dio-from-own-mapping O_DIRECT pwrite whose source is a MAP_PRIVATE map of the same file
  where MAP_SHARED works (the kernel transport), with a MAP_SHARED map of the same file as source:
  dio-from-own-shared-mapping  to other pages of the file; the map then shows the new data too
  dio-shared-mapping-onto-itself  to the very pages it maps (xfstests generic/729's case)
  dio-while-shared-map-dirtied  O_DIRECT writes to a page another process keeps dirtying through a
                       MAP_SHARED map complete (the kernel writes that page back while it invalidates
                       it after each write: the daemon must serve that WRITE meanwhile)
  then, as xfstests generic/647 does, buffered and with O_DIRECT:
  write-from-hole-page pwrite from a mapped page that is a hole of the same file
  read-into-hole-page  pread into a (private) mapped page of the same file that is a hole
  write-from-data-page pwrite from a mapped page holding data
  read-into-data-page  pread into a mapped page holding data
"""
import errno
import mmap
import os
import sys
import time

PAGE = mmap.PAGESIZE
failures = []


def report(step, ok, detail=''):
    print(f"{'PASS' if ok else 'FAIL'} {step}{': ' + detail if detail else ''}", flush=True)
    if not ok:
        failures.append(step)


def pattern(seed, length):
    return bytes((seed * 31 + i * 7) & 0xFF for i in range(length))


def read_back(path, offset, length):
    with open(path, 'rb') as f:
        f.seek(offset)
        return f.read(length)


def map_private(fd, pages):
    return mmap.mmap(fd, pages * PAGE, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)


def check_map_shared(path):
    fd = os.open(path, os.O_RDWR)
    try:
        mmap.mmap(fd, PAGE, flags=mmap.MAP_SHARED).close()
        print('INFO map-shared: works (kernel page cache in use)', flush=True)
        return True
    except OSError as e:
        print(f'INFO map-shared: refused {errno.errorcode.get(e.errno, e.errno)} (direct_io mount)', flush=True)
        return False
    finally:
        os.close(fd)


def two_data_pages_then_two_zero_pages(path, seed):
    data = pattern(seed, 2 * PAGE)
    with open(path, 'wb') as f:
        f.write(data + bytes(2 * PAGE))
        os.fsync(f.fileno())
    return data


def dio_from_own_shared_mapping(path):
    data = two_data_pages_then_two_zero_pages(path, 4)
    fd = os.open(path, os.O_RDWR | os.O_DIRECT)
    try:
        view = mmap.mmap(fd, 4 * PAGE, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        try:
            written = os.pwrite(fd, memoryview(view)[:2 * PAGE], 2 * PAGE)
            report('dio-from-own-shared-mapping', written == 2 * PAGE and read_back(path, 2 * PAGE, 2 * PAGE) == data
                   and view[2 * PAGE:] == data, f'wrote {written}')
            written = os.pwrite(fd, memoryview(view)[:2 * PAGE], 0)
            report('dio-shared-mapping-onto-itself', written == 2 * PAGE and read_back(path, 0, 2 * PAGE) == data
                   and view[:2 * PAGE] == data, f'wrote {written}')
        finally:
            view.close()
    finally:
        os.close(fd)


def dio_while_shared_map_dirtied(path, writes=200):
    two_data_pages_then_two_zero_pages(path, 5)
    child = os.fork()
    if child == 0:
        fd = os.open(path, os.O_RDWR)
        view = mmap.mmap(fd, 2 * PAGE, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        until = time.monotonic() + 1.5
        while time.monotonic() < until:
            view[100:108] = os.urandom(8)
        view.close()
        os._exit(0)
    buffer = mmap.mmap(-1, PAGE)
    buffer.write(pattern(6, PAGE))
    fd = os.open(path, os.O_RDWR | os.O_DIRECT)
    try:
        done = sum(os.pwrite(fd, buffer, 0) == PAGE for _ in range(writes))
    finally:
        os.close(fd)
        os.waitpid(child, 0)
    report('dio-while-shared-map-dirtied', done == writes, f'{done} of {writes} writes')


def dio_from_own_mapping(path):
    data = two_data_pages_then_two_zero_pages(path, 1)
    fd = os.open(path, os.O_RDWR | os.O_DIRECT)
    try:
        view = map_private(fd, 2)
        try:
            written = os.pwrite(fd, memoryview(view)[:2 * PAGE], 2 * PAGE)
        finally:
            view.close()
    finally:
        os.close(fd)
    ok = written == 2 * PAGE and read_back(path, 2 * PAGE, 2 * PAGE) == data
    report('dio-from-own-mapping', ok, f'wrote {written}')


def generic_647(path, direct):
    mode = 'direct' if direct else 'buffered'
    flags = os.O_RDWR | (os.O_DIRECT if direct else 0)
    with open(path, 'wb') as f:
        f.truncate(2 * PAGE)  # page 0 a hole, page 1 a hole
    data = pattern(2, PAGE)
    fd = os.open(path, flags)
    try:
        view = map_private(fd, 1)
        try:
            report(f'{mode} write-from-hole-page', os.pwrite(fd, memoryview(view)[:PAGE], PAGE) == PAGE
                   and read_back(path, PAGE, PAGE) == bytes(PAGE))
            with open(path, 'r+b') as f:
                f.seek(PAGE)
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            got = os.preadv(fd, [memoryview(view)[:PAGE]], PAGE)
            report(f'{mode} read-into-hole-page', got == PAGE and view[:PAGE] == data)
        finally:
            view.close()
        with open(path, 'r+b') as f:
            f.write(pattern(3, PAGE))
            os.fsync(f.fileno())
        view = map_private(fd, 1)
        try:
            report(f'{mode} write-from-data-page', os.pwrite(fd, memoryview(view)[:PAGE], PAGE) == PAGE
                   and read_back(path, PAGE, PAGE) == pattern(3, PAGE))
            with open(path, 'r+b') as f:
                f.seek(PAGE)
                f.write(data)
                os.fsync(f.fileno())
            got = os.preadv(fd, [memoryview(view)[:PAGE]], PAGE)
            report(f'{mode} read-into-data-page', got == PAGE and view[:PAGE] == data)
        finally:
            view.close()
    finally:
        os.close(fd)


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        print('usage: mmap_dio.py DIRECTORY', file=sys.stderr)
        return 2
    path = os.path.join(sys.argv[1], f'mmap-dio-{os.getpid()}')
    try:
        dio_from_own_mapping(path)
        if check_map_shared(path):
            dio_from_own_shared_mapping(path)
            dio_while_shared_map_dirtied(path)
        generic_647(path, direct=False)
        generic_647(path, direct=True)
    except OSError as e:
        report('unexpected error', False, f'{errno.errorcode.get(e.errno, e.errno)} {e}')
    finally:
        if os.path.exists(path):
            os.unlink(path)
    print('ALL PASS' if not failures else f'FAILED: {", ".join(failures)}', flush=True)
    return 0 if not failures else 1


sys.exit(main())
