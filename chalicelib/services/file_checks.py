"""Is a file what it says it is, and safe to keep? A pure check of the bytes given.

The type is sniffed from the bytes (magic numbers), never taken from the name or the declared
type; a declared type that differs is refused. Limits: size, a PDF's pages, an image's pixels.
A PDF is parsed (pypdf, strict) but never rendered, and refused when it is truncated or
malformed, encrypted, or a decompression bomb. How a bomb is caught without inflating it:
every Flate stream is inflated in bounded chunks and only counted, never kept, stopping at the
first stream past `stream_max_inflated` or when all of them together pass
`total_max_inflated`; the object count (the trailer's `/Size`) and the page tree's `/Count` are
read before anything is walked. pypdf's own limits (75 MB a stream) stay beneath this.
Images are never decoded: their dimensions come from the header (PNG `IHDR`, JPEG `SOFn`).
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from chalicelib.services.errors import FieldIssue, Invalid

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
INFLATE_CHUNK = 1024 * 1024
# JPEG start-of-frame markers (baseline, progressive, lossless …): not DHT, JPG nor DAC.
JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


@dataclass(frozen=True)
class FileLimits:
    types: frozenset[str] = frozenset({PDF, JPEG, PNG})
    max_bytes: int = 20 * 1024 * 1024
    max_pages: int = 200
    max_pixels: int = 50_000_000
    max_objects: int = 200_000
    stream_max_inflated: int = 64 * 1024 * 1024
    total_max_inflated: int = 256 * 1024 * 1024


@dataclass(frozen=True)
class CheckedFile:
    """The facts recorded of a file that passed."""

    sha256: str
    size: int
    content_type: str
    pages: int | None = None


def refused(reason: str, message_vi: str) -> Invalid:
    return Invalid(f"file refused: {reason}", errors=[FieldIssue("file", reason, message_vi)])


def sniff(data: bytes) -> str | None:
    """The type the bytes are, by their magic number; None for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(PNG_MAGIC):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def check_file(data: bytes, limits: FileLimits, *, declared_type: str | None = None) -> CheckedFile:
    """The file's facts, or Invalid naming `file` and why (English and Vietnamese)."""
    if not data:
        raise refused("the file is empty", "Tệp rỗng")
    if len(data) > limits.max_bytes:
        raise refused(
            f"{len(data)} bytes, more than the {limits.max_bytes} allowed",
            f"Tệp vượt quá dung lượng cho phép ({_megabytes(limits.max_bytes)} MB)",
        )
    kind = sniff(data)
    accepted = ", ".join(NAMES.get(t, t) for t in sorted(limits.types))
    if kind is None or kind not in limits.types:
        raise refused(
            f"the bytes are not a file of an accepted type ({accepted}), whatever its name or "
            "declared type says",
            f"Nội dung tệp không phải loại được chấp nhận ({accepted}), dù tên tệp ghi gì",
        )
    if declared_type is not None and declared_type != kind:
        raise refused(
            f"declared {declared_type}, but the bytes are {NAMES[kind]}",
            f"Loại tệp khai báo ({declared_type}) không khớp nội dung tệp ({NAMES[kind]})",
        )
    pages = None
    if kind == PDF:
        pages = check_pdf(data, limits)
    else:
        width, height = png_size(data) if kind == PNG else jpeg_size(data)
        check_pixels(width, height, limits)
    return CheckedFile(hashlib.sha256(data).hexdigest(), len(data), kind, pages)


