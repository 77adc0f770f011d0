"""The corpus of bad files, made in the test (no binary blobs): each is refused with a clear
error naming `file`, and nothing is stored. Limits are small so the files stay small."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from io import BytesIO

from chalicelib.services.file_checks import FileLimits

PDF, PNG_TYPE = "application/pdf", "image/png"
LIMITS = FileLimits(max_bytes=256 * 1024, max_pages=5, max_pixels=4_000_000,
                    stream_max_inflated=8 * 1024 * 1024,
                    total_max_inflated=32 * 1024 * 1024)  # fmt: skip


def pdf(pages: int = 1, *, password: str | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if password is not None:
        writer.encrypt(password)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def png(width: int = 2, height: int = 2) -> bytes:
    """A PNG whose header says `width`×`height` (the pixels after it need not be there)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(header)) + b"IHDR" + header
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + header) & 0xFFFFFFFF)
    raw = zlib.compress(b"\0" + b"\0" * (3 * width) * height) if width * height < 100 else b""
    idat = (
        struct.pack(">I", len(raw)) + b"IDAT" + raw + struct.pack(">I", zlib.crc32(b"IDAT" + raw))
    )
    end = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + chunk + crc + idat + end


def bomb(inflated: int = 32 * 1024 * 1024) -> bytes:
    """A one-page PDF with a Flate stream of `inflated` zero bytes (a few tens of KB stored)."""
    from pypdf import PdfWriter
    from pypdf.generic import EncodedStreamObject, NameObject, NumberObject

    deflater = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    compressed = b"".join(deflater.compress(chunk) for _ in range(inflated // len(chunk)))
    compressed += deflater.flush()
    stream = EncodedStreamObject()
    stream._data = compressed
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream[NameObject("/Length")] = NumberObject(len(compressed))
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass(frozen=True)
class BadFile:
    name: str  # what the official's browser calls it
    declared: str  # the type declared when the upload was asked for
    content: bytes
    reason: str  # a word the refusal's reason must contain


def corpus() -> list[BadFile]:
    whole = pdf(2)
    return [
        BadFile("png-named.pdf", PDF, png(), "declared application/pdf, but the bytes are PNG"),
        BadFile("page.pdf", PDF, b"<!DOCTYPE html><html><body>%PDF-1.7</body></html>",
                "not a file of an accepted type"),
        BadFile("truncated.pdf", PDF, whole[: len(whole) // 2], "truncated"),
        BadFile("no-xref.pdf", PDF, b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "malformed"),
        BadFile("encrypted.pdf", PDF, pdf(password="mat-khau"), "encrypted"),
        BadFile("bomb.pdf", PDF, bomb(), "decompression bomb"),
        BadFile("over-pages.pdf", PDF, pdf(LIMITS.max_pages + 1), "pages, more than the 5"),
        BadFile("over-size.pdf", PDF, whole + b"%" * LIMITS.max_bytes, "more than the"),
        BadFile("huge.png", PNG_TYPE, png(100_000, 100_000), "pixels"),
        BadFile("empty.pdf", PDF, b"", "empty"),
    ]  # fmt: skip
