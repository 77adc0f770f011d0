"""Who may call what: the authorization matrix, as data.

For each route, the status each caller gets (in the world described in docs/authorization.md)
and the rule behind it, in words. One table, read by:
- the OpenAPI document (chalicelib/http/openapi.py): each operation's security, its 401/403
  answers, `x-motcua-authorization` (the row) and the rule in its description;
- tests/hostile/test_authorization_matrix.py, which sends every request of it to the app;
- docs/authorization.md, whose tables are generated from it:
  `python -m chalicelib.http.authorization --write` (tests/unit/test_openapi.py fails while
  the committed page differs from what this prints).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

Route = tuple[str, str]  # (method, path template), as in app.routes

# The callers of the matrix. Agency A (000.00.41.H19, a ward) received dossier D at its counter
# and resolves it; agency B (000.00.90.H19, the tax department) has no part in it until D is
# transferred there.
CALLERS: dict[str, str] = {
    "anonymous": "no credentials at all",
    "citizen": "the applicant: no official account. On the public lookup, the dossier's "
    "receipt PIN; on officials' routes, a token of the province's issuer with no "
    "official role (`roles: [citizen]`)",
    "receiver": "A's counter officer (role receiver, unit MOT_CUA)",
    "specialist": "A's specialist (role specialist, unit VAN_PHONG)",
    "leader": "A's leader (role leader, unit LANH_DAO)",
    "admin": "A's administrator (role admin, no unit)",
    "other_agency": "an official of B, the tax department (roles specialist and leader, unit "
    "PHONG_QLTK)",
    "expired": "A's receiver with an expired token",
    "wrong_issuer": "A's receiver with a token of another issuer (right key)",
    "portal": "a portal's signed webhook (a client without an agency: scopes `dossiers`, "
    "`portal-events`, `ratings`, `feedback`)",
    "agency_system": "B's system, signed webhook (a client speaking for agency B: scope "
    "`inter-agency`)",
    "gateway": "an SMS/ZNS gateway's signed webhook (scopes `delivery-receipts`, `opt-outs`)",
}
OFFICIALS = ("receiver", "specialist", "leader", "admin")
SIGNERS = ("portal", "agency_system", "gateway")


def _row(default: str, **cells: str) -> dict[str, str]:
    return {caller: cells.get(caller, default) for caller in CALLERS}


def _everyone(status: str) -> dict[str, str]:
    return _row(status)


def _bearer(**cells: str) -> dict[str, str]:
    """An officials' route: tokens decide; bad tokens 401; a citizen's token 403."""
    base = {"citizen": "403", **{c: "401" for c in ("anonymous", "expired", "wrong_issuer")}}
    return _row("401", **{**base, **cells})


def _signed(**cells: str) -> dict[str, str]:
    """A webhook: only a valid signature is heard (a bearer token is no signature), and only
    from a client with the route's scope: the other clients are refused with 403."""
    return _row("401", **{**dict.fromkeys(SIGNERS, "403"), **cells})


def _officials_of_a(status: str, other: str) -> dict[str, str]:
    return {**dict.fromkeys(OFFICIALS, status), "other_agency": other}


