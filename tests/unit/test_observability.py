"""chalicelib/domain/masking.py and chalicelib/observability: personal data masked in every
log line, the dossier code as correlation id, one line per record, EMF counters, no tracer
outside Lambda."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

from chalicelib import observability
from chalicelib.domain.masking import mask, redact
from chalicelib.observability import logs

CODE = "000.00.41.H19-261121-0001"
PROJECT_DIR = Path(__file__).resolve().parents[2]


# -- mask(): examples -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gọi 0912345678 nhé", "gọi [phone] nhé"),
        ("84912345678", "[phone]"),
        ("+84912345678", "[phone]"),
        ("sđt +84 912 345 678.", "sđt [phone]."),
        ("0912.345.678 / 0912-345-678", "[phone] / [phone]"),
        ("(+84) 912-345-678", "([phone]"),
        ("máy bàn 02513822123, (0251) 3822 123", "máy bàn [phone], ([phone]"),
        ("CCCD 075190000123, CMND 123456789", "CCCD [id], CMND [id]"),
        ("MST 3603123456 và chi nhánh 3603123456-001", "MST [id] và chi nhánh [id]"),
        ("hộ chiếu B1234567", "hộ chiếu [id]"),
        ("to lan.nguyen@example.vn!", "to [email]!"),
        ("route email:binh.tran@example.vn", "route email:[masked]"),
        ("{'phone': '84912345678', 'kind': 1}", "{'phone': '[masked]', 'kind': 1}"),
        ('{"ChuHoSo":"Trần Văn Bình","MaTTHC":"1.001193"}',
         '{"ChuHoSo":"[name]","MaTTHC":"1.001193"}'),
        ("ChuHoSo: Trần Văn Bình, LoaiDoiTuong: 1", "ChuHoSo: [name], LoaiDoiTuong: 1"),
        (
            "{'applicant': {'kind': 1, 'name': 'Nguyễn Thị Lan'}, "
            "'actor': {'name': 'Lê Văn Hùng'}}",
            "{'applicant': {'kind': 1, 'name': '[name]'}, 'actor': {'name': 'Lê Văn Hùng'}}",
        ),
        ("applicant=Applicant(name='Nguyễn Thị Lan', kind=1)",
         "applicant=Applicant(name='[name]', kind=1)"),
        ("ApplicantIn(kind=1, name='Nguyễn Thị Lan')", "ApplicantIn(kind=1, name='[name]')"),
        (
            "applicant.name\n  String too long [type=string_too_long, "
            "input_value='Nguyễn Thị Lan', input_type=str]",
            "applicant.name\n  String too long [type=string_too_long, input_value='[masked]', "
            "input_type=str]",
        ),
    ],
)  # fmt: skip
def test_mask_removes_personal_data(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        f"dossier {CODE} applied at version 3",
        "procedure 1.001193 v2, 1.012766.000.00.00.H19 and 2.002043",
        "agency 000.01.09.H19 unit MOT_CUA, code 000.01.09.H19-261121-10000",
        "at 2026-11-21T09:00:55.629+07:00 in 410 ms, 3 record(s), attempt 4 of 5",
        "message 0e8f1234-5678-4abc-9def-012345678901 command 89c0302a-b7af-4db9-9e84-5860f1ebb405",
        "arn:aws:sqs:ap-southeast-1:123456789012:motcua-intake",
        "http://127.0.0.1:5000/123456789012/motcua-transitions.fifo",
        "phone_last4=5678, official Trần Thị Mai (ward_receiver)",
    ],
)
def test_mask_keeps_what_operators_need(text):
    assert mask(text) == text


# -- mask(): properties -----------------------------------------------------------------------
SEPARATORS = st.sampled_from([" ", "\n", ", ", ": ", "=", "(", ")", "'", '"', "; ", "\t", "|", "/"])
AROUND = st.text(max_size=40)
digit = st.integers(0, 9).map(str)


def digits(n):
    return st.lists(digit, min_size=n, max_size=n).map("".join)


# Mobile: 0 + 3/5/7/8/9 + 8 digits; fixed line: 0 + 2 + 9 digits (e.g. 0251 3822 123).
mobile = st.tuples(st.sampled_from("35789"), digits(8)).map("".join)
fixed = st.tuples(st.just("2"), digits(9)).map("".join)


@st.composite
def phones(draw):
    """A Vietnamese number in one of the forms people and systems write."""
    national = draw(st.one_of(mobile, fixed))  # without the leading 0
    head, rest = national[:3], national[3:]
    split = [rest[:3], rest[3:]] if len(rest) == 6 else [rest[:4], rest[4:]]
    return draw(
        st.sampled_from(
            [
                "0" + national,
                "84" + national,
                "+84" + national,
                " ".join(["0" + head, *split]),
                ".".join(["0" + head, *split]),
                "-".join(["0" + head, *split]),
                " ".join(["+84", head, *split]),
                "(+84) " + "-".join([head, *split]),
                f"0{national[:3]} {national[3:6]} {national[6:]}",
            ]
        )
    )


cccd = st.tuples(st.integers(1, 96).map(lambda p: f"{p:03d}"), digits(9)).map("".join)
cmnd = digits(9)
tax_code = st.tuples(st.sampled_from("123456789"), digits(9)).map("".join)
passport = st.tuples(st.sampled_from("BCNP"), digits(7)).map("".join)
emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.from_regex(r"[a-z0-9][a-z0-9._]{0,15}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True),
    st.sampled_from(["vn", "com.vn", "gov.vn", "com"]),
)


@given(AROUND, SEPARATORS, st.one_of(phones(), cccd, cmnd, tax_code, passport, emails),
       SEPARATORS, AROUND)  # fmt: skip
def test_no_embedded_phone_id_or_email_survives(before, left, secret, right, after):
    masked = mask(before + left + secret + right + after)
    assert secret not in masked
    if secret[:1] in "+0":  # a phone: not even its digits run together
        assert secret.lstrip("+") not in masked


# Around a code: no digits, and no `key: value` (a code given as a phone's value is masked).
CODE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Nd"], blacklist_characters=":="), max_size=30
)
CODE_SEPARATORS = st.sampled_from([" ", "\n", ", ", "(", ")", "'", '"', "; ", "\t", "|", "/"])
agency = st.builds(
    lambda a, b, c, p: f"{a:03d}.{b:02d}.{c:02d}.H{p:02d}",
    st.integers(0, 999),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(1, 99),
)
dossier_code = st.builds(
    lambda ag, day, seq: f"{ag}-{day}-{seq}",
    agency,
    digits(6),
    st.one_of(digits(4), st.integers(10000, 99999).map(str)),
)
procedure_code = st.one_of(
    st.builds(lambda n, d: f"{n}.{d}", st.integers(1, 3), digits(6)),
    st.builds(
        lambda n, d, p: f"{n}.{d}.000.00.00.H{p:02d}",
        st.integers(1, 3),
        digits(6),
        st.integers(1, 99),
    ),
)


@given(CODE_TEXT, CODE_SEPARATORS, st.one_of(dossier_code, procedure_code, agency),
       CODE_SEPARATORS, CODE_TEXT)  # fmt: skip
def test_codes_are_not_personal_data(before, left, code, right, after):
    assert code in mask(before + left + code + right + after)


# -- redact(): log documents ------------------------------------------------------------------
def test_redact_masks_by_key_and_keeps_officials():
    document = {
        "message": "intake accepted",
        "applicant": {"name": "Nguyễn Thị Lan", "kind": 1, "phone": "84912345678"},
        "ChuHoSo": "Trần Văn Bình",
        "actor_name": "Trần Thị Mai",
        "emails": ["lan.nguyen@example.vn"],
        "errors": [{"type": "too_long", "loc": ["applicant", "name"], "msg": "m", "input": "X Y"}],
        "amount": 84912345678,
        "version": 3,
        "correlation_id": CODE,
    }
    assert redact(document) == {
        "message": "intake accepted",
        "applicant": {"name": "[name]", "kind": 1, "phone": "[masked]"},
        "ChuHoSo": "[name]",
        "actor_name": "Trần Thị Mai",
        "emails": ["[masked]"],
        "errors": [
            {"type": "too_long", "loc": ["applicant", "name"], "msg": "m", "input": "[masked]"}
        ],
        "amount": "[id]",
        "version": 3,
        "correlation_id": CODE,
    }


def test_redact_dumps_models_field_by_field():
    from chalicelib.domain.dossier import Applicant

    applicant = Applicant(name="Nguyễn Thị Lan", id_number="075190000123", phone="84912345678")
    assert redact({"applicant": applicant})["applicant"]["name"] == "[name]"
    assert "Nguyễn" not in json.dumps(redact({"who": applicant}), ensure_ascii=False)


# -- the logger -------------------------------------------------------------------------------
class Body(BaseModel):
    name: Annotated[str, Field(max_length=3)]
    phone: int


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


REFUSED_BODY = {"name": "Nguyễn Thị Lan", "phone": "0912345678x"}


def test_a_validation_error_is_logged_without_the_input(capsys):
    log = observability.get_logger()
    try:
        Body.model_validate(REFUSED_BODY)
    except ValidationError:
        log.exception("body refused", body={"applicant": {"name": REFUSED_BODY["name"]}})
    out = capsys.readouterr().out
    for secret in ("Nguyễn Thị Lan", "0912345678"):
        assert secret not in out
    (line,) = json_lines(out)
    assert line["exception_name"] == "ValidationError"
    assert (
        "input_value=[masked]" in line["exception"]
        or "input_value='[masked]'" in (line["exception"])
    )
    assert line["body"] == {"applicant": {"name": "[name]"}}


def test_message_args_and_extra_keys_are_masked(capsys):
    observability.get_logger().info(
        "sent to %s and %s", "84912345678", "lan.nguyen@example.vn", ChuHoSo="Trần Văn Bình"
    )
    (line,) = json_lines(capsys.readouterr().out)
    assert line["message"] == "sent to [phone] and [email]"
    assert line["ChuHoSo"] == "[name]"


def test_the_dossier_code_is_the_correlation_id_within_its_scope(capsys):
    log = observability.get_logger()
    before = observability.correlation_id()
    with observability.scope():
        observability.bind_dossier(CODE)
        log.info("inside")
        with observability.bind_dossier("000.00.07.H19-261121-0002"):
            log.info("nested")
        log.info("after nested")
    log.info("outside")
    lines = json_lines(capsys.readouterr().out)
    assert [line.get("correlation_id") for line in lines] == [
        CODE, "000.00.07.H19-261121-0002", CODE, before]  # fmt: skip


def own(handlers):
    """Handlers but pytest's (it attaches its capture to every logger that does not propagate)."""
    return [h for h in handlers if not type(h).__module__.startswith("_pytest")]


