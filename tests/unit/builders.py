"""Data builders for domain tests: a small, fully known procedure and its officials."""

from datetime import datetime

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Actor, Applicant, Location
from chalicelib.domain.procedures import Procedure
from chalicelib.domain.state_machine import open_dossier
from chalicelib.domain.statuses import Channel, Role

HOME = "000.00.32.H19"
TAX = "000.00.99.H19"
OTHER = "000.00.40.H19"
DESK = Location(agency=HOME, unit="MOT_CUA")


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


def step(name, role, unit, amount, unit_of_time="working_days", agency=None):
    data = {"name": name, "role": role, "unit": unit,
            "duration": {"amount": amount, "unit": unit_of_time}}  # fmt: skip
    if agency:
        data["agency"] = agency
    return data


def land_procedure(**overrides) -> Procedure:
    """Receive → examine → tax (another agency) → approve → return."""
    data = {
        "code": "1.000001",
        "name": "Đăng ký biến động đất đai",
        "field": "Đất đai",
        "level": "province",
        "resolving_agency": HOME,
        "time_limit": {"amount": 10, "unit": "working_days"},
        "components": [{"name": "Đơn đăng ký"}],
        "steps": [
            step("Tiếp nhận", "receiver", "MOT_CUA", 4, "working_hours"),
            step("Thẩm định", "specialist", "PHONG_DD", 6),
            step("Xác định nghĩa vụ tài chính", "specialist", "THUE", 1, agency=TAX),
            step("Phê duyệt", "leader", "LANH_DAO", 2),
            step("Trả kết quả", "receiver", "MOT_CUA", 4, "working_hours"),
        ],
    }
    data.update(overrides)
    return Procedure.model_validate(data)


def official(role: Role, unit: str, agency: str = HOME, ident: str | None = None) -> Actor:
    return Actor(id=ident or f"{role.value}@{unit}", name=f"Cán bộ {unit}", agency=agency,
                 unit=unit, roles=frozenset({role}))  # fmt: skip


RECEIVER = official(Role.RECEIVER, "MOT_CUA")
SPECIALIST = official(Role.SPECIALIST, "PHONG_DD")
LEADER = official(Role.LEADER, "LANH_DAO")
TAX_SYSTEM = Actor(id="thue-system", name="Hệ thống Thuế", agency=TAX,
                   roles=frozenset({Role.SYSTEM}))  # fmt: skip


def new_dossier(procedure, calendar, when, *, received=True, code="000.00.32.H19-260105-0001"):
    return open_dossier(
        code=code,
        procedure=procedure,
        channel=Channel.ONLINE,
        applicant=Applicant(name="Nguyễn Văn A", phone="84912345678"),
        resolving_agency=HOME,
        received_by=DESK,
        actor=RECEIVER,
        at=when,
        calendar=calendar,
        received=received,
    )


def stored_dossier(store, procedure, calendar, when, *, code="000.00.32.H19-260105-0001"):
    """`store` with one dossier received at `when`, as the intake would have created it."""
    from chalicelib.ports.records import Opening, Receipt

    opened = new_dossier(procedure, calendar, when, code=code)
    receipt = Receipt(receipt_id=f"r-{code}", client_id="portal", external_id=code,
                      status="accepted", updated_at=when)  # fmt: skip
    store.create(
        Opening(opened.dossier, opened.entry, intake_key=f"portal#{code}", receipt=receipt)
    )
    return store
