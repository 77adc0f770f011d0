"""The dossier (hồ sơ) as the state machine sees it, and the records each change leaves."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.domain.statuses import ApplicantKind, Channel, DossierStatus, Role


class Action(StrEnum):
    SUBMIT = "submit"  # created by a portal, waits for the counter's check (status 1)
    RECEIVE = "receive"
    REFUSE = "refuse"
    TAKE_UP = "take_up"
    FORWARD = "forward"
    SEND_BACK = "send_back"
    TRANSFER = "transfer"
    TRANSFER_BACK = "transfer_back"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT_RECEIVED = "supplement_received"
    REQUEST_FEES = "request_fees"
    FEES_PAID = "fees_paid"
    WITHDRAW = "withdraw"
    STOP = "stop"
    RESOLVE = "resolve"
    RETURN_RESULT = "return_result"
    EXTEND_WITH_APOLOGY = "extend_with_apology"
    RECOMPUTE_DUE = "recompute_due"  # the calendar changed: due dates counted again
    RETURN_INELIGIBLE = "return_ineligible"  # NĐ 118 art. 19(3): not eligible, with reasons
    UPDATE_DETAILS = "update_details"  # the portal corrected what the citizen submitted
    # The stored files changed what the dossier is (digitised, electronic result, reused
    # components): not an official's action, so no rule of the state machine lists it.
    FILES_RECORDED = "files_recorded"
    # The citizen's voice (domain/ratings.py, domain/feedback.py): recorded on the dossier so
    # that QĐ 766 5.4's counters move with its history; no rule of the state machine lists them.
    RATED = "rated"
    FEEDBACK_RECEIVED = "feedback_received"
    FEEDBACK_ANSWERED = "feedback_answered"

    @property
    def label_vi(self) -> str:
        return ACTION_LABELS_VI[self]


ACTION_LABELS_VI: dict[Action, str] = {
    Action.SUBMIT: "Nộp hồ sơ",
    Action.RECEIVE: "Tiếp nhận hồ sơ",
    Action.REFUSE: "Từ chối tiếp nhận",
    Action.TAKE_UP: "Thụ lý hồ sơ",
    Action.FORWARD: "Chuyển bước tiếp theo",
    Action.SEND_BACK: "Trả lại bước trước",
    Action.TRANSFER: "Chuyển cơ quan khác (liên thông)",
    Action.TRANSFER_BACK: "Cơ quan liên thông trả lại",
    Action.REQUEST_SUPPLEMENT: "Yêu cầu bổ sung hồ sơ",
    Action.SUPPLEMENT_RECEIVED: "Nhận hồ sơ bổ sung",
    Action.REQUEST_FEES: "Yêu cầu thực hiện nghĩa vụ tài chính",
    Action.FEES_PAID: "Đã thực hiện nghĩa vụ tài chính",
    Action.WITHDRAW: "Công dân rút hồ sơ",
    Action.STOP: "Dừng xử lý",
    Action.RESOLVE: "Hoàn thành xử lý",
    Action.RETURN_RESULT: "Trả kết quả",
    Action.EXTEND_WITH_APOLOGY: "Xin lỗi và gia hạn",
    Action.RECOMPUTE_DUE: "Tính lại hạn do thay đổi lịch làm việc",
    Action.RETURN_INELIGIBLE: "Trả lại hồ sơ không đủ điều kiện giải quyết",
    Action.UPDATE_DETAILS: "Cập nhật thông tin hồ sơ",
    Action.FILES_RECORDED: "Cập nhật thành phần số hóa",
    Action.RATED: "Người nộp đánh giá mức độ hài lòng",
    Action.FEEDBACK_RECEIVED: "Tiếp nhận phản ánh, kiến nghị về hồ sơ",
    Action.FEEDBACK_ANSWERED: "Trả lời phản ánh, kiến nghị về hồ sơ",
}


class Location(BaseModel):
    """A unit of an agency: where a dossier sits, or where an official works."""

    model_config = ConfigDict(frozen=True)

    agency: str
    unit: str


class Actor(BaseModel):
    """Who takes an action: an official (from the token) or another system."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    agency: str
    unit: str | None = None
    roles: frozenset[Role]

    def is_at(self, place: Location) -> bool:
        if self.agency != place.agency:
            return False
        # Another agency's system speaks for the whole agency; officials act in their own unit.
        return Role.SYSTEM in self.roles or self.unit == place.unit