def test_chalice_adds_no_handler_and_records_do_not_reach_the_root(capsys):
    import app

    motcua = logging.getLogger("motcua")
    observability.get_logger()
    assert app.app.log is motcua
    assert own(motcua.handlers) == [logs._handler]
    assert motcua.propagate is False


@pytest.fixture
def lambda_root():
    """The root logger as Lambda's runtime leaves it: its own handler."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    lambda_output = io.StringIO()
    lambda_handler = logging.StreamHandler(lambda_output)
    root.handlers = [lambda_handler]
    root.setLevel(logging.WARNING)
    observability.get_logger()
    observability.configure_root(lambda_runtime=True)
    yield root, lambda_output
    root.handlers, root.level = saved


def test_in_lambda_each_record_is_written_once_through_the_masking_handler(lambda_root, capsys):
    root, lambda_output = lambda_root
    assert own(root.handlers) == [logs._handler]
    observability.get_logger().warning("ours 84912345678")
    app_log = logging.getLogger("motcua")  # Chalice's app.log
    app_log.error("Caught exception for path %s", "/v1/dossiers/x")
    logging.getLogger("botocore.retries").warning("a library's 075190000123")
    lines = json_lines(capsys.readouterr().out)
    assert [line["message"] for line in lines] == [
        "ours [phone]",
        "Caught exception for path /v1/dossiers/x",
        "a library's [id]",
    ]
    assert lambda_output.getvalue() == ""


LAMBDA_PROCESS = """
import logging, sys, types
class LambdaHandler(logging.Handler):  # what Lambda's runtime puts on the root logger
    def emit(self, record):
        sys.stderr.write("LAMBDA " + self.format(record) + "\\n")
