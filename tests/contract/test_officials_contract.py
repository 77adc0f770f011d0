"""The officials' directory (ports/officials.py) keeps the same promises from a data file and
from the in-memory fake: an official is found by id with their addresses and leader, the
agency's officials in order, nobody for an unknown id; a file that names a leader it does not
hold, or a malformed address, is refused naming the official and the field."""

import pytest

from chalicelib.adapters.catalog_files import DATA_DIR
from chalicelib.adapters.officials_directory import (
    FileOfficials,
    MemoryOfficials,
    OfficialsFileError,
    parse_officials,
)
from chalicelib.adapters.sample_officials import SAMPLE_OFFICIALS_FILE, sample_officials
from chalicelib.domain.officials import Official
from chalicelib.domain.statuses import Role
from chalicelib.ports.officials import leader_of

WARD = "000.00.41.H19"
DIRECTORY = """
officials:
  mai: {agency: "000.00.41.H19", unit: MOT_CUA, role: receiver, name: "Trần Thị Mai",
        email: mai@phuong.example.vn, leader: bao}
  hung: {agency: "000.00.41.H19", unit: VAN_PHONG, role: specialist, name: "Lê Văn Hùng",
         zns_phone: "84901234501", leader: bao}
  bao: {agency: "000.00.41.H19", unit: LANH_DAO, role: leader, name: "Phạm Quốc Bảo",
        email: bao@phuong.example.vn}
  son: {agency: "000.01.09.H19", unit: LANH_DAO, role: leader, name: "Vũ Thanh Sơn"}
"""


@pytest.fixture(params=["memory", "file"])
def directory(request, tmp_path):
    import yaml

    if request.param == "memory":
        return MemoryOfficials(parse_officials(yaml.safe_load(DIRECTORY), "test"))
    path = tmp_path / "officials.yaml"
    path.write_text(DIRECTORY, encoding="utf-8")
    return FileOfficials(path)


def test_an_official_is_found_with_their_addresses_and_leader(directory):
    hung = directory.get("hung")
    assert hung == Official(id="hung", name="Lê Văn Hùng", agency=WARD, unit="VAN_PHONG",
                            role=Role.SPECIALIST, zns_phone="84901234501",
                            leader="bao")  # fmt: skip
    assert hung.reachable and leader_of(directory, hung).email == "bao@phuong.example.vn"
    son = directory.get("son")
    assert not son.reachable and leader_of(directory, son) is None
    assert directory.get("nobody") is None


def test_an_agencys_officials_in_the_directorys_order(directory):
    assert [o.id for o in directory.of_agency(WARD)] == ["mai", "hung", "bao"]
    assert directory.of_agency("000.00.99.H19") == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('officials: {a: {agency: "000.00.41.H19", unit: X, role: receiver, name: A, '
         "leader: ghost}}", "officials.a.leader: no official 'ghost'"),
        ('officials: {a: {agency: "000.00.41.H19", unit: X, role: receiver, name: A, '
         "email: not-an-address}}", "officials.a.email"),
        ('officials: {a: {agency: "000.00.41.H19", unit: X, role: receiver, name: A, '
         'zns_phone: "0901234501"}}', "officials.a.zns_phone"),
        ("people: []", "expected a mapping 'officials"),
    ],
)  # fmt: skip
def test_a_bad_directory_is_refused_naming_the_official_and_the_field(tmp_path, text, names):
    path = tmp_path / "officials.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OfficialsFileError, match=names):
        FileOfficials(path).get("a")


def test_every_sample_official_has_an_address_and_a_leader_but_the_unit_leaders():
    directory = FileOfficials(DATA_DIR / SAMPLE_OFFICIALS_FILE)
    for key, sample in sample_officials().items():
        official = directory.get(key)
        assert official is not None and official.email, key
        assert (official.agency, official.unit, official.role.value, official.name) == (
            sample.agency, sample.unit, sample.role, sample.name)  # fmt: skip
        if official.role is Role.LEADER:
            continue  # their own leader heads the agency: not among the samples
        leader = leader_of(directory, official)
        assert leader is not None and leader.agency == official.agency, key


def test_the_packaged_prebuilt_form_is_read_as_the_yaml(tmp_path):
    from chalicelib.adapters import prebuilt

    path = tmp_path / "officials.yaml"
    path.write_text(DIRECTORY, encoding="utf-8")
    prebuilt.build(path)
    built = prebuilt.prebuilt_path(path)
    # a prebuilt form saying otherwise than the YAML would show: it is the one read
    text = built.read_text(encoding="utf-8").replace("Lê Văn Hùng", "Lê Văn Hùng (prebuilt)")
    built.write_text(text, encoding="utf-8")
    assert FileOfficials(path).get("hung").name == "Lê Văn Hùng (prebuilt)"