def check_pixels(width: int, height: int, limits: FileLimits) -> None:
    if width <= 0 or height <= 0:
        raise refused("the image header gives no size", "Tệp ảnh bị hỏng")
    if width * height > limits.max_pixels:
        raise refused(
            f"{width}×{height} pixels, more than the {limits.max_pixels} allowed",
            "Ảnh có kích thước (số điểm ảnh) vượt quá giới hạn cho phép",
        )


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first."""
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise refused("the PNG header (IHDR) is missing or truncated", "Tệp ảnh PNG bị hỏng")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from the first start-of-frame segment, walking the markers."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in JPEG_SOF:
            if at + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return int(width), int(height)
        if marker == 0xDA or length < 2:  # image data before any frame header
            break
        at += 2 + length
    raise refused("the JPEG has no frame header (SOF)", "Tệp ảnh JPEG bị hỏng")


# -- PDF --------------------------------------------------------------------------------------
def check_pdf(data: bytes, limits: FileLimits) -> int:
    """The page count of a PDF that is whole, unencrypted and no bomb."""
    from pypdf import PdfReader  # heavy: only where files are checked
    from pypdf.errors import PyPdfError

    if b"%%EOF" not in data[-2048:]:
        raise _malformed("no %%EOF marker at its end (truncated)")
    try:
        reader = PdfReader(BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise refused(
                "the PDF is encrypted",
                "Tệp PDF được đặt mật khẩu hoặc mã hóa; vui lòng nộp bản không mã hóa",
            )
        objects = int(reader.trailer.get("/Size", 0))
        if objects > limits.max_objects:
            raise refused(
                f"the PDF has {objects} objects, more than the {limits.max_objects} allowed",
                "Tệp PDF có cấu trúc quá phức tạp",
            )
        root: Any = reader.trailer["/Root"]
        declared = int(root["/Pages"].get("/Count", 0))
        _check_pages(declared, limits)
        _check_streams(reader, limits)
        pages = len(reader.pages)
    except Invalid:
        raise
    except (PyPdfError, RecursionError, KeyError, TypeError, ValueError, zlib.error) as error:
        raise _malformed(f"{type(error).__name__}: {error}"[:300]) from None
    _check_pages(pages, limits)
    if pages == 0:
        raise _malformed("no pages")
    return pages


def _check_pages(pages: int, limits: FileLimits) -> None:
    if pages > limits.max_pages:
        raise refused(
            f"the PDF has {pages} pages, more than the {limits.max_pages} allowed",
            f"Tệp PDF có {pages} trang, vượt quá {limits.max_pages} trang cho phép",
        )


def _malformed(reason: str) -> Invalid:
    return refused(f"the PDF is malformed: {reason}", "Tệp PDF bị hỏng hoặc không đầy đủ")


def _bomb(detail: str) -> Invalid:
    return refused(
        f"the PDF is a decompression bomb: {detail}",
        "Tệp PDF chứa dữ liệu nén bất thường (nghi là bom giải nén); không được chấp nhận",
    )


def _check_streams(reader: Any, limits: FileLimits) -> None:
    """Inflate (count only) every Flate stream of the file's cross-reference table."""
    from pypdf.generic import IndirectObject, StreamObject

    total = 0
    for generation, offsets in reader.xref.items():
        for number in offsets:
            found = reader.get_object(IndirectObject(number, generation, reader))
            if not isinstance(found, StreamObject):
                continue
            _check_image(found, limits)
            inflated = _inflated_size(found, limits.stream_max_inflated)
            if inflated is None:
                raise _bomb(
                    f"object {number} inflates past {limits.stream_max_inflated} bytes "
                    f"from {len(found._data)}"
                )
            total += inflated
            if total > limits.total_max_inflated:
                raise _bomb(f"its streams inflate past {limits.total_max_inflated} bytes")


def _check_image(stream: Any, limits: FileLimits) -> None:
    if stream.get("/Subtype") == "/Image":
        check_pixels(int(stream.get("/Width", 0)), int(stream.get("/Height", 0)), limits)


def _filters(stream: Any) -> list[str]:
    found = stream.get("/Filter")
    if found is None:
        return []
    return [str(f) for f in found] if isinstance(found, list) else [str(found)]


def _inflated_size(stream: Any, bound: int) -> int | None:
    """What the stream's leading Flate filters inflate it to; None past `bound`. The last Flate
    stage is counted, never kept; an earlier stage's output (a chain of Flate filters, rare)
    is kept, up to `bound`."""
    filters = _filters(stream)
    flate = 0
    while flate < len(filters) and filters[flate] in ("/FlateDecode", "/Fl"):
        flate += 1
    data: bytes = stream._data  # the raw bytes as stored (pypdf decodes only on get_data)
    if flate == 0:
        return len(data)
    for _ in range(flate - 1):
        kept = bytearray()
        if _inflate(data, bound, kept.extend) is None:
            return None
        data = bytes(kept)
    return _inflate(data, bound, lambda _chunk: None)


def _inflate(data: bytes, bound: int, take: Callable[[bytes], None]) -> int | None:
    """Inflate `data` in chunks of at most INFLATE_CHUNK bytes, each handed to `take`; the
    size inflated, or None as soon as it passes `bound` (never more than a chunk beyond)."""
    inflater = zlib.decompressobj()
    size, pending = 0, data
    while True:  # an empty input still drains what zlib holds past the last chunk's limit
        out = inflater.decompress(pending, INFLATE_CHUNK)
        size += len(out)
        if size > bound:
            return None
        take(out)
        pending = inflater.unconsumed_tail
        if inflater.eof or (not out and not pending):
            return size


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"
