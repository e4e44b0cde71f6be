#!/usr/bin/env python3
"""A workload writer like writer-process.ts, but each O_DIRECT write is submitted with Linux native
AIO (io_submit, then io_getevents for its completion), as libaio and fio's libaio engine do: an
asynchronous direct write, which the kernel (6.18) does not follow with an invalidation of its own
page cache as it does a synchronous one. One write in flight; logs in the format of sample-log.ts."""
import ctypes
import json
import mmap
import os
import struct
import sys
import time

from workload_format import RECORD, WRITE, encode

# x86_64 system call numbers, and struct iocb / struct io_event of <linux/aio_abi.h>.
SYS_IO_SETUP, SYS_IO_DESTROY, SYS_IO_GETEVENTS, SYS_IO_SUBMIT = 206, 207, 208, 209
IOCB_CMD_PWRITE = 1
IOCB = struct.Struct('<QIIHhIQQqQII')
IO_EVENT = struct.Struct('<QQqq')

libc = ctypes.CDLL(None, use_errno=True)


def syscall(number, *args):
    result = libc.syscall(ctypes.c_long(number), *args)
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))
    return result


def main():
    config = json.loads(sys.argv[1])
    base = int(config['baseNs'])
    size, actor, writers = config['blockSize'], config['actor'], config['writers']
    owned = [block for block in range(config['blocks']) if block % writers == actor]
    versions = {block: 0 for block in owned}
    buffer = mmap.mmap(-1, size)  # page-aligned, as O_DIRECT wants
    address = ctypes.addressof(ctypes.c_char.from_buffer(buffer))
    fd = os.open(config['file'], os.O_RDWR | os.O_DIRECT)
    context = ctypes.c_ulong(0)
    syscall(SYS_IO_SETUP, ctypes.c_long(1), ctypes.byref(context))
    iocb = ctypes.create_string_buffer(IOCB.size)
    iocbs = (ctypes.c_void_p * 1)(ctypes.addressof(iocb))
    event = ctypes.create_string_buffer(IO_EVENT.size)
    records = bytearray()
    print('ready', flush=True)
    start, until = (int(field) for field in sys.stdin.readline().split())
    delay = (start - time.monotonic_ns()) / 1e9
    if delay > 0:
        time.sleep(delay)
    turn = 0
    while owned and time.monotonic_ns() < until:
        block = owned[turn % len(owned)]
        turn += 1
        versions[block] += 1
        encode(buffer, block, versions[block])
        IOCB.pack_into(iocb, 0, 0, 0, 0, IOCB_CMD_PWRITE, 0, fd, address, size, block * size, 0, 0, 0)
        began = time.monotonic_ns()
        syscall(SYS_IO_SUBMIT, ctypes.c_ulong(context.value), ctypes.c_long(1), iocbs)
        syscall(SYS_IO_GETEVENTS, ctypes.c_ulong(context.value), ctypes.c_long(1), ctypes.c_long(1), event, None)
        ended = time.monotonic_ns()
        written = IO_EVENT.unpack(event)[2]
        if written != size:
            raise OSError(-written if written < 0 else 0, f'AIO write of block {block} returned {written}')
        records += RECORD.pack(WRITE, actor, block, versions[block], began - base, ended - base, 0)
    syscall(SYS_IO_DESTROY, ctypes.c_ulong(context.value))
    os.close(fd)
    with open(config['log'], 'wb') as log:
        log.write(records)


main()
