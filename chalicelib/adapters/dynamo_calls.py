"""Two DynamoDB call patterns used by every adapter: read all pages, run a transaction."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


def query_all(db: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item a Query matches, following LastEvaluatedKey."""
    return _all_pages(db.query, kwargs)


def scan_all(db: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item a Scan returns: for operator commands only, never on a request's path."""
    return _all_pages(db.scan, kwargs)


def _all_pages(call: Any, kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = call(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def transact(db: Any, items: list[dict[str, Any]]) -> list[str] | None:
    """None when the transaction was written; else the cancellation reason of each item, in
    order ("ConditionalCheckFailed", "None", …). Other errors propagate."""
    try:
        db.transact_write_items(TransactItems=items)
    except ClientError as error:
        if error.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons = error.response.get("CancellationReasons") or []
        return [reason.get("Code", "None") for reason in reasons]
    return None
