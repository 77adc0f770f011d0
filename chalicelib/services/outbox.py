"""The notices a change causes, with what the services know: agency names, the survey link.

The jobs are written in the same transaction as the change (history entry, alarm, digest):
that item is the outbox the stream relays, so a crash between the write and the send loses
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import notifications
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.alarms import FiredAlarm
from chalicelib.domain.calendar import TimeUnit
from chalicelib.domain.digest import Digest
from chalicelib.domain.dossier import Dossier, HistoryEntry
from chalicelib.domain.procedures import Procedure
from chalicelib.ports.records import JOBS_JSON

NotificationJob = notifications.NotificationJob


@dataclass(frozen=True)
class Notices:
    agencies: AgencyRegistry
    survey_url: str = ""  # e.g. https://dichvucong.dongnai.gov.vn/danh-gia?ma={code}

    def _name(self, agency: str) -> str:
        return self.agencies.name_of(agency)

    def for_entry(self, dossier: Dossier, entry: HistoryEntry,
                  procedure: Procedure) -> list[NotificationJob]:  # fmt: skip
        desk = self._name(dossier.received_by.agency)
        return notifications.for_entry(
            dossier,
            entry,
            agency_name=self._name(dossier.resolving_agency),
            result_place=f"Bộ phận Một cửa - {desk}",
            survey_link=self.survey_url.format(code=dossier.code) if self.survey_url else None,
            fees_vnd=procedure.total_fees_vnd,
            hours=procedure.time_limit.unit is TimeUnit.WORKING_HOURS,
        )

    def for_alarm(self, alarm: FiredAlarm) -> list[NotificationJob]:
        mailboxes: list[str] = []
        for recipient in alarm.recipients:
            agency = self.agencies.get(recipient.agency)
            if agency is not None:
                mailboxes += [m for m in agency.digest_recipients if m not in mailboxes]
        return notifications.for_alarm(alarm, tuple(mailboxes))

    def for_digest(self, digest: Digest) -> list[NotificationJob]:
        return notifications.for_digest(digest)


# The stream records the relay needs (Lambda event filtering: the others never invoke it): a new
# item carrying an outbox (history entry, alarm, digest), and any write of a dossier's state (the
# national portal sync). Most writes are neither: command markers, receipts, counters, sequences,
# the delivery log, replay-guard signatures.
RELAY_FILTERS: list[dict[str, Any]] = [
    {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"outbox": {"S": [{"exists": True}]}}}},
    {"eventName": ["INSERT", "MODIFY"], "dynamodb": {"NewImage": {"SK": {"S": ["STATE"]}}}},
]


def jobs_in(stream_record: Mapping[str, Any]) -> list[NotificationJob]:
    """The jobs an item carried when it was written (only new items: a job is sent once)."""
    if stream_record.get("eventName") != "INSERT":
        return []
    image = stream_record.get("dynamodb", {}).get("NewImage", {})
    carried = image.get("outbox", {}).get("S")
    return JOBS_JSON.validate_json(carried) if carried else []
