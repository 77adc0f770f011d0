"""A kept form is linked again only while the bucket's lifecycle keeps it: rendered from the
same dossier revision, and younger than its reuse window (services/form_files.py); the windows
sit inside the lifecycle's days (tests/infra/checks.py holds the template to those days)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.ports.issued_forms import IssuedForm
from chalicelib.services import form_files
from chalicelib.services.form_files import FORM_REUSE, PIN_FORM_REUSE, reusable
from tests.unit.builders import at

T0 = at(2026, 3, 2, 9)


def kept(source: str = "7") -> IssuedForm:
    return IssuedForm(form="01", source=source, key="forms/x/01/7.pdf", sha256="0" * 64,
                      size=1000, content_type="application/pdf", filename="x-mau-01.pdf",
                      at=T0)  # fmt: skip


@pytest.mark.parametrize(
    ("issued", "source", "age", "window", "linked"),
    [
        (kept(), "7", timedelta(days=28), FORM_REUSE, True),
        (kept(), "8", timedelta(0), FORM_REUSE, False),  # the dossier changed
        (kept(), "7", timedelta(days=29), FORM_REUSE, False),  # the lifecycle may take it
        (kept(), "7", timedelta(hours=11), PIN_FORM_REUSE, True),
        (kept(), "7", timedelta(hours=12), PIN_FORM_REUSE, False),
    ],
)
def test_a_kept_form_is_linked_again_only_while_it_is_surely_kept(
    issued, source, age, window, linked
):
    assert reusable(issued, source, T0 + age, window) is linked


def test_the_reuse_windows_end_before_the_lifecycle_days():
    assert timedelta(days=form_files.FORM_KEPT_DAYS) > FORM_REUSE
    assert timedelta(days=form_files.PIN_FORM_KEPT_DAYS) > PIN_FORM_REUSE
    assert form_files.PIN_FORMS_PREFIX != form_files.FORMS_PREFIX
    assert not form_files.PIN_FORMS_PREFIX.startswith(form_files.FORMS_PREFIX)
