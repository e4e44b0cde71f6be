#!/usr/bin/env python3
"""A workload reader through mmap, in one of two ways. Private (the default): per sample, map the
block's pages MAP_PRIVATE (the libfuse transport refuses MAP_SHARED), read the block, unmap. Shared
(config sharedMap): map the whole file MAP_SHARED once and read every sample from that one map, as a
program that keeps its map open does: its pages stay in the kernel's page cache between samples.
Logs in the format of sample-log.ts."""
import json
import mmap
import os
import random
import sys
import time

from workload_format import READ, RECORD, decode


def main():
    config = json.loads(sys.argv[1])
    base = int(config['baseNs'])
    blocks, size, actor = config['blocks'], config['blockSize'], config['actor']
    page = mmap.ALLOCATIONGRANULARITY
    records = bytearray()
    fd = os.open(config['file'], os.O_RDONLY)
    shared = mmap.mmap(fd, blocks * size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ) if config.get('sharedMap') else None
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
        if shared is not None:
            block = shared[offset:offset + size]
        else:
            view = mmap.mmap(fd, offset - map_offset + size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ, offset=map_offset)
            block = view[offset - map_offset:offset - map_offset + size]
            view.close()
        ended = time.monotonic_ns()
        version, torn = decode(block, index)
        records += RECORD.pack(READ, actor, index, version, began - base, ended - base, 1 if torn else 0)
    if shared is not None:
        shared.close()
    os.close(fd)
    with open(config['log'], 'wb') as log:
        log.write(records)


main()
