"""The notices a change causes, with what the services know: agency names, the survey link.

The jobs are written in the same transaction as the change (history entry, alarm, digest):
that item is the outbox the stream relays, so a crash between the write and the send loses
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain import notifications
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.alarms import AlarmKind, FiredAlarm
from chalicelib.domain.calendar import LOCAL_TZ, TimeUnit
from chalicelib.domain.digest import Digest
from chalicelib.domain.dossier import Action, Dossier, HistoryEntry
from chalicelib.domain.procedures import Procedure
from chalicelib.ports.queues import Publisher
from chalicelib.ports.stream import OutboxWritten

NotificationJob = notifications.NotificationJob
SURVEY_LINK_MAX = 100  # the survey invitation's `link` placeholder (domain/messages.py)


@dataclass(frozen=True)
class Notices:
    agencies: AgencyRegistry
    survey_url: str = ""  # e.g. https://dichvucong.dongnai.gov.vn/danh-gia?ma={code}
    # The public lookup page, e.g. https://dichvucong.dongnai.gov.vn/tra-cuu?ma={code}
    lookup_url: str = ""
    # The signed rating link of a dossier (services/rating_links.py), when no survey_url.
    rating_link: Callable[[str], str] | None = None

    def _name(self, agency: str) -> str:
        return self.agencies.name_of(agency)

    def _counter(self, dossier: Dossier) -> str:
        # Where the applicant hands in and collects: the counter that received the dossier.
        return f"Bộ phận Một cửa - {self._name(dossier.received_by.agency)}"

    def _lookup(self, dossier: Dossier) -> str | None:
        return self.lookup_url.format(code=dossier.code) if self.lookup_url else None

    def _survey(self, dossier: Dossier, entry: HistoryEntry) -> str | None:
        if entry.action is not Action.RETURN_RESULT:
            return None  # the rating link is asked for only when it is sent
        if self.survey_url:
            return self.survey_url.format(code=dossier.code)
        link = self.rating_link(dossier.code) if self.rating_link else None
        # It travels by SMS in 100 characters (messages.py): a longer public address would
        # make the invitation unrenderable; without it the result notice still goes.
        return link if link and len(link) <= SURVEY_LINK_MAX else None

    def for_entry(self, dossier: Dossier, entry: HistoryEntry, procedure: Procedure,
                  pin: str | None = None) -> list[NotificationJob]:  # fmt: skip
        """`pin`: the receipt PIN, known only when the dossier is opened (else never kept)."""
        return notifications.for_entry(
            dossier,
            entry,
            # The agency that acted: the one that apologises (Mẫu 04) or stops (Mẫu 05).
            agency_name=self._name(entry.actor_agency),
            result_place=self._counter(dossier),
            survey_link=self._survey(dossier, entry),
            fees_vnd=procedure.total_fees_vnd,
            hours=procedure.time_limit.unit is TimeUnit.WORKING_HOURS,
            lookup_link=self._lookup(dossier),
            pin=pin,
        )

    def for_alarm(
        self, alarm: FiredAlarm, dossier: Dossier | None = None, procedure: Procedure | None = None
    ) -> list[NotificationJob]:
        """Officials' alerts to their agencies' mailboxes; the supplement reminder goes to the
        applicant instead, and needs the dossier (without it, nothing is sent)."""
        if alarm.kind is AlarmKind.SUPPLEMENT_REMINDER:
            if dossier is None:
                return []
            hours = procedure is not None and procedure.time_limit.unit is TimeUnit.WORKING_HOURS
            return notifications.for_supplement_reminder(
                alarm,
                dossier,
                counter=self._counter(dossier),
                lookup_link=self._lookup(dossier),
                hours=hours,
            )
        mailboxes: list[str] = []
        for recipient in alarm.recipients:
            agency = self.agencies.get(recipient.agency)
            if agency is not None:
                mailboxes += [m for m in agency.digest_recipients if m not in mailboxes]
        return notifications.for_alarm(alarm, tuple(mailboxes))

    def for_digest(self, digest: Digest) -> list[NotificationJob]:
        return notifications.for_digest(digest)


def relay(written: OutboxWritten, publisher: Publisher, queue_url: str) -> None:
    """The jobs a new item carried, onto the notifications queue (the stream relay)."""
    for job in written.jobs:
        publisher.send(queue_url, job.model_dump(mode="json"))


def outbox_listing(messages: Iterable[Mapping[str, Any]], code: str | None = None) -> list[str]:
    """The local stage's outbox as a person reads it (`cli outbox`): Vietnam time, channel,
    recipient, job key, then the text; a ZNS refusal that fell back to SMS says so."""
    lines = []
    for message in messages:
        if code and code not in message.get("key", ""):
            continue
        parts = f" ({message['parts']} SMS)" if message.get("parts") else ""
        shown = message.get("subject") or message.get("text", "")
        if message.get("refused"):
            shown = f"✗ not sent ({message['refused']}): falls back to the next channel"
        lines.append(
            f"{vietnam_time(message.get('at', ''))}  {message.get('channel', '?'):<5} "
            f"{message.get('to', ''):<28} {message.get('key', '')}{parts}\n    {shown}"
        )
    return lines


def vietnam_time(at: str) -> str:
    """An ISO moment with its offset as people here read it: 05/12/2026 16:40:01 (Vietnam
    time); anything else as it is."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is None:
        return at
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S")
