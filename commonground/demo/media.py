"""Synthetic MP4 files whose header says how long they play, for the demo, the benchmark and
tests: the footage needs real containers (type sniffing, duration), not real pictures."""

import struct


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_around(payload_size: int, seconds: float, *, timescale: int = 1000) -> tuple[bytes, bytes]:
    """The bytes before and after a media payload of `payload_size` bytes, so a large file can
    be streamed from disk between them without being held in memory."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = _box(
        b"mvhd",
        b"\x00\x00\x00\x00"
        + struct.pack(">IIII", 0, 0, timescale, int(seconds * timescale))
        + struct.pack(">IH", 0x00010000, 0x0100)
        + b"\x00" * 10
        + matrix
        + b"\x00" * 24
        + struct.pack(">I", 2),
    )
    mdat_header = struct.pack(">I", 8 + payload_size) + b"mdat"
    return ftyp + mdat_header, _box(b"moov", mvhd)


def mp4(seconds: float, payload: bytes, *, timescale: int = 1000) -> bytes:
    head, tail = mp4_around(len(payload), seconds, timescale=timescale)
    return head + payload + tail
