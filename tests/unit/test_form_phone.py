"""Forms print a phone as people write it, not as it is kept."""

import pytest

from chalicelib.forms.content import shown_phone


@pytest.mark.parametrize(
    ("kept", "shown"),
    [("84912345678", "0912345678"), ("842513811456", "02513811456"), (None, ""), ("113", "113")],
)
def test_a_kept_phone_is_shown_with_its_leading_zero(kept, shown):
    assert shown_phone(kept) == shown