AUTHORIZATION: dict[Route, dict[str, str]] = {
    ("GET", "/v1/health"): _everyone("200"),
    ("GET", "/v1/openapi.json"): _everyone("200"),
    ("GET", "/v1/calendar/due-date"): _everyone("200"),
    ("GET", "/v1/procedures"): _everyone("200"),
    ("GET", "/v1/procedures/{code}"): _everyone("200"),
    ("GET", "/v1/public/dossiers/{code}"): _row("404", citizen="200"),
    # D has no result yet: the citizen with its PIN is told so (404); the link itself is shown
    # by tests/integration/test_public_files.py.
    ("GET", "/v1/public/dossiers/{code}/result"): _everyone("404"),
    # A link the portal was given: it names one file, whoever follows it.
    ("GET", "/v1/public/files/{token}"): _everyone("302"),
    ("POST", "/v1/webhooks/dossiers"): _signed(portal="202"),
    ("GET", "/v1/webhooks/receipts/{receipt_id}"): _signed(portal="200"),
    # B's system has the scope, but B takes no part in D (403 too: see RULES).
    ("POST", "/v1/webhooks/inter-agency/{code}/actions"): _signed(),
    ("POST", "/v1/webhooks/delivery-receipts"): _signed(gateway="202"),
    ("POST", "/v1/webhooks/opt-outs"): _signed(gateway="202"),
    ("POST", "/v1/webhooks/portal-events"): _signed(portal="202"),
    # Fees paid online (issue 20): only the platform's own signature is heard; every caller
    # here sends none, and gets the platform's refusal (its adapter's answer), nothing written.
    ("POST", "/v1/webhooks/payments/{platform}"): _everyone("200"),
    ("GET", "/v1/payments/parked"): _bearer(**_officials_of_a("200", "403")),
    # Nothing of D is parked: every official who may decide is told there is no such payment.
    ("POST", "/v1/payments/parked/{platform}/{transaction_id}"): _bearer(
        **_officials_of_a("404", "404")
    ),
    # D has no receipt yet: the citizen with its PIN, and A's officials, are told so (404); a
    # receipt is downloaded in tests/integration/test_receipts_api.py.
    ("GET", "/v1/public/dossiers/{code}/receipts/{number}"): _everyone("404"),
    ("GET", "/v1/dossiers/{code}/receipts/{number}"): _bearer(**_officials_of_a("404", "403")),
    # The citizen's voice (issue 19). D has no result yet: its rating is refused (409).
    ("GET", "/v1/public/ratings/{token}"): _everyone("200"),
    ("POST", "/v1/public/ratings/{token}"): _everyone("409"),
    ("POST", "/v1/webhooks/ratings"): _signed(portal="409"),
    ("POST", "/v1/webhooks/feedback"): _signed(portal="201"),
    ("POST", "/v1/feedback"): _bearer(**_officials_of_a("201", "201")),
    ("GET", "/v1/feedback"): _bearer(**_officials_of_a("200", "200")),
    # F: a PAKN sent to A, about A's receiver, assigned to A's specialist.
    ("GET", "/v1/feedback/{feedback_id}"): _bearer(
        receiver="404", specialist="200", leader="200", admin="200", other_agency="404"
    ),
    # Each caller asks F to be published while it is being handled: the state refuses (409)
    # whoever may act; a leader's right is checked first (403 for the others).
    ("POST", "/v1/feedback/{feedback_id}/actions"): _bearer(
        receiver="404", specialist="403", leader="409", admin="409", other_agency="404"
    ),
    ("POST", "/v1/dossiers"): _bearer(
        receiver="202", specialist="403", leader="403", admin="403", other_agency="403"
    ),
    ("GET", "/v1/intake/{receipt_id}"): _bearer(**_officials_of_a("200", "404")),
    ("POST", "/v1/dossiers/{code}/actions"): _bearer(**_officials_of_a("202", "403")),
    ("GET", "/v1/dossiers/{code}/commands/{command_id}"): _bearer(**_officials_of_a("200", "403")),
    ("GET", "/v1/dossiers/{code}"): _bearer(**_officials_of_a("200", "403")),
    ("GET", "/v1/worklist"): _bearer(**_officials_of_a("200", "200")),
    ("GET", "/v1/reports/766"): _bearer(**_officials_of_a("200", "403")),
    ("GET", "/v1/audit/reads"): _bearer(
        receiver="403", specialist="403", leader="403", admin="200", other_agency="403"
    ),
    ("POST", "/v1/dossiers/{code}/uploads"): _bearer(**_officials_of_a("201", "403")),
    # The matrix records an upload recorded before: the file kept (200).
    ("POST", "/v1/dossiers/{code}/files"): _bearer(**_officials_of_a("200", "403")),
    ("GET", "/v1/dossiers/{code}/files"): _bearer(**_officials_of_a("200", "403")),
    ("GET", "/v1/dossiers/{code}/files/{file_id}"): _bearer(**_officials_of_a("200", "403")),
    ("GET", "/v1/dossiers/{code}/forms/{form}"): _bearer(**_officials_of_a("200", "403")),
    ("GET", "/v1/agencies/{agency}/tracking-book"): _bearer(
        receiver="403", specialist="403", leader="200", admin="200", other_agency="403"
    ),
    ("GET", "/v1/dossiers/{code}/reusable-documents"): _bearer(**_officials_of_a("200", "403")),
    # The matrix records a document taken before: the file kept (200).
    ("POST", "/v1/dossiers/{code}/reuses"): _bearer(**_officials_of_a("200", "403")),
}