class OfficialRef(BaseModel):
    """Who an official is, as a dossier remembers them: their id and the name they signed as."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str


class Applicant(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    kind: ApplicantKind = ApplicantKind.CITIZEN
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None


class SubmittedDocument(BaseModel):
    """A document submitted with the dossier (DVCQG `TaiLieuNop`), as intake received it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    digitised: bool = False
    # The catalog component it is (DVCQG `MaThanhPhanHoSo`), as the portal names it: a file
    # fetched from `url` is kept as that component (services/file_fetch.py).
    component: Annotated[str, StringConstraints(max_length=100)] | None = None


class Dossier(BaseModel):
    """One dossier's state. Frozen: every change produces a new value and a history entry."""

    model_config = ConfigDict(frozen=True)

    code: str
    procedure_code: str
    procedure_version: int
    status: DossierStatus
    channel: Channel
    applicant: Applicant
    resolving_agency: str
    received_by: Location  # the counter that received it; may be another agency (phi địa giới)
    holder: Location  # where it is now
    step_index: int = 0
    transferred_from: Location | None = None  # set while lent to another agency
    involved_agencies: frozenset[str] = frozenset()
    submitted_at: datetime
    received_at: datetime | None = None
    clock_started_at: datetime | None = None
    due_at: datetime | None = None
    step_started_at: datetime | None = None
    step_due_at: datetime | None = None
    paused_at: datetime | None = None
    paused_from: DossierStatus | None = None
    paused_total: timedelta = timedelta(0)  # working time spent paused, never processing time
    supplement_requests: int = 0
    apologies: int = 0
    ended_at: datetime | None = None  # first of resolved, refused, withdrawn, stopped
    # Set by the first extension with apology (Mẫu 04): the appointment QĐ 766 judges
    # against; `due_at` is then the new one the applicant and the portal see. Both move with
    # pauses.
    original_due_at: datetime | None = None
    # While a supplement is awaited (status 5): by when the applicant must bring it.
    supplement_due_at: datetime | None = None
    # A supplement request made after the law's limit from receipt, or a second one: QĐ 766
    # counts the dossier late whatever its end date.
    supplement_after_limit: bool = False
    # Requests made before receipt (status 1, Mẫu 02 at the counter): no clock, not counted.
    pre_receipt_supplements: int = 0
    fees_requested: bool = False  # fees or taxes are owed: the dossier is in 3.6's count
    fees_paid_online: bool = False  # paid online while processing (`fees_paid`, channel online)
    ineligible: bool = False  # resolved as not eligible (`return_ineligible`): the reasons
    # Submitted online for a procedure the catalog offers fully online (toàn trình): QĐ 766
    # counts these apart. Fixed at opening.
    fully_online: bool = False
    # The appointment the national portal gave the applicant (its NgayHenTra), kept beside
    # ours so that officials see when the two differ (issue 15); None for other channels.
    portal_due_at: datetime | None = None
    # The receipt PIN, salted and keyed (chalicelib/services/pins.py): what opens the public
    # lookup. Never shown (the views leave it out); None on dossiers opened before PINs.
    pin_hash: str | None = None
    # Deadline alarms already fired (keys from domain/alarms.py), the overdue flag, and when
    # the timer must look next (None keeps the dossier off the due index).
    # What the QĐ 766 indicators count besides the course of the dossier: `paid_online` from
    # the intake; `digitised` (4.2) and `electronic_result` (4.1) raised by the intake's flag
    # or by the stored files (domain/digitisation.py), never lowered; `reused_components`
    # (4.3): components taken from the citizen's documents already stored, not uploaded again.
    paid_online: bool = False
    digitised: bool = False
    electronic_result: bool = False
    reused_components: int = Field(default=0, ge=0)
    # The applicant's latest rating (domain/ratings.py): satisfied or not, and when. QĐ 766 5.4
    # counts a dossier with a rating of not satisfied; a later rating within the period
    # replaces it (its counters move with it). Its reasons (RatingReason codes, so that the
    # rating page shows them ticked again; empty on dossiers rated before they were kept) are
    # here too; the comment only on the history, keeping this item small.
    satisfied: bool | None = None
    rated_at: datetime | None = None
    rating_reasons: tuple[str, ...] = ()
    complaints: int = Field(default=0, ge=0)  # PAKN received that name this dossier
    # The official at the dossier's holder who last acted on it there (took it up, asked for a
    # supplement…): who has it in hand. None once it moves to another unit until someone there
    # acts, and for what a system did. Alerts and the leader's board name them.
    handled_by: OfficialRef | None = None
    alarms_fired: frozenset[str] = frozenset()
    overdue: bool = False
    next_alarm_at: datetime | None = None
    # `version` counts applied changes (history entries): what officials pass back as
    # expected_version. `revision` counts every stored write, alarm bookkeeping included, and
    # is what the store's optimistic lock checks, so a timer never makes an official stale.
    version: int = 1
    revision: int = 1

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class PaymentChannel(StrEnum):
    """How fees or taxes were paid (recorded with `fees_paid`; QĐ 766 indicator 3.6)."""

    ONLINE = "online"  # through the payment platform, or a bank transfer online
    COUNTER = "counter"  # cash or card at the one-stop counter, or at the tax office


