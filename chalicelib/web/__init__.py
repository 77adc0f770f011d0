"""Screens for people (issue 18): server-rendered HTML pages served by the same Chalice app.

Pages are routes in app.py outside /v1 that call the same services as the API. This package is
the page layer's glue, one job per module:

- `headers`: the security headers every page carries (a strict Content-Security-Policy, …) and
  the page response;
- `csrf`: the double-submit token every form carries, and the check of a POST;
- `form_body`: a form's body (application/x-www-form-urlencoded) as fields;
- `templates`: the Jinja2 environment (autoescaped; imported when a page first renders, never
  at the API's cold start);
- `boundary`: page errors as Vietnamese pages that say what to do next;
- `static`: the vendored files under `static/` (stylesheet, htmx) with cache headers;
- `lookup`: the citizen's public lookup page.
"""
