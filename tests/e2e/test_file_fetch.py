"""A portal's documents sent as URLs, fetched end to end on the local stack: the dossier's
`TaiLieuNop` points at files the fake portal serves (loopback, the local stage's exception to
HTTPS), intake queues one fetch per document, the file_fetch worker keeps each file under its
sha256 and the dossier counts as digitised once every required component has one. Delivered
again, nothing new is stored; a URL on a host not allowed is dead-lettered with its reason."""

import json
import uuid
from datetime import datetime, timedelta

import pytest

from chalicelib import bootstrap
from chalicelib.domain.calendar import LOCAL_TZ
from devstack import demo
from devstack.stack import LocalStack

pytestmark = pytest.mark.e2e

COMPONENTS = 5  # the land transfer's components, all required, named by position
ELSEWHERE = "https://elsewhere.example/don.pdf"


@pytest.fixture(scope="module")
def stack():
    with LocalStack(port=0, moto_port=0, prefix=f"ff{uuid.uuid4().hex[:6]}-") as running:
        yield running


def fetch_invocations(stack) -> int:
    poller = next(p for p in stack.pollers.queues if p.name == "file_fetch")
    return sum(invocation.records for invocation in poller.invocations)


def dead_letters(stack) -> list[dict]:
    sqs = stack.aws_client("sqs")
    answer = sqs.receive_message(QueueUrl=stack.env["MOTCUA_FILE_FETCH_DLQ_URL"],
                                 MaxNumberOfMessages=10, MessageAttributeNames=["All"])  # fmt: skip
    return answer.get("Messages", [])


def test_portal_urls_become_stored_files_that_make_the_dossier_digitised(stack):
    cast = demo.Cast.local(stack.base_url)
    received = datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(minutes=30)
    code = f"{demo.LAND_OFFICE}-{received:%y%m%d}-{uuid.uuid4().int % 9000 + 1000:04d}"
    item = demo.land_transfer_item(
        code, received, {"name": "Trần Văn Bình", "id_number": "075085001234",
                         "phone": "0987654321"}, "Chuyển nhượng thửa 125",
    )  # fmt: skip
    item["HoSoCoThanhPhanSoHoa"] = 0  # digitised only once the files are kept
    url = stack.portal.file_url()
    item["TaiLieuNop"] = [
        *({"TenTepDinhKem": f"Thành phần {n}", "MaThanhPhanHoSo": str(n),
           "DuongDanTaiTepTin": url} for n in range(1, COMPONENTS + 1)),
        {"TenTepDinhKem": "Đơn (bản khác)", "MaThanhPhanHoSo": "1", "DuongDanTaiTepTin": ELSEWHERE},
        {"TenTepDinhKem": "Giấy tờ nộp tại quầy"},  # no URL: nothing to fetch
    ]  # fmt: skip
    receipt = cast.portal.submit(item)
    assert receipt["status"] == "accepted", receipt
    stack.drain(60)

    deps = bootstrap.container()
    kept = deps.file_records.files(code)
    assert sorted(f.component for f in kept) == [str(n) for n in range(1, COMPONENTS + 1)]
    sample = stack.portal.files["sample.pdf"]
    assert {f.size for f in kept} == {len(sample)}
    [sha256] = {f.sha256 for f in kept}
    assert deps.file_store.keys(f"files/{code}/") == [f"files/{code}/{sha256}"]
    assert {f.uploaded_by for f in kept} == {"portal-dev"}
    dossier = deps.store.get(code)
    assert dossier is not None and dossier.digitised is True

    [letter] = dead_letters(stack)
    assert letter["MessageAttributes"]["reason"]["StringValue"] == (
        "host not allowed: elsewhere.example"
    )
    assert letter["MessageAttributes"]["source"]["StringValue"] == "file-fetch"

    # The portal sends the same dossier again: intake finds it and queues nothing.
    fetched = fetch_invocations(stack)
    assert cast.portal.submit(item)["status"] == "accepted"
    stack.drain(60)
    assert fetch_invocations(stack) == fetched
    # A fetch delivered twice (SQS's at-least-once) fetches again and stores nothing new.
    request = {"fetch_id": "0" * 32, "code": code, "position": 0, "url": url,
               "component": "1", "name": "Thành phần 1", "client_id": "portal-dev"}  # fmt: skip
    stack.aws_client("sqs").send_message(
        QueueUrl=stack.env["MOTCUA_FILE_FETCH_QUEUE_URL"], MessageBody=json.dumps(request)
    )
    stack.drain(60)
    assert fetch_invocations(stack) == fetched + 1
    assert deps.file_records.files(code) == kept
    assert deps.file_store.keys(f"files/{code}/") == [f"files/{code}/{sha256}"]