class Command(BaseModel):
    """What an official asks for. Validated by the state machine, not trusted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Action
    note: str = Field(default="", max_length=2000)
    target_agency: str | None = None
    target_unit: str | None = None
    new_due_at: datetime | None = None
    amount_vnd: int | None = Field(default=None, ge=0)  # fees or taxes asked of the applicant
    # With `resolve`: the result is issued as an electronic document (kết quả điện tử), which
    # QĐ 766 indicator 4.1 counts. Only the official resolving knows it.
    electronic_result: bool = False
    # With `fees_paid`: how the applicant paid.
    payment_channel: PaymentChannel | None = None


class HistoryEntry(BaseModel):
    """One applied change: who did what, from which status and step to which."""

    model_config = ConfigDict(frozen=True)

    version: int
    at: datetime
    action: Action
    actor_id: str
    actor_name: str
    actor_roles: tuple[Role, ...]
    actor_agency: str
    actor_unit: str | None
    from_status: DossierStatus | None
    to_status: DossierStatus
    from_step: int | None
    to_step: int
    holder: Location
    note: str = ""
    due_at: datetime | None = None
    previous_due_at: datetime | None = None  # set when the change moved the appointment date
    paused_for: timedelta | None = None  # set on resume: the working time the clock stood still
    amount_vnd: int | None = None
    electronic_result: bool | None = None  # set by `resolve`: the result is electronic
    # Set by `files_recorded` when the files made the dossier digitised, and how many
    # components it took from the citizen's stored documents (QĐ 766 4.2, 4.3).
    digitised: bool | None = None
    reused: int | None = None
    original_due_at: datetime | None = None  # after an extension: the appointment judged
    supplement_due_at: datetime | None = None  # set by `request_supplement`: the deadline
    after_limit: bool | None = None  # set by `request_supplement`: counted late (QĐ 766)
    payment_channel: PaymentChannel | None = None  # set by `fees_paid`
    summary: str | None = None  # set by `update_details` when the summary (TrichYeuHoSo) changed
    # The documents submitted, as intake received them: on the opening entry, and on an
    # `update_details` that changed them (the portal's TaiLieuNop is the latest such list).
    documents: tuple[SubmittedDocument, ...] | None = None
    # Set by `rated`: the answer (the reasons and comment are in `note`); by the feedback
    # changes: the PAKN they are about.
    satisfied: bool | None = None
    feedback_id: str | None = None


class Transition(BaseModel):
    """The result of applying a command: the new state and the record that explains it."""

    model_config = ConfigDict(frozen=True)

    dossier: Dossier
    entry: HistoryEntry


def change_entry(
    before: Dossier | None,
    after: Dossier,
    action: Action,
    actor: Actor,
    at: datetime,
    note: str,
    paused_for: timedelta | None = None,
) -> HistoryEntry:
    """The history entry of the change from `before` (None: the opening) to `after`."""
    return HistoryEntry(
        version=after.version,
        at=at,
        action=action,
        actor_id=actor.id,
        actor_name=actor.name,
        actor_roles=tuple(sorted(actor.roles)),
        actor_agency=actor.agency,
        actor_unit=actor.unit,
        from_status=before.status if before else None,
        to_status=after.status,
        from_step=before.step_index if before else None,
        to_step=after.step_index,
        holder=after.holder,
        note=note,
        due_at=after.due_at,
        previous_due_at=before.due_at if before and before.due_at != after.due_at else None,
        original_due_at=after.original_due_at,
        paused_for=paused_for if paused_for else None,
    )
