"""The motcua Chalice app. Handlers are thin: parse, call one service, map errors."""

from chalice import Chalice

from chalicelib import providers
from chalicelib.http.handlers import answers_problems, parse_query
from chalicelib.services import due_dates

app = Chalice(app_name="motcua")


def _path() -> str | None:
    request = app.current_request
    return request.context.get("path") if request is not None else None


problems = answers_problems(_path)


@app.route("/v1/health", methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "ok", "service": "motcua"}


@app.route("/v1/calendar/due-date", methods=["GET"])
@problems
def calendar_due_date() -> dict[str, object]:
    query = parse_query(due_dates.DueDateQuery, app.current_request.query_params)
    return due_dates.due_date(query, providers.calendar(), providers.catalog())
