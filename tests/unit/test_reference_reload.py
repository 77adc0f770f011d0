"""The agency registry and aliases are reloaded by a running process when their source moves,
without a deploy; a registry the catalog does not accept is refused and the one in use kept."""

from chalicelib.adapters.catalog_files import AGENCIES_FILE, AGENCY_ALIASES_FILE, DATA_DIR
from chalicelib.adapters.reference_data import MemoryReference
from chalicelib.bootstrap import Container
from chalicelib.services.counters import RecordedCounts
from chalicelib.settings import Settings

AGENCIES = (DATA_DIR / AGENCIES_FILE).read_bytes()
ALIASES = (DATA_DIR / AGENCY_ALIASES_FILE).read_bytes()
NEW_NAME = "Ủy ban nhân dân thị xã Long Khánh cũ"
WITH_NEW_ALIAS = (
    ALIASES
    + f"""
  - code: "000.00.41.H19"
    names: ["{NEW_NAME}"]
    former_codes: ["000.00.99.H43"]
""".encode()
)


def container(reference, seconds=300.0, counts=None):
    settings = Settings(reference_refresh_seconds=seconds)
    return Container(settings, reference=reference, counter=counts or RecordedCounts())


def test_a_new_alias_is_used_after_the_source_moves_and_what_depends_on_it_is_rebuilt():
    reference = MemoryReference(AGENCIES, ALIASES)
    deps = container(reference, seconds=0)
    assert deps.agencies.resolve(NEW_NAME) is None
    catalog, notices = deps.catalog, deps.notices
    assert deps.refresh_reference() is False  # nothing moved
    reference.set(AGENCIES, WITH_NEW_ALIAS)
    assert deps.refresh_reference() is True
    assert deps.agencies.resolve(NEW_NAME) == "000.00.41.H19"
    assert deps.agencies.resolve("000.00.99.H43") == "000.00.41.H19"
    assert deps.catalog is not catalog and deps.notices is not notices
    assert deps.intake_deps().agencies is deps.agencies  # the next message uses the new one


def test_the_source_is_asked_at_most_once_per_interval():
    reference = MemoryReference(AGENCIES, ALIASES)
    deps = container(reference, seconds=3600)
    before = deps.agencies
    reference.set(AGENCIES, WITH_NEW_ALIAS)
    assert deps.refresh_reference() is False and deps.agencies is before  # not yet looked
    assert deps.refresh_reference(force=True) is True
    assert deps.agencies.resolve(NEW_NAME) == "000.00.41.H19"


def test_a_registry_the_catalog_cannot_use_is_refused_and_the_old_one_kept():
    reference = MemoryReference(AGENCIES, ALIASES)
    counts = RecordedCounts()
    deps = container(reference, seconds=0, counts=counts)
    before, catalog = deps.agencies, deps.catalog
    # The land registration office disappears: procedures name it as their resolving agency.
    broken = AGENCIES.replace(b'code: "000.01.09.H19"', b'code: "000.01.98.H19"')
    assert broken != AGENCIES
    reference.set(broken, ALIASES.replace(b"000.01.09.H19", b"000.01.98.H19"))
    assert deps.refresh_reference() is False
    assert deps.agencies is before and deps.catalog is catalog
    assert counts.counted == [("ReferenceReloadRefused", 1, {})]
    assert deps.refresh_reference() is False and len(counts.counted) == 1  # not tried again


def test_parts_given_by_a_test_are_never_reloaded():
    from chalicelib.adapters.catalog_files import load_agencies

    given = load_agencies()
    deps = Container(Settings(reference_refresh_seconds=0), agencies=given)
    assert deps.refresh_reference(force=True) is False and deps.agencies is given