logging.getLogger().addHandler(LambdaHandler())
import app  # as Lambda does: the app first, the logger on the first call
app.app.current_request = types.SimpleNamespace(
    context={"resourcePath": "/v1/procedures"}, method="GET")
app.list_procedures()
app.app.log.error("Caught exception for path %s", "/v1/x")
logging.getLogger("botocore.credentials").warning("a library's 0912345678")
"""


def test_a_fresh_lambda_process_writes_each_line_once():
    """The order of a cold start: Chalice(…) at import, Powertools' logger at the first call.
    With Chalice's default configure_logs=True every line of the app came out twice."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(PROJECT_DIR),
        "AWS_LAMBDA_FUNCTION_NAME": "motcua-prod-api_handler",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    result = subprocess.run([sys.executable, "-c", LAMBDA_PROCESS], capture_output=True,
                            text=True, env=env, cwd=PROJECT_DIR, check=True)  # fmt: skip
    assert "LAMBDA" not in result.stderr
    lines = result.stdout.splitlines()
    assert [json.loads(line)["message"] for line in lines] == [
        "GET /v1/procedures 200",
        "Caught exception for path /v1/x",
        "a library's [phone]",
    ]


def test_outside_lambda_the_root_logger_is_left_alone():
    root = logging.getLogger()
    before = list(root.handlers)
    observability.configure_root(lambda_runtime=False)
    assert own(root.handlers) == own(before)


