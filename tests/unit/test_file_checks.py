"""The byte check of uploads: every file of the bad corpus refused, naming `file`, in English
and Vietnamese; good files give the facts recorded."""

from __future__ import annotations

import hashlib

import pytest

from chalicelib.services.errors import Invalid
from chalicelib.services.file_checks import FileLimits, check_file, jpeg_size, sniff
from tests.unit import bad_files
from tests.unit.bad_files import LIMITS

CORPUS = bad_files.corpus()


@pytest.mark.parametrize("bad", CORPUS, ids=[b.name for b in CORPUS])
def test_each_bad_file_is_refused_naming_the_file_and_why(bad):
    with pytest.raises(Invalid) as refused:
        check_file(bad.content, LIMITS, declared_type=bad.declared)
    (issue,) = refused.value.errors
    assert issue.field == "file"
    assert bad.reason in issue.reason
    assert issue.message and issue.message != issue.reason  # Vietnamese for the official


def test_a_good_pdf_gives_its_hash_size_type_and_pages():
    content = bad_files.pdf(3)
    checked = check_file(content, LIMITS, declared_type="application/pdf")
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert (checked.size, checked.content_type, checked.pages) == (
        len(content),
        "application/pdf",
        3,
    )


def test_the_type_comes_from_the_bytes_not_the_declaration():
    assert sniff(bad_files.png()) == "image/png"
    assert sniff(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert sniff(b"GIF89a") is None
    assert check_file(bad_files.png(), LIMITS).content_type == "image/png"


def test_a_type_left_out_of_the_setting_is_refused_even_when_real():
    only_pdf = FileLimits(types=frozenset({"application/pdf"}))
    with pytest.raises(Invalid, match="not a file of an accepted type"):
        check_file(bad_files.png(), only_pdf)


def test_a_jpeg_size_comes_from_its_frame_header_without_decoding():
    frame = b"\xff\xc0\x00\x11\x08" + (3000).to_bytes(2, "big") + (4000).to_bytes(2, "big")
    jpeg = b"\xff\xd8" + b"\xff\xe0\x00\x04ab" + frame + b"\x03" + b"\0" * 9 + b"\xff\xd9"
    assert jpeg_size(jpeg) == (4000, 3000)
    with pytest.raises(Invalid, match="pixels"):
        check_file(jpeg, FileLimits(max_pixels=1_000_000))
    with pytest.raises(Invalid, match="no frame header"):
        check_file(b"\xff\xd8\xff\xda\x00\x02", LIMITS)


def test_a_bomb_is_stopped_before_it_is_inflated_whole():
    """Only the bound is inflated: a stream of 32 MB of zeros, stopped at 8 MB."""
    import tracemalloc

    content = bad_files.bomb()
    tracemalloc.start()
    with pytest.raises(Invalid, match="decompression bomb"):
        check_file(content, LIMITS)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 16 * 1024 * 1024
