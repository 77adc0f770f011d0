"""The national portal is told of the dossier's stored files (TaiLieuNop, DanhSachGiayToKetQua,
docs/dvcqg-contract.md §2.2, §2.5) with links it can follow whenever it fetches them: a token
under our key names one file of one dossier, and nothing forged or borrowed opens another.
Over the API on moto: tests/hostile/test_public_files.py."""

from __future__ import annotations

import hashlib

import pytest

from chalicelib.adapters.attempt_counter import InMemoryAttemptCounter
from chalicelib.adapters.file_records import MemoryFileRecords
from chalicelib.adapters.file_store import MemoryFileStore
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.national_portal import (
    DOSSIER_SERVICE,
    MemoryNationalPortal,
    contract_problems,
)
from chalicelib.adapters.portal_sync_log import MemoryPortalSyncLog
from chalicelib.domain.files import FileKind, StoredFile, file_id_for
from chalicelib.domain.portal_records import LinkedFile, dossier_item
from chalicelib.domain.procedures import Catalog
from chalicelib.services import portal_sync
from chalicelib.services.errors import NotFound, TooManyRequests
from chalicelib.services.file_links import PublicFileLinks, public_download
from chalicelib.services.lookup_limits import LookupGuard, LookupLimits
from tests.unit.builders import at, stored_dossier
from tests.unit.test_portal_sync import AGENCIES, CODE, PROCEDURE

OTHER_CODE = "000.00.32.H19-260302-0002"
BASE = "https://api.motcua.example.vn"
LINKS = PublicFileLinks(b"a test key of thirty-two bytes!!", BASE)
NOW = at(2026, 3, 2, 10)


def stored(code: str, kind: FileKind, name: str, content: bytes, component: str | None = None):
    sha = hashlib.sha256(content).hexdigest()
    return StoredFile(code=code, file_id=file_id_for(code, kind, component, sha), kind=kind,
                      component=component, name=name, sha256=sha, size=len(content),
                      content_type="application/pdf", uploaded_by="cb-1", at=NOW)  # fmt: skip


FORM = stored(CODE, FileKind.COMPONENT, "Đơn đăng ký.pdf", b"%PDF-form", component="1")
RESULT = stored(CODE, FileKind.RESULT, "Giấy chứng nhận.pdf", b"%PDF-result")


def linked(*files: StoredFile) -> list[LinkedFile]:
    return [LinkedFile(f, LINKS.url(f.code, f.file_id)) for f in files]


# -- the links ----------------------------------------------------------------------------------
def test_a_token_opens_its_own_file_and_is_the_same_at_every_push():
    token = LINKS.token(CODE, FORM.file_id)
    assert LINKS.open(token) == (CODE, FORM.file_id)
    assert PublicFileLinks(b"a test key of thirty-two bytes!!").token(CODE, FORM.file_id) == token
    assert LINKS.url(CODE, FORM.file_id) == f"{BASE}/v1/public/files/{token}"


def test_no_forged_or_borrowed_token_opens_anything():
    token = LINKS.token(CODE, FORM.file_id)
    code_part, file_id, mac = token.split(".")
    other = LINKS.token(OTHER_CODE, FORM.file_id).split(".")[0]
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    forged = [
        f"{other}.{file_id}.{mac}",  # another dossier, this file's MAC
        f"{code_part}.{RESULT.file_id}.{mac}",  # another file of this dossier
        f"{code_part}.{file_id}.{flipped}",
        PublicFileLinks(b"another key, also long enough!!").token(CODE, FORM.file_id),
        f"{code_part}.{file_id}",
        "", "....", "%%%.%%%.%%%", token + "." + mac, "x" * 500,
        f"{code_part}.{file_id.upper()}.{mac}",
    ]  # fmt: skip
    assert [LINKS.open(t) for t in forged] == [None] * len(forged)


# -- the items ----------------------------------------------------------------------------------
@pytest.fixture
def opened(calendar):
    store = stored_dossier(MemoryStore(), PROCEDURE, calendar, at(2026, 3, 2, 9), code=CODE)
    return store.load(CODE)


def test_stored_files_are_the_documents_and_results_the_portal_is_told_of(opened):
    item = dossier_item(opened.dossier, PROCEDURE, opened.history,
                        resolving_agency_name="VPĐK", files=linked(RESULT, FORM))  # fmt: skip
    assert item["TaiLieuNop"] == [{
        "TepDinhKemId": FORM.file_id, "TenTepDinhKem": "Đơn đăng ký.pdf", "IsDeleted": "False",
        "MaThanhPhanHoSo": "1", "DuongDanTaiTepTin": LINKS.url(CODE, FORM.file_id),
        "DuocSoHoa": "1",
    }]  # fmt: skip
    assert item["DanhSachGiayToKetQua"] == [{
        "TenGiayTo": "Giấy chứng nhận.pdf", "MaThanhPhanHoSo": "", "GiayToId": RESULT.file_id,
        "DuongDanTepTinKetQua": LINKS.url(CODE, RESULT.file_id), "MaGiayToKetQua": "",
    }]  # fmt: skip
    assert item["HoSoCoThanhPhanSoHoa"] == "1"
    assert contract_problems(DOSSIER_SERVICE, [item]) == []


