"""The workload's formats for its python processes, as versioned-block.ts and sample-log.ts define
them: self-describing blocks (magic, index, version, CRC-32, payload) and 7-float64 log records."""
import struct
import zlib

MAGIC = 0x43485246
HEADER = 16
RECORD = struct.Struct('<7d')
WRITE, READ = 0, 1


def checksum(block):
    return zlib.crc32(block[HEADER:], zlib.crc32(block[:12]))


def encode(block, index, version):
    """Fill `block` (a writable buffer) with version `version` of block `index`."""
    word = (((index + 1) * 2654435761) ^ ((version + 1) * 40503)) & 0xFFFFFFFF
    words = (len(block) - HEADER) // 4
    struct.pack_into(f'<{words}I', block, HEADER, *(((word + HEADER + 4 * i) & 0xFFFFFFFF) for i in range(words)))
    struct.pack_into('<3I', block, 0, MAGIC, index, version)
    struct.pack_into('<I', block, 12, checksum(block))


def decode(block, index):
    """(version, torn): torn when magic, index or checksum disagree."""
    magic, got_index, version, crc = struct.unpack_from('<4I', block, 0)
    intact = magic == MAGIC and got_index == index and crc == checksum(block)
    return version, not intact