# What each route's row means, in words (the OpenAPI description of the operation).
RULES: dict[Route, str] = {
    ("GET", "/v1/health"): "Public.",
    ("GET", "/v1/openapi.json"): "Public.",
    ("GET", "/v1/calendar/due-date"): "Public.",
    ("GET", "/v1/procedures"): "Public.",
    ("GET", "/v1/procedures/{code}"): "Public.",
    ("GET", "/v1/public/dossiers/{code}"): "Public, with the dossier's receipt PIN (a dossier "
    "opened before PINs: the last 4 digits of the applicant's phone): without it, or with a "
    "wrong one, the answer is the 404 of an unknown code; wrong guesses are limited per code "
    "and per client address (429). Tokens and signatures give nothing more.",
    ("GET", "/v1/public/dossiers/{code}/result"): "Public, with the dossier's receipt PIN, "
    "as the lookup (the same 404 without it, the same limits); then 404 while the dossier has "
    "no electronic result. Tokens and signatures give nothing more.",
    ("GET", "/v1/public/files/{token}"): "Public: the token is the credential (an HMAC over "
    "the dossier and the file, given to the national portal); a token not issued here answers "
    "404, and such guesses are limited per client address (429).",
    ("POST", "/v1/webhooks/dossiers"): "A signed client with scope `dossiers` (a portal).",
    ("GET", "/v1/webhooks/receipts/{receipt_id}"): "The signed client (scope `dossiers`) that "
    "made the receipt; another client's receipt answers 404.",
    ("POST", "/v1/webhooks/inter-agency/{code}/actions"): "A signed client with scope "
    "`inter-agency` that speaks for an agency involved in the dossier (403 otherwise); the "
    "transition worker then checks the state machine's roles and places for role `system`.",
    ("POST", "/v1/webhooks/delivery-receipts"): "A signed client with scope "
    "`delivery-receipts` (an SMS/ZNS gateway); 404 when no message has that provider and id.",
    ("POST", "/v1/webhooks/opt-outs"): "A signed client with scope `opt-outs` (an SMS/ZNS "
    "gateway).",
    ("POST", "/v1/webhooks/portal-events"): "A signed client with scope `portal-events` (a "
    "portal), for any dossier of ours (404 naming `MaHoSo` otherwise); it acts as the "
    "applicant (role `applicant`) at the counter that received the dossier, and the transition "
    "worker checks the state machine's roles and places for that role.",
    ("POST", "/v1/webhooks/payments/{platform}"): "The payment platform, by its own signature "
    "over the body (verified by its adapter; our webhook clients' signatures and tokens are not "
    "its signature): anything else gets the platform's refusal and writes nothing.",
    ("GET", "/v1/payments/parked"): "Officials of the agency asked about (403 for another's), or "
    "an admin of any agency; the payments of unknown orders (`agency=-`) to admins only.",
    ("POST", "/v1/payments/parked/{platform}/{transaction_id}"): "Officials of the payment's "
    "agency (403 for another's), or an admin of any agency; a payment of an unknown order to "
    "admins only. 404 when no such payment was recorded.",
    ("GET", "/v1/public/dossiers/{code}/receipts/{number}"): "Public, with the dossier's "
    "receipt PIN, as the lookup (the same 404 without it, the same limits); then 404 when the "
    "dossier has no receipt of that number. Tokens and signatures give nothing more.",
    ("GET", "/v1/dossiers/{code}/receipts/{number}"): "Officials of an agency involved in the "
    "dossier; each link given is recorded in the read audit first.",
    ("GET", "/v1/public/ratings/{token}"): "Public: the token of the invitation's link is the "
    "credential (an HMAC over the dossier's code); a token not issued here answers 404, and "
    "such guesses are limited per client address (429). No personal data.",
    ("POST", "/v1/public/ratings/{token}"): "Public, with the invitation's token (as its GET); "
    "taken only within the rating period after the result was returned (409 otherwise).",
    ("POST", "/v1/webhooks/ratings"): "A signed client with scope `ratings` (the counter's "
    "rating device, a portal's rating sync); a client bound to an agency only for dossiers "
    "that agency received or resolves (403).",
    ("POST", "/v1/webhooks/feedback"): "A signed client with scope `feedback` (the national "
    "portal, the 1022 hotline's system).",
    ("POST", "/v1/feedback"): "Any official: a PAKN taken by phone, letter or at the counter, "
    "for the official's own agency unless another is named.",
    ("GET", "/v1/feedback"): "Any official: the PAKN of their own agency, except those about "
    "themselves; the person's data only on those they handle.",
    ("GET", "/v1/feedback/{feedback_id}"): "Officials of the handling agency (404 for others), "
    "never the official it is about (404); the person's data only for those handling it (the "
    "assignee, the agency's leaders and admins, whoever typed it in).",
    ("POST", "/v1/feedback/{feedback_id}/actions"): "Seen as its GET (404 otherwise); a leader "
    "of the handling agency assigns, transfers, refuses and publishes; the assignee or a "
    "leader starts and answers (403 otherwise); a move its status does not allow is 409.",
    ("POST", "/v1/dossiers"): "An official with the receiver role; the dossier is received at "
    "the official's own agency and unit.",
    ("GET", "/v1/intake/{receipt_id}"): "Any official of the agency whose counter made the "
    "receipt; another agency's receipt answers 404.",
    ("POST", "/v1/dossiers/{code}/actions"): "Any official of an agency involved in the dossier "
    "(receiving, resolving, any step's, any transfer's) is heard (202); the transition worker "
    "then applies the state machine's roles and places and records a refusal otherwise.",
    ("GET", "/v1/dossiers/{code}/commands/{command_id}"): "Officials of an agency involved "
    "in the dossier.",
    ("GET", "/v1/dossiers/{code}"): "Officials of an agency involved in the dossier.",
    ("GET", "/v1/worklist"): "Any official: the open dossiers their own agency holds.",
    ("GET", "/v1/reports/766"): "Officials of the agency reported on, or an admin of any agency.",
    ("POST", "/v1/dossiers/{code}/uploads"): "Officials of an agency involved in the dossier "
    "(as its reads).",
    ("POST", "/v1/dossiers/{code}/files"): "Officials of an agency involved in the dossier "
    "(as its reads).",
    ("GET", "/v1/dossiers/{code}/files"): "Officials of an agency involved in the dossier.",
    ("GET", "/v1/dossiers/{code}/files/{file_id}"): "Officials of an agency involved in the "
    "dossier; each link given is recorded in the read audit first.",
    ("GET", "/v1/dossiers/{code}/forms/{form}"): "Officials of an agency involved in the "
    "dossier; each link given is recorded in the read audit first. Mẫu 01 prints the receipt "
    "PIN only for the counter whose receipt is named (`receipt_id`).",
    ("GET", "/v1/agencies/{agency}/tracking-book"): "The agency's own leaders and admins (the "
    "book names every applicant it received: narrower than the QĐ 766 report's counts); the "
    "read of each dossier it lists is recorded in the read audit first.",
    ("GET", "/v1/dossiers/{code}/reusable-documents"): "Officials of an agency involved in "
    "the dossier: only the documents of its own applicant.",
    ("POST", "/v1/dossiers/{code}/reuses"): "Officials of an agency involved in the dossier: "
    "only a document of its own applicant.",
    ("GET", "/v1/audit/reads"): "An administrator (role admin) of any agency: the audit of "
    "officials' reads of personal data is the province's oversight, not an agency's.",
}