def test_without_a_stored_component_the_documents_intake_received_stand_in(opened):
    received = dossier_item(opened.dossier, PROCEDURE, opened.history,
                            resolving_agency_name="VPĐK")  # fmt: skip
    with_result = dossier_item(opened.dossier, PROCEDURE, opened.history,
                               resolving_agency_name="VPĐK", files=linked(RESULT))  # fmt: skip
    assert with_result["TaiLieuNop"] == received["TaiLieuNop"]
    assert received["DanhSachGiayToKetQua"] == []
    assert [r["GiayToId"] for r in with_result["DanhSachGiayToKetQua"]] == [RESULT.file_id]


def test_the_sync_reads_the_files_and_the_portal_takes_them(opened, calendar):
    store = stored_dossier(MemoryStore(), PROCEDURE, calendar, at(2026, 3, 2, 9), code=CODE)
    records = MemoryFileRecords()
    for f in (FORM, RESULT, stored(OTHER_CODE, FileKind.RESULT, "Khác.pdf", b"other")):
        records.put_file(f)
    portal = MemoryNationalPortal()
    deps = portal_sync.PortalSyncDeps(store=store, log=MemoryPortalSyncLog(store), portal=portal,
                                      catalog=Catalog([PROCEDURE]), agencies=AGENCIES,
                                      files=records, links=LINKS)  # fmt: skip
    assert portal_sync.sync(CODE, deps, NOW) is portal_sync.SyncResult.PUSHED
    held = portal.dossiers[CODE]
    assert [d["TepDinhKemId"] for d in held["TaiLieuNop"]] == [FORM.file_id]
    assert [r["GiayToId"] for r in held["DanhSachGiayToKetQua"]] == [RESULT.file_id]
    url = held["DanhSachGiayToKetQua"][0]["DuongDanTepTinKetQua"]
    assert LINKS.open(url.rpartition("/")[2]) == (CODE, RESULT.file_id)


# -- following a link ---------------------------------------------------------------------------
@pytest.fixture
def kept():
    blobs, records = MemoryFileStore(), MemoryFileRecords()
    for f, content in ((FORM, b"%PDF-form"), (RESULT, b"%PDF-result")):
        blobs.objects[f.key] = (content, f.content_type)
        records.put_file(f)
    return blobs, records


def guard(counter, now=1_000_000.0):
    limits = LookupLimits(window_seconds=900, failures_per_code=100, failures_per_address=3)
    return LookupGuard(counter, limits, address="203.0.113.7", now=now)


def test_a_link_gives_a_short_lived_download_of_its_own_file(kept):
    blobs, records = kept
    counter = InMemoryAttemptCounter()
    for f, content in ((FORM, b"%PDF-form"), (RESULT, b"%PDF-result")):
        link = public_download(LINKS.token(CODE, f.file_id), LINKS, records, blobs,
                               link_seconds=300, guard=guard(counter))  # fmt: skip
        assert link["expires_in"] == 300 and blobs.fetch(str(link["url"])) == content
    assert counter.counts(["ip#203.0.113.7#1111"]) == [0]  # a good link is no guess


def test_a_forged_link_is_404_and_counts_as_a_guess_until_429(kept):
    blobs, records = kept
    counter = InMemoryAttemptCounter()
    borrowed = LINKS.token(OTHER_CODE, FORM.file_id)  # a real MAC, for a file not of that dossier
    with pytest.raises(NotFound):
        public_download(borrowed, LINKS, records, blobs, link_seconds=300, guard=guard(counter))
    forged = LINKS.token(CODE, FORM.file_id)[:-2] + "AA"
    for _ in range(3):
        with pytest.raises(NotFound):
            public_download(forged, LINKS, records, blobs, link_seconds=300, guard=guard(counter))
    with pytest.raises(TooManyRequests):
        public_download(forged, LINKS, records, blobs, link_seconds=300, guard=guard(counter))
    good = public_download(LINKS.token(CODE, FORM.file_id), LINKS, records, blobs,
                           link_seconds=300, guard=guard(counter))  # fmt: skip
    assert blobs.fetch(str(good["url"])) == b"%PDF-form"  # the portal's own links still work


@pytest.mark.parametrize(
    "malformed",
    [
        "not-a-token",
        "A" * 5000,
        "MDAw.xyz.AAAAAAAAAAAAAAAAAAAAAA",
        "!!!.0123456789abcdef0123456789abcdef.!!",
    ],
)
def test_a_malformed_link_is_404_naming_the_token_and_no_guess(kept, malformed):
    blobs, records = kept
    counter = InMemoryAttemptCounter()
    with pytest.raises(NotFound) as refused:
        public_download(malformed, LINKS, records, blobs, link_seconds=300, guard=guard(counter))
    assert [issue.field for issue in refused.value.errors] == ["token"]
    assert counter.seen == {}  # not counted: it guessed no MAC
