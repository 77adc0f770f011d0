"""The record of the forms issued as files (DynamoDB on moto, and the fake): one item per
(partition, slot), replaced by the next issue, apart from every other partition and slot, and
invisible to the dossier store that shares the dossier's partition."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamo_store import DynamoStore
from chalicelib.adapters.issued_forms import DynamoIssuedForms, MemoryIssuedForms
from chalicelib.ports.issued_forms import IssuedForm
from tests.unit.builders import at

CODE = "000.00.41.H19-260302-0001"
T0 = at(2026, 3, 2, 9)


@pytest.fixture(params=["memory", "dynamo"])
def issued(request):
    if request.param == "memory":
        return MemoryIssuedForms()
    return DynamoIssuedForms(request.getfixturevalue("table"))


def form(revision: int, form_code: str = "01") -> IssuedForm:
    return IssuedForm(form=form_code, source=str(revision), key=f"forms/{CODE}/01/{revision}.pdf",
                      sha256=f"{revision:064d}", size=1000 + revision,
                      content_type="application/pdf", filename=f"{CODE}-mau-01.pdf",
                      at=T0)  # fmt: skip


def test_an_issued_form_is_read_back_and_replaced_by_the_next(issued):
    partition = f"D#{CODE}"
    assert issued.get(partition, "01") is None
    issued.put(partition, "01", form(2))
    assert issued.get(partition, "01") == form(2)
    issued.put(partition, "01", form(3))
    assert issued.get(partition, "01") == form(3)


def test_slots_and_partitions_are_apart(issued):
    issued.put(f"D#{CODE}", "01", form(2))
    issued.put(f"D#{CODE}", "01-pin", form(5))
    assert issued.get(f"D#{CODE}", "06") is None
    assert issued.get(f"D#{CODE}", "01-pin") == form(5)
    assert issued.get("BOOK#000.00.41.H19", "01") is None
    assert issued.get(f"D#{CODE}", "01") == form(2)


def test_the_dossier_store_ignores_the_form_items_of_its_partition(table):
    DynamoIssuedForms(table).put(f"D#{CODE}", "01", form(2))
    assert DynamoStore(table).load(CODE) is None  # no state item: still no dossier
