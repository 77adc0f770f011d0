"""The pages' Jinja2 environment: templates under `templates/`, autoescaped, built once.

Jinja2 is imported here, when a page first renders: the API function serves /v1 routes too,
and its cold start must not pay for templates (bench/cold_start.py measures it).
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import Any

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.web.static import static_url

TEMPLATES = Path(__file__).resolve().parent / "templates"


def day_and_hour(value: str | datetime | None) -> str:
    """A moment as people read it in Hà Nội time: "17 giờ 00, ngày 12/01/2026"."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(LOCAL_TZ)
    return f"{local:%H} giờ {local:%M}, ngày {local:%d/%m/%Y}"


@functools.cache
def environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template is HTML: escape everything not marked safe
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the test, not the citizen
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day_and_hour"] = day_and_hour
    env.globals["static_url"] = static_url
    return env


def render(name: str, **context: Any) -> str:
    return str(environment().get_template(name).render(**context))
