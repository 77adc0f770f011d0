"""An operator changes the agency aliases without a deploy: `cli reference push` checks the
files and stores them in the table; a running worker reads the new version within its refresh
interval. Files the catalog cannot use are refused and nothing is stored."""

import json
import shutil

import boto3

from chalicelib import bootstrap, cli
from chalicelib.adapters.catalog_files import AGENCIES_FILE, AGENCY_ALIASES_FILE, DATA_DIR
from chalicelib.settings import Settings

NEW_NAME = "Ủy ban nhân dân thị trấn Trảng Bom cũ"


def edited_copy(tmp_path, extra: str = "", agencies_replace=(b"", b"")):
    shutil.copy(DATA_DIR / AGENCY_ALIASES_FILE, tmp_path / AGENCY_ALIASES_FILE)
    agencies = (DATA_DIR / AGENCIES_FILE).read_bytes()
    if agencies_replace[0]:
        agencies = agencies.replace(*agencies_replace)
    (tmp_path / AGENCIES_FILE).write_bytes(agencies)
    with (tmp_path / AGENCY_ALIASES_FILE).open("a", encoding="utf-8") as aliases:
        aliases.write(extra)
    return tmp_path


def worker(aws) -> bootstrap.Container:
    """A worker of the deployed shape: the registry from the table, looked at every call."""
    settings = Settings.from_environment(
        {"MOTCUA_STAGE": "dev", "MOTCUA_REFERENCE_SOURCE": "table",
         "MOTCUA_REFERENCE_REFRESH_SECONDS": "0", **aws}
    )  # fmt: skip
    return bootstrap.Container(settings)


def test_a_pushed_alias_reaches_a_running_worker_without_a_deploy(aws, tmp_path, capsys):
    running = worker(aws)
    assert running.agencies.resolve(NEW_NAME) is None  # the packaged files, no item yet
    folder = edited_copy(tmp_path, f'\n  - code: "000.00.41.H19"\n    names: ["{NEW_NAME}"]\n')
    assert cli.main(["reference", "push", "--data-dir", str(folder)]) == 0
    pushed = json.loads(capsys.readouterr().out)
    assert pushed["version"] == "table:1" and pushed["agencies"] > 10
    assert running.refresh_reference() is True
    assert running.agencies.resolve(NEW_NAME) == "000.00.41.H19"


def test_files_the_catalog_cannot_use_are_refused_and_nothing_is_stored(aws, tmp_path, capsys):
    folder = edited_copy(
        tmp_path, agencies_replace=(b'code: "000.01.09.H19"', b'code: "000.01.98.H19"')
    )
    aliases = (folder / AGENCY_ALIASES_FILE).read_text(encoding="utf-8")
    (folder / AGENCY_ALIASES_FILE).write_text(aliases.replace("000.01.09.H19", "000.01.98.H19"),
                                              encoding="utf-8")  # fmt: skip
    assert cli.main(["reference", "push", "--data-dir", str(folder)]) == 2
    error = capsys.readouterr().err.splitlines()[-1]  # after the target line
    assert error.startswith("error: not stored:") and "000.01.09.H19" in error
    items = boto3.client("dynamodb").scan(TableName=aws["MOTCUA_TABLE"])["Items"]
    assert [i for i in items if i["PK"]["S"].startswith("REF#")] == []
