"""The citizen's public lookup page (`/tra-cuu`): the dossier code and the receipt PIN in, the
dossier as a citizen sees it out, through the same use cases as GET /v1/public/dossiers/{code}
and its /result (the PIN, the limits on wrong guesses, the answer to a wrong one).

The form posts (the PIN stays out of URLs, logs and history); `?ma=<code>` opens it with the
code filled in, which is the link of Mẫu 01's QR code (MOTCUA_LOOKUP_URL). A field at fault is
shown beside it, in Vietnamese, and nothing is read or written beyond what the API would.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.domain.messages import format_vnd
from chalicelib.domain.statuses import DossierStatus
from chalicelib.http.problems import Problem
from chalicelib.ports.payment_platform import PlatformUnavailable
from chalicelib.services.errors import Invalid, NotFound, TooManyRequests
from chalicelib.web.site import Site

if TYPE_CHECKING:
    from chalicelib.services.payments import HowToPay

PATH = "/tra-cuu"
CODE = "ma"  # the QR code's query parameter (devstack/form_scenarios.LOOKUP_URL)
PIN = "pin"
MAX_CODE = 64  # no dossier code is longer: the rest is not echoed back
MAX_PIN = 32
CODE_MISSING = "Vui lòng nhập mã hồ sơ in trên giấy tiếp nhận hồ sơ"
PIN_MISSING = "Vui lòng nhập mã tra cứu (PIN) in trên giấy tiếp nhận hồ sơ"
# The services' field names, as this form names them.
FORM_FIELD = {"code": CODE, "pin": PIN, "phone_last4": PIN}


@dataclass
class Outcome:
    """What the lookup page shows: the values typed, errors beside fields, or the dossier."""

    code: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    dossier: dict[str, Any] | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    rating_url: str | None = None  # returned and still open to rating: the rating page
    payment: dict[str, Any] | None = None  # waiting for fees with an open order: how to pay
    receipts: list[dict[str, Any]] = field(default_factory=list)  # e-receipts of fees paid


def _beside(error: Invalid | Problem, outcome: Outcome, status: int) -> Outcome:
    for issue in error.errors:
        outcome.errors.setdefault(FORM_FIELD.get(issue.field, PIN), issue.message)
    outcome.status = status
    return outcome


def look_up(
    fields: dict[str, str],
    *,
    checked_code: Callable[[str], str],
    lookup: Callable[[str, str], dict[str, Any]],
    result: Callable[[str, str], dict[str, Any]],
    rating_link: Callable[[str], str | None] | None = None,
    how_to_pay: Callable[[str], dict[str, Any] | None] | None = None,
    receipts: Callable[[str, str], list[dict[str, Any]]] | None = None,
) -> Outcome:
    """The lookup of a posted form. `checked_code` is the API's check of a code's form (raises
    a 400 Problem naming `code`); `lookup` and `result` are the API's use cases, bound to this
    request (the PIN, the limits for the caller's address). `rating_link`: the rating page of
    a returned dossier while it may be rated (the PIN holder is the applicant), else None.
    `how_to_pay`: the open payment order of a dossier waiting for fees (`payment_view`), else
    None (no order, expired, or the agency takes no online payment). `receipts`: the dossier's
    electronic receipts for fees paid online, each with a short-lived link to its PDF."""
    code = fields.get(CODE, "").strip()[:MAX_CODE]
    pin = fields.get(PIN, "").strip()[:MAX_PIN]
    outcome = Outcome(code=code)
    if not code:
        outcome.errors[CODE] = CODE_MISSING
    if not pin:
        outcome.errors[PIN] = PIN_MISSING
    if outcome.errors:
        outcome.status = 400
        return outcome
    try:
        code = checked_code(code)
        outcome.dossier = lookup(code, pin)
    except Problem as refused:
        return _beside(refused, outcome, refused.status)
    except Invalid as refused:
        return _beside(refused, outcome, 400)
    except NotFound as refused:
        outcome.errors[PIN] = refused.detail
        outcome.status = 404
        return outcome
    except TooManyRequests as refused:
        minutes = max(1, math.ceil(refused.retry_after / 60))
        outcome.errors[PIN] = f"{refused.detail} (khoảng {minutes} phút)."
        outcome.status = 429
        outcome.headers["Retry-After"] = str(refused.retry_after)
        return outcome
    if outcome.dossier.get("electronic_result"):
        try:
            outcome.results = list(result(code, pin)["items"])
        except NotFound:  # the result file went between the two reads: shown without it
            outcome.results = []
    if receipts is not None:
        outcome.receipts = [
            {**receipt, "amount": format_vnd(receipt["amount_vnd"])}
            for receipt in receipts(code, pin)
        ]
    if rating_link is not None and outcome.dossier.get("status") == DossierStatus.RETURNED:
        outcome.rating_url = rating_link(code)
    if how_to_pay is not None and outcome.dossier.get("status") == DossierStatus.FEES_REQUESTED:
        try:
            outcome.payment = how_to_pay(code)
        except PlatformUnavailable:  # no link now (down, or none configured): pay at the counter
            outcome.payment = None
    return outcome


def payment_view(how: HowToPay | None, qr_image: str | None = None) -> dict[str, Any] | None:
    """What the page shows of an open order: the amount and its lines, the expiry, the
    platform's link, the beneficiary for a bank transfer, and the VietQR code as inline SVG
    markup (`qr_image`; by default drawn here from the order: `vietqr_markup`)."""
    if how is None:
        return None
    order, request = how.order, how.request
    return {
        "order_code": order.order_code,
        "amount": format_vnd(order.amount_vnd),
        "lines": [
            {"name": line.name, "amount": format_vnd(line.amount_vnd)} for line in order.lines
        ],
        "expires_at": order.expires_at.isoformat(),
        "checkout_url": how.checkout_url,
        "account_name": request.beneficiary.account_name,
        "account_number": request.beneficiary.account_number,
        "description": request.description,
        "qr_image": qr_image if qr_image is not None else vietqr_markup(how),
    }


def vietqr_markup(how: HowToPay) -> str | None:
    """The order's VietQR code (a bank transfer of its amount to the agency's account, the order
    code as the note) as SVG markup the page inlines: the pages' CSP allows no data: image,
    and the SVG carries no script or style. Its `<title>` is the image's text alternative,
    in Vietnamese. None when the account cannot be carried by a VietQR payload."""
    from chalicelib.domain.vietqr import VietQRFieldError, transfer_payload
    from chalicelib.forms.vietqr_image import vietqr_svg

    account = how.request.beneficiary
    try:
        payload = transfer_payload(
            bank_bin=account.bank_bin,
            account_number=account.account_number,
            amount_vnd=how.order.amount_vnd,
            purpose=how.order.order_code,
        )
    except VietQRFieldError:
        return None
    alt = (
        f"Mã VietQR: chuyển khoản {format_vnd(how.order.amount_vnd)} vào tài khoản "
        f"{account.account_number} ({account.account_name}), nội dung {how.order.order_code}"
    )
    svg = vietqr_svg(payload, scale=5, title=alt)
    # An image to assistive technology, named by its title.
    return svg.replace("<svg ", '<svg role="img" aria-labelledby="vietqr-title" ', 1).replace(
        "<title>", '<title id="vietqr-title">', 1
    )


def render_lookup(site: Site, csrf_token: str, outcome: Outcome) -> str:
    from chalicelib.web.templates import render

    return render(
        "lookup.html",
        site=site,
        csrf_token=csrf_token,
        code=outcome.code,
        errors=outcome.errors,
        dossier=outcome.dossier,
        results=outcome.results,
        rating_url=outcome.rating_url,
        payment=outcome.payment,
        receipts=outcome.receipts,
        fields={"code": CODE, "pin": PIN},
        action=site.url(PATH),
    )