def security_of(route: Route) -> str:
    """How a route's callers prove who they are: "public", "signed" or "bearer"."""
    row = AUTHORIZATION[route]
    if row["anonymous"] != "401":
        return "public"
    return "signed" if any(row[s] != "401" for s in SIGNERS) else "bearer"


# -- docs/authorization.md -----------------------------------------------------------------------
DOC = Path(__file__).resolve().parents[2] / "docs" / "authorization.md"
# A generated block: from its opening marker to its closing one, both kept.
BLOCK = re.compile(r"(<!-- generated: (?P<name>[a-z]+) -->\n).*?(<!-- end generated -->)", re.S)


def callers_table() -> str:
    lines = ["| caller | who |", "|---|---|"]
    lines += [f"| {caller} | {who} |" for caller, who in CALLERS.items()]
    return "\n".join(lines) + "\n"


def matrix_table() -> str:
    """The matrix as a Markdown table: one line a route, one column a caller."""
    callers = list(CALLERS)
    lines = ["| route | " + " | ".join(callers) + " |", "|---|" + "---|" * len(callers)]
    for (method, path), row in AUTHORIZATION.items():
        lines.append(f"| `{method} {path}` | " + " | ".join(row[c] for c in callers) + " |")
    return "\n".join(lines) + "\n"


BLOCKS = {"callers": callers_table, "matrix": matrix_table}


def markdown(page: str) -> str:
    """`page` (docs/authorization.md) with each generated block written anew from the table."""
    return BLOCK.sub(lambda m: m.group(1) + BLOCKS[m.group("name")]() + m.group(3), page)


def main(argv: list[str]) -> int:
    page = markdown(DOC.read_text(encoding="utf-8"))
    if "--write" in argv:
        DOC.write_text(page, encoding="utf-8")
    else:
        sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
