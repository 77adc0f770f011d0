"""The local stage's provider: every message becomes one JSON line in a file, so a developer
sees what citizens would receive (`read_outbox` feeds the CLI) without sending anything."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalicelib.domain.sms import sms_parts
from chalicelib.notify.model import Channel, Outcome, OutgoingMessage, SendResult
from chalicelib.notify.providers import clip, new_message_id

DEFAULT_OUTBOX = Path(__file__).resolve().parents[3] / ".local-state" / "outbox.jsonl"

_append_lock = threading.Lock()  # the local stack runs pollers on threads: keep lines whole


class LocalOutboxProvider:
    def __init__(self, name: str, channel: Channel, path: Path | str = DEFAULT_OUTBOX) -> None:
        self.name = name
        self.channel = channel
        self.path = Path(path)

    def send(self, message: OutgoingMessage, *, refused: str | None = None) -> SendResult:
        """`refused`: why the real provider refused it (recorded, for the local stage to show
        the fallback that followed)."""
        message_id = new_message_id("local")
        record: dict[str, Any] = {
            "id": message_id,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "provider": self.name,
            "channel": message.channel.value,
            "key": message.key,
            "to": message.to,
            "text": message.text,
        }
        if refused:
            record["refused"] = refused
        if message.subject:
            record["subject"] = message.subject
        if message.template_id:
            record["template_id"] = message.template_id
            record["template_data"] = dict(message.template_data)
        parts = sms_parts(message.text).parts if message.channel == Channel.SMS else None
        if parts is not None:
            record["parts"] = parts
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            with _append_lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a+b") as out:
                    end = out.seek(0, os.SEEK_END)
                    if end:
                        out.seek(end - 1)
                        if out.read(1) != b"\n":
                            line = b"\n" + line  # a torn last line must not swallow this one
                    out.write(line)  # append mode: always at the end, whatever the seek
        except OSError as exc:
            return SendResult(Outcome.TRANSIENT, self.name, error=clip(f"outbox: {exc}"))
        return SendResult(Outcome.ACCEPTED, self.name, provider_message_id=message_id, parts=parts)


def read_outbox(path: Path | str = DEFAULT_OUTBOX) -> list[dict[str, Any]]:
    """Every message written so far, oldest first; [] when nothing was sent. A line that is not
    JSON (a write cut short) is skipped rather than hiding all the others."""
    outbox = Path(path)
    if not outbox.exists():
        return []
    messages: list[dict[str, Any]] = []
    for line in outbox.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            messages.append(item)
    return messages
