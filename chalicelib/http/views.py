"""What the API answers, as pydantic models: the OpenAPI document describes each answer from
its model here (chalicelib/http/openapi.py), as it describes requests from request_models.py.

The views extend the models they are dumped from (a dossier, a history entry, a receipt, a
procedure …) with the keys the reading services add. Loaded with the document, not with the
app (cold start): app.py names them by their class name (route_docs.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from chalicelib.domain.alarms import FiredAlarm
from chalicelib.domain.calendar import WorkingDuration
from chalicelib.domain.dossier import Dossier, HistoryEntry, Location, OfficialRef
from chalicelib.domain.indicators import Counters, Indicator
from chalicelib.domain.procedures import Procedure
from chalicelib.http.payment_models import DossierPayments
from chalicelib.http.problems import PROBLEM_BASE
from chalicelib.ports.deliveries import Attempt
from chalicelib.ports.records import Receipt, Refusal

REF = "#/components/schemas/{model}"
DossierStatusCode = Annotated[int, Field(ge=1, le=10)]


# -- problems ------------------------------------------------------------------------------------
class FieldErrorDetail(BaseModel):
    field: Annotated[str, Field(description="the field, a dotted path, a header or a query")]
    reason: Annotated[str, Field(description="why, in English, for integrators")]
    message: Annotated[str, Field(description="the same in Vietnamese, for the people")]


class ProblemDetails(BaseModel):
    """RFC 9457 problem details (application/problem+json)."""

    type: Annotated[
        str, Field(json_schema_extra={"format": "uri"}, description=f"{PROBLEM_BASE}<kind>")
    ]
    title: Annotated[str, Field(description="in Vietnamese")]
    status: Annotated[int, Field(ge=400, le=599)]
    detail: str
    instance: Annotated[str | None, Field(description="the request path")] = None
    errors: list[FieldErrorDetail] = []


# -- public --------------------------------------------------------------------------------------
class Health(BaseModel):
    status: Literal["ok"]
    service: str


class OpenApiDocument(BaseModel):
    """The OpenAPI 3.1 description of the API."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    paths: dict[str, Any]


class ProcedureInfo(BaseModel):
    code: str
    version: int
    name: str
    cutoff: str | None


class DueDate(BaseModel):
    received_at: datetime
    counted_from: datetime
    due_at: datetime
    time_limit: WorkingDuration
    procedure: ProcedureInfo | None


class ProcedureView(Procedure):
    # `Procedure.is_inter_agency` is a property: the view's field takes its name by alias.
    inter_agency: Annotated[bool, Field(alias="is_inter_agency")]


class ProcedureList(BaseModel):
    items: list[ProcedureView]


class ProcedureVersions(BaseModel):
    current: ProcedureView | None
    versions: list[ProcedureView]


class PublicDossier(BaseModel):
    code: str
    procedure: str
    status: DossierStatusCode
    status_label: str
    current_step: str | None
    received_at: datetime | None = None
    due_at: datetime | None
    original_due_at: Annotated[
        datetime | None,
        Field(description="the appointment given at receipt, once an apology moved it to due_at"),
    ] = None
    overdue: Annotated[bool, Field(description="the appointment has passed")] = False
    supplement_due_at: Annotated[
        datetime | None, Field(description="while a supplement is asked: by when to bring it")
    ] = None
    electronic_result: Annotated[
        bool, Field(description="an electronic result can be downloaded (`result_url`)")
    ] = False
    result_url: Annotated[
        str | None,
        Field(description="where, with the same PIN: GET /v1/public/dossiers/{code}/result"),
    ] = None


class PublicResultLink(BaseModel):
    file_id: str
    name: str
    content_type: str
    size: int
    signature: Annotated[
        str | None, Field(description="the signature's status as checked when it was recorded")
    ]
    url: Annotated[str, Field(description="a presigned GET, valid `expires_in` seconds")]


class PublicResult(BaseModel):
    code: str
    expires_in: int
    items: list[PublicResultLink]


class PublicFileRedirect(BaseModel):
    url: Annotated[str, Field(description="the same as Location: a short-lived presigned GET")]
    expires_in: int


# -- receipts and commands -----------------------------------------------------------------------
class ReceiptView(Receipt):
    dossier_url: Annotated[str | None, Field(description="set once accepted")] = None
    pin: Annotated[
        str | None,
        Field(
            description="once accepted: the receipt PIN (ABCD-EFGH) that opens the public "
            "lookup, printed on the receipt (Mẫu 01) or shown to the applicant"
        ),
    ] = None
    pin_sealed: SkipJsonSchema[str | None] = None  # kept, never answered


class QueuedReceipt(ReceiptView):
    status_url: str


class QueuedCommand(BaseModel):
    command_id: str
    status: Literal["queued"]
    status_url: str


class CommandQueued(BaseModel):
    command_id: str
    status: Literal["queued"]


class CommandApplied(BaseModel):
    command_id: str
    status: Literal["applied"]
    version: int


class CommandRefused(Refusal):
    """failed: not applied after every try, dead-lettered for the operators."""

    status: Literal["refused", "failed"]


class CommandView(RootModel[CommandQueued | CommandApplied | CommandRefused]):
    """What became of an action: queued, applied, refused or failed."""


class Recorded(BaseModel):
    recorded: Literal[True]


class OptOutRecorded(BaseModel):
    phone: str
    opted_out: bool


# -- a dossier, as officials read it -------------------------------------------------------------
class DossierState(Dossier):
    pin_hash: SkipJsonSchema[str | None] = None  # kept, never answered
    status_label: str
    procedure_name: str | None
    # The national portal promised the applicant another appointment than ours (issue 15).
    portal_due_differs: bool = False


class HistoryView(HistoryEntry):
    action_label: str


class StepView(BaseModel):
    index: int
    name: str
    role: str
    agency: str
    unit: str
    inter_agency: bool
    duration: WorkingDuration
    state: Literal["done", "current", "pending"]
    entered_at: datetime | None = None
    left_at: datetime | None = None
    due_at: datetime | None = None


class DossierView(BaseModel):
    dossier: DossierState
    steps: list[StepView]
    history: list[HistoryView]
    refusals: list[Refusal]
    alarms: list[FiredAlarm]
    deliveries: list[Attempt] = []
    # Its payment orders and the payments reported against them (issue 20).
    payments: DossierPayments | None = None


class WorklistItem(BaseModel):
    code: str
    procedure_code: str
    procedure_name: str | None = None
    status: DossierStatusCode
    status_label: str = ""
    step_index: int
    step_name: str | None = None
    holder: Location
    # Who has it in hand there (the official who last acted on it at its holder), if anyone.
    handled_by: OfficialRef | None = None
    due_at: datetime | None = None
    step_due_at: datetime | None = None
    version: int


class Worklist(BaseModel):
    items: list[WorklistItem]
    next_cursor: Annotated[
        str | None, Field(description="pass as `cursor` for the next page; null on the last")
    ]


# -- reports -------------------------------------------------------------------------------------
ReportRow = Annotated[
    dict[str, Any],
    WithJsonSchema(
        {
            "allOf": [
                {"$ref": REF.format(model="Counters")},
                {
                    "type": "object",
                    "properties": {"month": {"type": "string"}, "procedure": {"type": "string"}},
                    "required": ["month", "procedure"],
                },
            ]
        }
    ),
]


class Report766(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    agency: str
    from_: Annotated[str, Field(alias="from")]
    to: str
    counts: Counters
    indicators: dict[str, Indicator]
    rows: list[ReportRow]
