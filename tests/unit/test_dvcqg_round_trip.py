"""Round trip (issue 15): what we push to the national portal as `DongBoHoSoMC`, read back by
our own intake the way a portal item arrives, is the same dossier: procedure, applicant,
channel, agencies, dates, summary, documents and fees (the fee key was once `MucPhi`, which
turned every fee into 0 on the way back)."""

from __future__ import annotations

import json
from datetime import datetime

from chalicelib.adapters.catalog_files import load_agencies, load_catalog
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Applicant, Location, SubmittedDocument
from chalicelib.domain.portal_records import dossier_item
from chalicelib.domain.state_machine import open_dossier
from chalicelib.domain.statuses import Channel
from chalicelib.intake.checks import check_against_catalog, resolve_agencies
from chalicelib.intake.model import IntakeRequest
from chalicelib.intake.parse import parse_submission
from tests.unit.builders import RECEIVER

LAND_OFFICE = "000.01.09.H19"
LAND_PROCEDURE = "1.012766"
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=LOCAL_TZ)
DOCUMENTS = (
    SubmittedDocument(name="Hợp đồng chuyển nhượng", url="https://dvc.example.vn/f/1.pdf",
                      digitised=True),
    SubmittedDocument(name="Giấy chứng nhận quyền sử dụng đất"),
)  # fmt: skip


def test_our_push_read_by_our_intake_is_the_same_dossier(calendar):
    agencies = load_agencies()
    catalog = load_catalog(None, agencies)
    procedure = catalog.current(LAND_PROCEDURE)
    assert procedure.fees and procedure.total_fees_vnd > 0  # the round trip must carry them
    received = datetime(2026, 3, 9, 9, 30, tzinfo=LOCAL_TZ)
    opened = open_dossier(
        code=f"{LAND_OFFICE}-260309-0042",
        procedure=procedure,
        channel=Channel.ONLINE,
        applicant=Applicant(name="Phạm Thị Hồng Nhung", id_number="075186001234",
                            phone="84912345678", email="nhung.pham@example.vn"),
        resolving_agency=LAND_OFFICE,
        received_by=Location(agency=LAND_OFFICE, unit="MOT_CUA"),
        actor=RECEIVER,
        at=received,
        calendar=calendar,
        received=True,
        note="Chuyển nhượng quyền sử dụng đất thửa 123, tờ bản đồ 45",
        documents=DOCUMENTS,
    )  # fmt: skip
    dossier = opened.dossier
    pushed = dossier_item(dossier, procedure, [opened.entry],
                          resolving_agency_name=agencies.name_of(LAND_OFFICE))  # fmt: skip
    assert all(isinstance(v, str) for k, v in pushed.items() if not isinstance(v, list))

    raw = json.dumps(pushed, ensure_ascii=False).encode("utf-8")
    request = parse_submission(raw, province="H19", now=NOW, max_bytes=256 * 1024)
    assert check_against_catalog(request, catalog, agencies) == []
    back = resolve_agencies(request, catalog, agencies)
    assert isinstance(back, IntakeRequest)

    assert back.code == dossier.code and back.procedure_code == procedure.code
    assert back.channel is Channel.ONLINE
    assert (back.applicant.name, back.applicant.id_number, back.applicant.phone,
            back.applicant.email) == ("Phạm Thị Hồng Nhung", "075186001234", "84912345678",
                                      "nhung.pham@example.vn")  # fmt: skip
    assert back.resolving_agency == LAND_OFFICE  # DonViXuLy went as the agency's name
    assert back.received_by_agency == LAND_OFFICE
    assert back.submitted_at == received
    assert back.portal_due_at == dossier.due_at  # NgayHenTra, to the second
    assert back.summary == "Chuyển nhượng quyền sử dụng đất thửa 123, tờ bản đồ 45"
    assert [(f.name, f.amount_vnd) for f in back.fees] == [
        (f.name, f.amount_vnd) for f in procedure.fees
    ]
    assert sum(f.amount_vnd for f in back.fees) == procedure.total_fees_vnd > 0
    assert back.documents == list(DOCUMENTS)  # TaiLieuNop, as intake received them
    assert pushed["MaLinhVuc"] == procedure.field_code == "G09-TN01"
