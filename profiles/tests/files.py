"""Small real files, built byte by byte, for upload tests."""

from __future__ import annotations

import struct
import zlib

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1" '
    b'height="1"><script>alert(document.cookie)</script></svg>'
)


def png_bytes() -> bytes:
    """A real 1x1 RGB PNG: signature, IHDR, IDAT and IEND with correct CRCs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """A real 1x1 greyscale baseline JPEG (JFIF), built marker by marker."""

    def segment(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    def huffman_table(table_class: int) -> bytes:
        # One code of length 1 for symbol 0 (DC: difference 0; AC: end of block).
        return bytes([table_class << 4]) + bytes([1] + [0] * 15) + b"\x00"

    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xDB, b"\x00" + b"\x01" * 64)
        + segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
        + segment(0xC4, huffman_table(0))
        + segment(0xC4, huffman_table(1))
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f"
        + b"\xff\xd9"
    )
