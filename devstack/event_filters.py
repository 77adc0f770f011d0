"""Lambda's event filtering, as the local runtime applies it to stream records.

In AWS an event source mapping with `FilterCriteria` invokes the function only with records
that match one of its patterns (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html).
This is the part of that syntax the app uses: nested objects; a list of accepted values; and
`{"exists": true|false}`. A record matches a pattern when every key of the pattern matches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_MISSING = object()


def matches_any(patterns: Sequence[Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    return any(_matches(pattern, record) for pattern in patterns)


def _matches(pattern: Mapping[str, Any], value: Any) -> bool:
    if not isinstance(value, Mapping):
        return False
    return all(_field(rule, value.get(key, _MISSING)) for key, rule in pattern.items())


def _field(rule: Any, value: Any) -> bool:
    if isinstance(rule, Mapping):
        return value is not _MISSING and _matches(rule, value)
    if not isinstance(rule, list):
        raise ValueError(f"a filter rule is an object or a list, not {rule!r}")
    for accepted in rule:
        if isinstance(accepted, Mapping) and "exists" in accepted:
            if (value is not _MISSING) == bool(accepted["exists"]):
                return True
        elif value is not _MISSING and value == accepted:
            return True
    return False
