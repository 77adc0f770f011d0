"""What the citizen's lookup is told of the appointment (services/reading.public_view): the
appointment given at receipt only beside an apology's new date."""

from chalicelib.domain.procedures import Catalog
from chalicelib.services.reading import public_view
from tests.unit.builders import at, land_procedure, new_dossier


def test_a_dossier_never_apologised_for_shows_no_earlier_appointment(calendar):
    procedure = land_procedure()
    dossier = new_dossier(procedure, calendar, at(2026, 3, 9, 10)).dossier
    assert dossier.original_due_at is not None  # kept from receipt: the one QĐ 766 judges
    view = public_view(dossier, Catalog([procedure]))
    assert view["due_at"] is not None and view["original_due_at"] is None


def test_after_an_apology_the_appointment_given_at_receipt_is_shown_beside_the_new_one(calendar):
    procedure = land_procedure()
    received = new_dossier(procedure, calendar, at(2026, 3, 9, 10)).dossier
    moved = received.model_copy(update={"apologies": 1, "due_at": at(2026, 3, 27, 17)})
    view = public_view(moved, Catalog([procedure]))
    assert view["original_due_at"] == received.original_due_at.isoformat()
    assert view["due_at"] == at(2026, 3, 27, 17).isoformat()
