"""A refused command, as an official reads it on the pages (issue 21): the workbench's dossier
page (its progress box and its table of refusals) and the counter's dossier page show the
Vietnamese `message` the worker recorded; the English `reason` (for integrators and the log)
is never what a non-technical official reads in its place: the workbench does not show it, the
counter only under the Vietnamese, marked as English. Over the fakes, through the app's routes;
in a browser against the local stack: tests/browser."""

from __future__ import annotations

from html import unescape

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.adapters.delivery_log import MemoryDeliveryLog
from chalicelib.adapters.file_records import MemoryFileRecords
from chalicelib.adapters.file_store import MemoryFileStore
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.read_audit import MemoryReadAudit
from chalicelib.adapters.web_sessions import MemoryWebSessions
from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.procedures import Catalog
from chalicelib.services.envelopes import TransitionEnvelope
from chalicelib.services.transitions import Result, apply_envelope
from chalicelib.settings import Settings
from chalicelib.web.officials import start_session
from tests.unit.builders import RECEIVER, at, land_procedure, stored_dossier

CODE = "000.00.32.H19-260105-0001"
BASE = "http://127.0.0.1:8000"
PROCEDURE = land_procedure()


@pytest.fixture
def refused(calendar):
    """The app over fakes, a receiver signed in, and a command of theirs the worker refused."""
    sessions = MemoryWebSessions()
    container = bootstrap.Container(
        Settings(stage="local", public_base_url=BASE),
        store=stored_dossier(MemoryStore(), PROCEDURE, calendar, at(2026, 1, 5, 9), code=CODE),
        catalog=Catalog([PROCEDURE]),
        web_sessions=sessions,
        read_audit=MemoryReadAudit(),
        delivery_log=MemoryDeliveryLog(),
        file_store=MemoryFileStore(),
        file_records=MemoryFileRecords(),
    )
    bootstrap.install(container)
    dossier = container.store.get(CODE)
    envelope = TransitionEnvelope(
        command_id="5f0c2d1e-8a7b-4c1d-9e2f-3a4b5c6d7e8f",  # as a page names it
        code=CODE,
        command=Command(action=Action.RESOLVE),  # not the receiver's, not at this step
        actor=RECEIVER,
        expected_version=dossier.version,
        requested_at=at(2026, 1, 5, 10),
    )
    result = apply_envelope(envelope, container.transition_deps())
    assert result.result is Result.REFUSED and result.refusal is not None
    refusal = result.refusal
    assert refusal.message and refusal.reason and refusal.message != refusal.reason
    cookie = start_session(RECEIVER, sessions, now=container.now(), hours=1, secure=False)
    return refusal, {"cookie": cookie.split(";", 1)[0]}


def page(path: str, headers: dict[str, str]) -> str:
    with Client(app_module.app) as client:
        answer = client.http.get(path, headers=headers)
    assert answer.status_code == 200, answer.body[:400]
    return unescape(answer.body.decode("utf-8"))


def test_the_workbench_shows_the_vietnamese_message_and_not_the_english_reason(refused):
    refusal, headers = refused
    html = page(f"/ho-so/{CODE}?lenh={refusal.command_id}", headers)
    progress = html.split('id="ly-do-tu-choi">', 1)[1].split("</p>", 1)[0]
    assert progress == refusal.message
    table = html.split('<table id="tu-choi">', 1)[1].split("</table>", 1)[0]
    assert refusal.message in table
    assert refusal.reason not in html


def test_the_counter_shows_the_vietnamese_message_first_the_english_only_beneath_it(refused):
    refusal, headers = refused
    html = page(f"/quay/ho-so/{CODE}?lenh={refusal.command_id}", headers)
    told = html.split('<p id="bi-tu-choi">', 1)[1].split("</p>", 1)[0]
    assert told == refusal.message
    beneath = html.split('<p id="bi-tu-choi">', 1)[1]
    assert html.count(refusal.reason) == 1 and refusal.reason in beneath
    assert f'lang="en">{refusal.reason}' in " ".join(beneath.split())
