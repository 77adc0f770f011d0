"""The agency registry's sources (files, the table's item, the fake) keep the same promises:
what was stored is what is read, and any change moves the version a worker compares."""

import os

import pytest

from chalicelib.adapters.catalog_files import AGENCIES_FILE, AGENCY_ALIASES_FILE, DATA_DIR
from chalicelib.adapters.reference_data import (
    FileReference,
    MemoryReference,
    StaleReference,
    TableReference,
)

AGENCIES = (DATA_DIR / AGENCIES_FILE).read_bytes()
ALIASES = (DATA_DIR / AGENCY_ALIASES_FILE).read_bytes()
EDITED = ALIASES + b"\n# edited by the province\n"


def write_files(folder, agencies, aliases):
    (folder / AGENCIES_FILE).write_bytes(agencies)
    (folder / AGENCY_ALIASES_FILE).write_bytes(aliases)
    # Two edits within the file system's time resolution still differ by size or by this.
    stamp = os.stat(folder / AGENCY_ALIASES_FILE).st_mtime_ns + 1_000_000
    os.utime(folder / AGENCY_ALIASES_FILE, ns=(stamp, stamp))


@pytest.fixture(params=["memory", "files", "table"])
def source(request, tmp_path):
    """(the source, a function that stores new texts in it)."""
    if request.param == "memory":
        found = MemoryReference(AGENCIES, ALIASES)
        return found, found.set
    write_files(tmp_path, AGENCIES, ALIASES)
    files = FileReference(tmp_path)
    if request.param == "files":
        return files, lambda agencies, aliases: write_files(tmp_path, agencies, aliases)
    table = TableReference(request.getfixturevalue("table"), files)
    table.write(AGENCIES, ALIASES, after=table.version())
    return table, lambda agencies, aliases: table.write(agencies, aliases, after=table.version())


def test_what_is_stored_is_read_with_its_version(source):
    found, _ = source
    texts = found.read()
    assert (texts.agencies, texts.aliases) == (AGENCIES, ALIASES)
    assert texts.version == found.version() and texts.origin


def test_a_change_moves_the_version_and_is_read(source):
    found, store = source
    before = found.version()
    store(AGENCIES, EDITED)
    assert found.version() != before
    assert found.read().aliases == EDITED
    again = found.version()
    assert found.version() == again  # nothing changed: the same version


def test_the_table_falls_back_to_the_files_until_a_push(table, tmp_path):
    write_files(tmp_path, AGENCIES, ALIASES)
    files = FileReference(tmp_path)
    reference = TableReference(table, files)
    assert reference.version() == files.version() and reference.read().aliases == ALIASES
    pushed = reference.write(AGENCIES, EDITED, after=reference.version())
    assert pushed == "table:1" == reference.version() and reference.read().aliases == EDITED


def test_a_push_from_a_stale_read_is_refused_and_changes_nothing(table, tmp_path):
    write_files(tmp_path, AGENCIES, ALIASES)
    reference = TableReference(table, FileReference(tmp_path))
    seen = reference.version()
    reference.write(AGENCIES, EDITED, after=seen)
    with pytest.raises(StaleReference):
        reference.write(AGENCIES, ALIASES, after=seen)
    assert reference.read().aliases == EDITED and reference.version() == "table:1"