def test_log_to_stderr_for_command_line_tools(capsys):
    with observability.log_to_stderr():
        observability.get_logger().info("to stderr")
    observability.get_logger().info("to stdout")
    captured = capsys.readouterr()
    assert "to stderr" in captured.err and "to stdout" not in captured.err
    assert "to stdout" in captured.out and "to stderr" not in captured.out


# -- metrics ----------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def no_pending_metrics(monkeypatch):
    """Other tests count (the services do) without flushing: start from nothing."""
    with monkeypatch.context() as patch:
        patch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
        observability.flush()


def test_counters_are_written_as_emf_one_line_per_dimension_set(capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    observability.count("TransitionApplied", action="take_up")
    observability.count("TransitionApplied", action="take_up")
    observability.count("TransitionRefused", action="take_up")
    observability.count("NotificationSent", channel="sms")
    observability.count("DossierReceived")
    observability.flush()
    lines = json_lines(capsys.readouterr().out)
    assert len(lines) == 3
    for line in lines:
        (directive,) = line["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "motcua"
        assert line["service"] == "motcua"
    by_dimension = {tuple(line["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]): line
                    for line in lines}  # fmt: skip
    assert by_dimension[("service",)]["DossierReceived"] == [1.0]
    take_up = by_dimension[("action", "service")]
    assert take_up["action"] == "take_up"
    assert take_up["TransitionApplied"] == [2.0] and take_up["TransitionRefused"] == [1.0]
    assert by_dimension[("channel", "service")]["NotificationSent"] == [1.0]
    observability.flush()  # nothing new: nothing written
    assert capsys.readouterr().out == ""


def test_disabled_metrics_write_nothing_and_keep_nothing(capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    observability.count("AlarmFired", kind="overdue")
    observability.flush()
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    observability.flush()
    assert capsys.readouterr().out == ""


def test_a_handler_flushes_its_metrics_when_it_ends(capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")

    @observability.worker
    def handler(event):
        observability.count("AlarmFired", kind="overdue")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        handler(object())
    (line,) = json_lines(capsys.readouterr().out)
    assert line["AlarmFired"] == [1.0] and line["kind"] == "overdue"


# -- tracer and import cost -------------------------------------------------------------------
def test_no_tracer_outside_lambda(monkeypatch):
    monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)
    assert not observability.tracing_enabled()
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    assert observability.tracing_enabled()
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    assert not observability.tracing_enabled()
    monkeypatch.delenv("POWERTOOLS_TRACE_DISABLED")
    monkeypatch.delenv("LAMBDA_TASK_ROOT")

    @observability.worker
    def handler(event):
        return "ok"

    assert handler(object()) == "ok"


def test_a_traced_invocation_imports_no_xray_sdk():
    # Lambda's active tracing records the invocation; the SDK's import and patching are a cold
    # start's cost (chalicelib/observability/tracing.py).
    code = (
        "import sys, chalicelib.observability as o\n"
        "assert o.tracing_enabled()\n"
        "o.worker(lambda event: 'ok')(object())\n"
        "print('aws_xray_sdk' in sys.modules)"
    )
    env = {**os.environ, "LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_METRICS_DISABLED": "true"}
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env=env)  # fmt: skip
    assert result.stdout.strip() == "False"


def test_importing_the_module_imports_no_powertools():
    code = "import sys, chalicelib.observability; print('aws_lambda_powertools' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert result.stdout.strip() == "False"
