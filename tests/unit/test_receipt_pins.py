"""The receipt PIN: its alphabet, how it is kept (hashed, sealed on the receipt), and that a new
dossier gets one that reaches the citizen (receipt, notice) and no one else (views)."""

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.adapters.catalog_files import load_agencies, load_catalog
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain.masking import redact
from chalicelib.services import pins, reading
from chalicelib.services.intake import IntakeDeps, create_dossier, submit
from chalicelib.services.outbox import Notices
from chalicelib.services.pins import ALPHABET, LENGTH, ReceiptPins, normalise, shown
from tests.unit.test_intake_service import NOW, body, envelope

KEY = b"a-test-key-of-enough-bytes"


def test_the_alphabet_has_no_look_alikes_and_a_pin_draws_from_it_only():
    assert not set("0O1IL UV") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 29
    drawn = [pins.new_pin() for _ in range(300)]
    assert all(len(pin) == LENGTH and set(pin) <= set(ALPHABET) for pin in drawn)
    assert len(set(drawn)) == len(drawn)
    assert set("".join(drawn)) == set(ALPHABET)  # 2,400 draws: every symbol shows up


def test_what_a_citizen_types_is_read_without_case_spaces_or_dashes():
    assert normalise("abcd-efgh") == "ABCDEFGH"
    assert normalise(" ABCD EFGH ") == "ABCDEFGH"
    assert shown("ABCDEFGH") == "ABCD-EFGH"
    for wrong in ("", None, "ABCDEFG", "ABCDEFGHJ", "ABCD-EFG0", "ABCDEFGI", "ABCDEFGH" * 3):
        assert normalise(wrong) is None, wrong


def test_the_hash_opens_with_its_pin_only_and_shows_nothing_of_it():
    keeper = ReceiptPins(KEY)
    pin, kept = keeper.issue()
    assert keeper.verify(pin, kept) and keeper.verify(shown(pin).lower(), kept)
    assert pin not in kept and kept.startswith("h1$")
    assert keeper.hash(pin) != kept  # salted: the same PIN is kept differently each time
    other = pin[:-1] + ("2" if pin[-1] != "2" else "3")
    assert not keeper.verify(other, kept)
    assert not keeper.verify(pin, None)  # a dossier without a PIN opens with none
    assert not keeper.verify(None, kept) and not keeper.verify("", kept)
    assert not keeper.verify(pin, "h1$garbage") and not keeper.verify(pin, "md5$x$y")
    assert not ReceiptPins(b"another-key-of-enough-bytes").verify(pin, kept)  # keyed


@given(st.text(max_size=20))
def test_no_typed_text_opens_a_hash_but_its_pin(typed):
    keeper = pins.DEV_PINS
    pin, kept = "ABCD2345", pins.DEV_PINS.hash("ABCD2345")
    assert keeper.verify(typed, kept) == (normalise(typed) == pin)


def test_a_sealed_pin_opens_on_its_own_receipt_and_with_the_key_only():
    keeper = ReceiptPins(KEY)
    sealed = keeper.seal("ABCD2345", "receipt-1")
    assert "ABCD2345" not in sealed
    assert keeper.unseal(sealed, "receipt-1") == "ABCD2345"
    assert keeper.unseal(sealed, "receipt-2") is None  # moved to another receipt
    assert ReceiptPins(b"another-key-of-enough-bytes").unseal(sealed, "receipt-1") is None
    assert keeper.unseal(None, "receipt-1") is None and keeper.unseal("s1$AAAA", "r") is None


def test_a_short_key_is_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        ReceiptPins(b"short")


@pytest.fixture
def deps(calendar):
    agencies = load_agencies()
    return IntakeDeps(store=MemoryStore(), catalog=load_catalog(None, agencies), agencies=agencies,
                      calendar=calendar, notices=Notices(agencies),
                      pins=ReceiptPins(KEY))  # fmt: skip


def test_a_new_dossier_gets_a_pin_its_receipt_and_notice_carry_and_no_view_shows(deps):
    message = envelope(body())
    receipt = create_dossier(message, deps, now=NOW)
    dossier = deps.store.get(receipt.code)
    view = reading.receipt_view(receipt, deps.pins)
    pin = normalise(view["pin"])
    assert pin is not None and view["pin"] == shown(pin)
    assert deps.pins.verify(pin, dossier.pin_hash)
    assert "pin_sealed" not in view and pin not in json.dumps(view).replace(view["pin"], "")
    assert "pin" not in reading.receipt_view(receipt)  # without the key: not shown
    # The receipt notice (SMS and e-mail text, Zalo data) carries it as printed.
    [notice] = deps.store.outbox
    assert f"Ma tra cuu: {shown(pin)}" in notice.sms_text
    assert f"Mã tra cứu: {shown(pin)}" in notice.text_vi
    assert notice.zns_data["pin"] == shown(pin)
    # Neither the PIN nor its hash is in what officials read, nor in a masked log line.
    record = deps.store.load(receipt.code)
    shown_to_officials = json.dumps(reading.dossier_view(record, deps.catalog))
    assert "pin_hash" not in shown_to_officials and dossier.pin_hash not in shown_to_officials
    assert re.search(pin[:4] + "-?" + pin[4:], shown_to_officials) is None
    masked = json.dumps(redact({"dossier": dossier.model_dump(mode="json"), "pin": pin}))
    assert dossier.pin_hash not in masked and pin not in masked


def test_each_dossier_has_its_own_pin_and_a_redelivery_keeps_it(deps):
    first = create_dossier(envelope(body()), deps, now=NOW)
    again = create_dossier(envelope(body()), deps, now=NOW)
    other = create_dossier(envelope(body(external_id="portal-0002")), deps, now=NOW)
    pin_of = lambda r: reading.receipt_view(r, deps.pins)["pin"]  # noqa: E731
    assert pin_of(first) == pin_of(again) != pin_of(other)
    assert len({d.pin_hash for d in deps.store.dossiers.values()}) == 2


def test_an_update_sent_again_keeps_the_pin_on_its_receipt(deps):
    from chalicelib.adapters.queues import InMemoryPublisher

    first = create_dossier(envelope(body()), deps, now=NOW)
    pin = reading.receipt_view(first, deps.pins)["pin"]
    update = envelope(body(summary="Đăng ký khai sinh (sửa)"))
    update = update.model_copy(update={"updating": True})  # the portal's isUpdating "True"
    queued = submit(update, store=deps.store, publisher=InMemoryPublisher(), queue_url="q")
    assert reading.receipt_view(queued, deps.pins)["pin"] == pin
    updated = create_dossier(update, deps, now=NOW)
    assert updated.status == "accepted", updated
    assert reading.receipt_view(updated, deps.pins)["pin"] == pin


@pytest.mark.parametrize(
    "line",
    [
        "Hồ sơ 000.00.41.H19-260309-0001 đã được tiếp nhận. Mã tra cứu: {shown}. Tra cứu: x",
        "Ho so 000.00.41.H19-260309-0001 da duoc tiep nhan. Ma tra cuu: {shown}",
        "GET /v1/public/dossiers/000.00.41.H19-260309-0001?pin={pin}",
        "{{'pin': '{pin}'}}",
    ],
)
def test_the_masker_hides_a_pin_in_free_text(line):
    pin = "ABCD2345"
    text = line.format(pin=pin, shown=shown(pin))
    masked = redact(text)
    assert "ABCD" not in masked and "2345" not in masked, masked
    assert "000.00.41.H19-260309-0001" in masked or "pin" in masked  # the code stays
