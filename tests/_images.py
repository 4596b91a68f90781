"""Image headers for the attachment tests: just enough PNG and JPEG for a header reader."""

from __future__ import annotations

import zlib


def png(width: int, height: int) -> bytes:
    """A PNG signature and IHDR chunk (the header is all the check reads)."""
    body = b"IHDR" + width.to_bytes(4) + height.to_bytes(4) + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4) + body + zlib.crc32(body).to_bytes(4)


def jpeg(width: int, height: int, *, sof: int = 0xC0) -> bytes:
    """SOI, a JFIF APP0 and a DHT segment (C4: not a frame), then the frame header and a scan."""
    app0 = b"\xff\xe0" + (16).to_bytes(2) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dht = b"\xff\xc4" + (5).to_bytes(2) + b"\x00\x00\x00"
    frame = bytes([0xFF, sof]) + (17).to_bytes(2) + b"\x08" + height.to_bytes(2) + width.to_bytes(2)
    frame += b"\x03" + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + dht + frame + b"\xff\xda\x00\x02" + b"\xff\xd9"


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"
