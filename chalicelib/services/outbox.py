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
from chalicelib.domain.digest import Digest, holders, own_part
from chalicelib.domain.dossier import Action, Dossier, HistoryEntry
from chalicelib.domain.officials import Official
from chalicelib.domain.procedures import Procedure
from chalicelib.domain.statuses import Role
from chalicelib.ports.officials import OfficialsDirectory
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
    # Who officials are and where their alerts go (ports/officials.py); None: every alert
    # goes to the agencies' shared mailboxes.
    officials: OfficialsDirectory | None = None
    # Whether officials' alerts go by Zalo ZNS too (its template is configured).
    official_zns: bool = False

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
        """Officials' alerts to the official who holds the dossier (and their leader when it
        is late), by e-mail and by ZNS where they have it; to their agencies' mailboxes when
        the holder is unknown or has no address. The supplement reminder goes to the
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
        holder = self._reached(alarm.holder)
        if holder is None:
            return notifications.for_alarm(alarm, self._mailboxes(alarm))
        people = [holder]
        # A holder with no leader in the directory (an agency's head) is told alone.
        if alarm.leader_too and holder.leader not in (None, holder.id):
            leader = self._reached(holder.leader)
            if leader is None:  # leadership still hears of it, at their agencies' mailboxes
                return notifications.for_alarm(
                    alarm, (*self._emails(people), *self._mailboxes(alarm, Role.LEADER))
                )
            people.append(leader)
        phones = tuple(dict.fromkeys(p.zns_phone for p in people if p.zns_phone))
        return notifications.for_alarm(alarm, self._emails(people), phones)

    def _reached(self, official_id: str | None) -> Official | None:
        """The official, when the directory knows them and an alert can reach them (e-mail,
        or ZNS while officials' ZNS is on)."""
        found = self.officials.get(official_id) if self.officials and official_id else None
        if found is None or not (found.email or (self.official_zns and found.zns_phone)):
            return None
        return found if self.official_zns else found.model_copy(update={"zns_phone": None})

    @staticmethod
    def _emails(people: list[Official]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.email for p in people if p.email))

    def _mailboxes(self, alarm: FiredAlarm, role: Role | None = None) -> tuple[str, ...]:
        """The fallback: the shared mailboxes of the agencies the alarm names (of its
        recipients of `role`, when given)."""
        mailboxes: list[str] = []
        for recipient in alarm.recipients:
            agency = self.agencies.get(recipient.agency)
            if agency is not None and role in (None, recipient.role):
                mailboxes += [m for m in agency.digest_recipients if m not in mailboxes]
        return tuple(mailboxes)

    def for_digest(self, digest: Digest) -> list[NotificationJob]:
        """The agency's digest to its mailboxes, and to each official who has some of its
        dossiers in hand and an address, their own part."""
        jobs = notifications.for_digest(digest)
        for official_id in holders(digest) if self.officials is not None else ():
            official = self.officials.get(official_id) if self.officials else None
            if official is not None and official.email:
                jobs += notifications.for_digest(own_part(digest, official.id, (official.email,)))
        return jobs


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
