"""Large JSON attributes stored deflated (binary `B`): a dossier's state, a history entry, an
outbox. Every change writes them inside a transaction (2 WRU per started KB) and they are kept
for years (storage and PITR per byte), so a third to a half less is worth a few microseconds
of zlib (docs/benchmarks.md). Plain JSON (`S`) written before packing still reads.

A value comes as `{"B": bytes}` from boto3 and as `{"B": "<base64>"}` in a Lambda stream event.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping
from typing import Any

LEVEL = 9  # the smallest output; at these sizes the level costs nothing measurable


def pack(text: str | bytes) -> dict[str, bytes]:
    raw = text.encode() if isinstance(text, str) else text
    return {"B": zlib.compress(raw, LEVEL)}


def unpack(value: Mapping[str, Any]) -> bytes:
    """The JSON text of an attribute value, packed or plain."""
    if "S" in value:
        return str(value["S"]).encode()
    packed = value["B"]
    if isinstance(packed, str):
        packed = base64.b64decode(packed)
    return zlib.decompress(packed)
