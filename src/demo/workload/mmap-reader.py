#!/usr/bin/env python3
"""A workload reader through mmap: per sample, map the block's pages MAP_PRIVATE (MAP_SHARED is
refused on a direct_io FUSE mount), read the block, unmap. Logs in the format of sample-log.ts."""
import json
import mmap
import os
import random
import struct
import sys
import time
import zlib

MAGIC = 0x43485246
HEADER = 16
RECORD = struct.Struct('<7d')


def decode(block, index):
    magic, got_index, version, crc = struct.unpack_from('<4I', block, 0)
    intact = magic == MAGIC and got_index == index and crc == zlib.crc32(block[HEADER:], zlib.crc32(block[:12]))
    return version, not intact


def main():
    config = json.loads(sys.argv[1])
    base = int(config['baseNs'])
    blocks, size, actor = config['blocks'], config['blockSize'], config['actor']
    page = mmap.ALLOCATIONGRANULARITY
    records = bytearray()
    fd = os.open(config['file'], os.O_RDONLY)
    print('ready', flush=True)
    start, until = (int(field) for field in sys.stdin.readline().split())
    delay = (start - time.monotonic_ns()) / 1e9
    if delay > 0:
        time.sleep(delay)
    while time.monotonic_ns() < until:
        index = random.randrange(blocks)
        offset = index * size
        map_offset = offset - offset % page
        began = time.monotonic_ns()
        view = mmap.mmap(fd, offset - map_offset + size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ, offset=map_offset)
        block = view[offset - map_offset:offset - map_offset + size]
        view.close()
        ended = time.monotonic_ns()
        version, torn = decode(block, index)
        records += RECORD.pack(1, actor, index, version, began - base, ended - base, 1 if torn else 0)
    os.close(fd)
    with open(config['log'], 'wb') as log:
        log.write(records)


main()
