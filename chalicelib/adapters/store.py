"""Keys shared by the dossier store's implementations (DynamoDB and the in-memory fake).

The store's protocols, records and errors are ports (`chalicelib.ports`); what is here is how
both implementations lay dossiers out in their indexes, so that they page and shard alike.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from chalicelib.domain.dossier import Dossier
from chalicelib.ports.records import DUE_SHARDS, utc_key


def due_shard(code: str) -> int:
    # A stable hash (not Python's salted hash()): the same code lands in the same shard always.
    return sum(code.encode()) % DUE_SHARDS


COUNTER_SHARDS = 8


def counter_shard(code: str) -> int:
    """Which of an agency-month-procedure's counter items a dossier's changes add to. Every
    resolving transaction of one procedure in one month would otherwise update the same item,
    and DynamoDB cancels transactions that meet on an item (TransactionConflict)."""
    return zlib.crc32(code.encode()) % COUNTER_SHARDS


def on_worklist(dossier: Dossier) -> bool:
    return not dossier.status.is_closed


def due_until_key(until: datetime) -> str:
    """The largest due-index sort key at or before `until` ("~" sorts after any code)."""
    return f"{utc_key(until)}#~"
