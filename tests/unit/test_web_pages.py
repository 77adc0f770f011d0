"""The page layer's pieces (chalicelib/web): the CSRF token, form bodies, escaping, the site's
paths, dates as people read them, static files, and Jinja2 kept out of the API's cold start.
The pages themselves, in a browser against a local stack: tests/browser."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.settings import Settings
from chalicelib.web import csrf
from chalicelib.web.errors import PageRefused
from chalicelib.web.form_body import form_fields
from chalicelib.web.lookup import Outcome, render_lookup
from chalicelib.web.site import Site
from chalicelib.web.static import static_file, static_url
from chalicelib.web.templates import day_and_hour

ROOT = Path(__file__).resolve().parents[2]
FORM = "application/x-www-form-urlencoded"


def _jinja_loaded_after(code: str) -> bool:
    probe = f"import sys\n{code}\nprint(__import__('json').dumps('jinja2' in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return bool(json.loads(out.stdout.strip().splitlines()[-1]))


def test_jinja2_stays_out_of_the_cold_start_and_comes_with_the_first_page():
    modules = [
        "app",
        "chalicelib.web.lookup",
        "chalicelib.web.boundary",
        "chalicelib.web.templates",
    ]
    assert _jinja_loaded_after(f"for m in {modules!r}: __import__(m)") is False
    assert _jinja_loaded_after(
        "from chalicelib.web.templates import render\nfrom chalicelib.web.site import Site\n"
        "render('home.html', site=Site())"
    )


def test_a_new_token_is_set_in_a_strict_cookie_and_kept_while_the_browser_has_it():
    new = csrf.token_for({}, secure=True)
    assert new.set_cookie is not None and new.set_cookie.startswith(
        f"__Host-motcua-csrf={new.value};"
    )
    for attribute in ("HttpOnly", "SameSite=Strict", "Secure", "Path=/"):
        assert attribute in new.set_cookie
    kept = csrf.token_for({"cookie": f"__Host-motcua-csrf={new.value}"}, secure=True)
    assert kept.value == new.value and kept.headers == {}
    local = csrf.token_for({}, secure=False)  # plain HTTP on loopback: no Secure, no __Host-
    assert local.set_cookie is not None and "Secure" not in local.set_cookie
    assert local.set_cookie.startswith("motcua-csrf=")


def test_a_post_is_accepted_only_with_the_cookies_token():
    token = csrf.token_for({}, secure=False).value
    cookie = {"cookie": f"other=1; motcua-csrf={token}"}
    csrf.require_token(cookie, {csrf.FIELD: token}, secure=False)
    other = csrf.token_for({}, secure=False).value
    refused = [
        ({}, {csrf.FIELD: token}),  # no cookie
        (cookie, {}),  # no field
        (cookie, {csrf.FIELD: other}),  # another token
        ({"cookie": "motcua-csrf=short"}, {csrf.FIELD: "short"}),  # not a token we issue
        ({"cookie": f"__Host-motcua-csrf={token}"}, {csrf.FIELD: token}),  # the other name
    ]
    for headers, fields in refused:
        with pytest.raises(PageRefused) as caught:
            csrf.require_token(headers, fields, secure=False)
        assert caught.value.status == 403, (headers, fields)


def test_a_form_body_is_a_bounded_utf8_form():
    assert form_fields(f"{FORM}; charset=UTF-8", b"ma=a&pin=&ma=b", 100) == {
        "ma": "a",
        "pin": "",
    }
    assert form_fields(FORM, b"ten=L%C3%AA", 100) == {"ten": "Lê"}
    for content_type, body in (
        ("application/json", b'{"ma": "a"}'),
        (FORM, b"ma=" + b"a" * 100),  # over the bound
        (FORM, b"ma=%ff"),  # not UTF-8
        (None, b"ma=a"),
    ):
        with pytest.raises(PageRefused) as caught:
            form_fields(content_type, body, 100)
        assert caught.value.status == 400


def test_what_people_typed_is_escaped():
    html = render_lookup(Site(), "t" * 43, Outcome(code='"><script>alert(1)</script>'))
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html


def test_links_follow_the_public_base_url_and_cookies_are_secure_unless_plain_http():
    deployed = Site.from_settings(Settings(public_base_url="https://abc.execute-api.example/api/"))
    assert deployed == Site(base_path="/api", secure=True)
    assert deployed.url("/tra-cuu") == "/api/tra-cuu"
    assert Site.from_settings(Settings(public_base_url="http://127.0.0.1:8000")) == Site("", False)
    assert Site.from_settings(Settings()).secure  # unknown: assume HTTPS


def test_moments_are_shown_in_hanoi_time():
    assert day_and_hour("2026-01-12T10:00:00+00:00") == "17 giờ 00, ngày 12/01/2026"
    assert day_and_hour(None) == ""


def test_static_files_are_served_by_name_only_with_a_long_cache():
    answer = static_file("site.css")
    assert answer.status_code == 200 and "immutable" in answer.headers["Cache-Control"]
    assert answer.headers["Content-Type"].startswith("text/css")
    assert static_url("htmx.min.js", "/api").startswith("/api/static/htmx.min.js?v=")
    for name in ("../app.py", "nope.css", "__init__.py"):
        with pytest.raises(PageRefused):
            static_file(name)


def test_every_route_outside_the_api_is_a_page_behind_the_page_boundary():
    """Its errors are Vietnamese pages and its answers carry the security headers; the API's
    routes are in the OpenAPI document and the authorization matrix (tests/unit/test_openapi)."""
    from app import app
    from chalicelib.http.route_docs import is_api

    pages = {
        (method, path): entry.view_function
        for path, methods in app.routes.items()
        if not is_api(path)
        for method, entry in methods.items()
    }
    assert ("GET", "/tra-cuu") in pages and ("POST", "/tra-cuu") in pages
    unguarded = [route for route, view in pages.items() if not getattr(view, "renders_page", 0)]
    assert unguarded == []


def _refusing(error: Exception):
    def lookup(*_: str) -> dict:
        raise error

    return lookup


def _no_call(*_):
    raise AssertionError("not called")


def test_each_refusal_of_the_lookup_is_told_beside_its_field_with_the_apis_status():
    from chalicelib.http.problems import Problem
    from chalicelib.services.errors import FieldIssue, Invalid, NotFound, TooManyRequests
    from chalicelib.web.lookup import CODE_MISSING, PIN_MISSING, look_up

    def code_ok(code: str) -> str:
        return code

    empty = look_up({"ma": " ", "pin": ""}, checked_code=_no_call, lookup=_no_call, result=_no_call)
    assert (empty.status, empty.errors) == (400, {"ma": CODE_MISSING, "pin": PIN_MISSING})
    malformed = Problem(400, "x", errors=[FieldIssue("code", "bad", "Mã hồ sơ sai")])
    cases = {
        "malformed code": (_refusing(malformed), 400, {"ma": "Mã hồ sơ sai"}),
        "pin's form": (
            _refusing(Invalid("x", errors=[FieldIssue("pin", "r", "PIN sai")])),
            400,
            {"pin": "PIN sai"},
        ),
        "wrong pin": (_refusing(NotFound("Không tìm thấy")), 404, {"pin": "Không tìm thấy"}),
        "too many": (
            _refusing(TooManyRequests("Quá nhiều", retry_after=61)),
            429,
            {"pin": "Quá nhiều (khoảng 2 phút)."},
        ),
    }
    for name, (lookup, status, errors) in cases.items():
        checked = lookup if name == "malformed code" else code_ok
        outcome = look_up({"ma": "C", "pin": "P"}, checked_code=checked,
                          lookup=lookup, result=_no_call)  # fmt: skip
        assert (outcome.status, outcome.errors, outcome.dossier) == (status, errors, None), name
    assert outcome.headers == {"Retry-After": "61"}


def test_a_dossier_with_an_electronic_result_is_shown_with_its_links():
    from chalicelib.web.lookup import look_up

    found = {"code": "C", "electronic_result": True}
    outcome = look_up(
        {"ma": " C ", "pin": "P"},
        checked_code=lambda code: code,
        lookup=lambda code, pin: found if (code, pin) == ("C", "P") else {},
        result=lambda code, pin: {"items": [{"name": "kq.pdf", "url": "https://s3/x"}]},
    )
    assert (outcome.status, outcome.errors, outcome.dossier) == (200, {}, found)
    assert outcome.results == [{"name": "kq.pdf", "url": "https://s3/x"}]
