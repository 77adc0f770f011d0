"""The relay's event filters, applied as Lambda applies them: it is invoked for what it relays
(new items with an outbox, any write of a dossier's state) and for nothing else."""

import pytest

from chalicelib.adapters.table_stream import RELAY_FILTERS
from devstack.event_filters import matches_any


def record(event, sk, **attributes):
    image = {"PK": {"S": "D#000.00.41.H19-261121-0001"}, "SK": {"S": sk}, **attributes}
    return {"eventName": event, "dynamodb": {"Keys": {}, "NewImage": image}}


OUTBOX = {"outbox": {"B": "eNqLjgUAARUAuQ=="}}  # packed, as the stream event carries it
PLAIN_OUTBOX = {"outbox": {"S": "[]"}}  # written before packing


@pytest.mark.parametrize(
    ("stream_record", "relayed"),
    [
        (record("INSERT", "H#000002", **OUTBOX), True),  # a history entry's notices
        (record("INSERT", "A#due_soon", **OUTBOX), True),  # an alarm's
        (record("INSERT", "H#000003", **PLAIN_OUTBOX), True),  # one written before packing
        (record("INSERT", "STATE"), True),  # a new dossier: the portal sync
        (record("MODIFY", "STATE"), True),  # a changed one
        (record("MODIFY", "H#000002", **OUTBOX), False),  # jobs are sent once, when new
        (record("INSERT", "C#command"), False),  # a command marker
        (record("INSERT", "R#command"), False),  # a refusal
        (record("INSERT", "PSYNC"), False),  # the sync's own mark
        (record("MODIFY", "P#1.001193"), False),  # a counter
        ({"eventName": "REMOVE", "dynamodb": {"Keys": {}}}, False),  # TTL expiry
    ],
)
def test_the_relay_sees_only_what_it_relays(stream_record, relayed):
    assert matches_any(RELAY_FILTERS, stream_record) is relayed


def test_exists_false_and_literal_values():
    patterns = [{"a": {"b": [{"exists": False}]}, "c": ["x", 2]}]
    assert matches_any(patterns, {"a": {}, "c": 2})
    assert not matches_any(patterns, {"a": {"b": 1}, "c": 2})
    assert not matches_any(patterns, {"a": {}, "c": "y"})
    assert not matches_any(patterns, {"c": "x"})  # a nested object must be there
    with pytest.raises(ValueError):
        matches_any([{"a": "not a list"}], {"a": "x"})
