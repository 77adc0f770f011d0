"""Every `motcua` command, run with bad arguments, with no stack, and against a stage named prod
without --yes-prod, answers one line saying what to do and a non-zero exit; never a traceback.

`token` and `sign` are the exception with no stack, deliberately: they compute their answer here
from the settings (a signed token, signature headers) and call nothing, so a missing stack is no
reason to fail; they answer (exit 0), say they acted on nothing remote, and their help says so.
They are still refused with bad arguments and on prod without --yes-prod, like every command."""

from __future__ import annotations

import socket

import pytest

from chalicelib import bootstrap, cli, ops

CODE = "000.00.06.H19-260101-0001"
LETTER = "5f0c2d1e-8a7b-4c1d-9e2f-3a4b5c6d7e8f"

# Each command: arguments it accepts, and arguments it refuses before anything is called.
COMMANDS: dict[str, tuple[list[str], list[str]]] = {
    "token": (
        ["token", "--agency", "000.00.06.H19", "--role", "receiver"],
        ["token", "--agency", "000.00.06.H19", "--role", "mayor"],
    ),
    "sign": (["sign", "--client", "portal-dev", "BODY"], ["sign", "--client", "portal-dev"]),
    "timers run": (["timers", "run"], ["timers", "run", "--now", "yesterday"]),
    "calendar recompute": (
        ["calendar", "recompute", "--reason", "Nghỉ bù", "--dry-run"],
        ["calendar", "recompute", "--reason", "Nghỉ bù", "--now", "tomorrow 8am"],
    ),
    "outbox": (["outbox"], ["outbox", "--since", "yesterday"]),
    "report-rebuild": (
        ["report-rebuild", "--agency", "000.00.06.H19", "--from", "2026-01", "--to", "2026-03"],
        ["report-rebuild", "--agency", "000.00.06.H19", "--from", "2026-13", "--to", "2026-03"],
    ),
    "portal reconcile": (["portal", "reconcile"], ["portal", "reconcile", "--days=soon"]),
    "payments reconcile": (["payments", "reconcile"], ["payments", "reconcile", "--day=monday"]),
    "reference push": (["reference", "push"], ["reference", "push", "--data-dir"]),
    "deliveries": (["deliveries", CODE], ["deliveries"]),
    "forms": (["forms", CODE, "01"], ["forms", CODE, "07", "--first", "31/12/2026"]),
    "dlq list": (["dlq", "list"], ["dlq", "list", "--queue", "outboxes"]),
    "dlq show": (["dlq", "show", LETTER], ["dlq", "show"]),
    "dlq redrive": (["dlq", "redrive", "--all"], ["dlq", "redrive"]),
    "dlq purge": (["dlq", "purge", "--all", "--yes"], ["dlq", "purge", LETTER, "--all"]),
    "dlq resend": (["dlq", "resend", "--all"], ["dlq", "resend"]),
    "stack-env": (["stack-env"], ["stack-env", "--stack"]),
}
OFFLINE = {"token", "sign"}


@pytest.fixture(autouse=True)
def nowhere(monkeypatch, tmp_path):
    """No stack: no container in this process, no table named, no `make run` state."""
    for name in ("MOTCUA_TABLE", "MOTCUA_STAGE", "MOTCUA_AWS_ENDPOINT_URL", "MOTCUA_JWT_DEV_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(ops, "LOCAL_STATE", tmp_path / "no-stack-ran-here.json")
    previous = bootstrap.install(None)
    yield
    bootstrap.install(previous)


def argv_of(args: list[str], tmp_path) -> list[str]:
    body = tmp_path / "body.json"
    body.write_text("{}", encoding="utf-8")
    return [str(body) if a == "BODY" else a for a in args]


def leaf_parser(command: str):
    parser = cli.parser()
    for word in command.split():
        [commands] = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
        parser = commands.choices[word]
    return parser


def one_line_refusal(capsys, argv: list[str]) -> str:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code != 0, (argv, out, err)
    assert out == "" and "Traceback" not in err, (argv, out, err)
    [line] = err.splitlines()
    assert line.startswith("error: "), line
    return line


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_arguments_are_one_line_naming_the_command(command, capsys, tmp_path):
    line = one_line_refusal(capsys, argv_of(COMMANDS[command][1], tmp_path))
    assert f"motcua {command}" in line and f"`motcua {command} --help`" in line


@pytest.mark.parametrize("command", COMMANDS)
def test_no_stack_is_one_line_saying_how_to_get_one(command, capsys, tmp_path, monkeypatch):
    argv = argv_of(COMMANDS[command][0], tmp_path)
    if command in OFFLINE:  # computed here: no stack needed, and it says so (module docstring)
        monkeypatch.setenv("MOTCUA_STAGE", "local")  # the development key's stage
        assert cli.main(argv) == 0
        out, err = capsys.readouterr()
        assert err.startswith("target: nothing remote") and out.strip()  # the answer
        assert "needs no stack" in " ".join(leaf_parser(command).description.split())
        return
    line = one_line_refusal(capsys, argv)
    assert "make run" in line


@pytest.mark.parametrize("command", COMMANDS)
def test_prod_without_the_flag_is_refused_before_anything_is_called(
    command, capsys, monkeypatch, tmp_path
):
    monkeypatch.setenv("MOTCUA_STAGE", "prod")
    monkeypatch.setenv("MOTCUA_TABLE", "motcua-prod")
    line = one_line_refusal(capsys, argv_of(COMMANDS[command][0], tmp_path))
    assert "'prod' is production: add --yes-prod" in line


def test_every_command_has_a_description_and_examples_and_every_option_help():
    parser = cli.parser()
    leaves = []

    def walk(p, path):
        actions = [a for a in p._actions if a.dest != "help"]
        subs = [a for a in actions if a.__class__.__name__ == "_SubParsersAction"]
        if not subs:
            leaves.append(" ".join(path))
            assert p.description and "examples:\n  motcua " in (p.epilog or ""), path
            for action in actions:
                assert action.help and ("e.g." in action.help or action.nargs == 0), (
                    path,
                    action.dest,
                )
        for sub in subs:
            for name, child in sub.choices.items():
                walk(child, [*path, name])

    walk(parser, [])
    assert sorted(leaves) == sorted(COMMANDS)


def test_a_stack_that_no_longer_answers_is_one_line(capsys, tmp_path, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ops.LOCAL_STATE.write_text(
        '{"MOTCUA_STAGE": "local", "MOTCUA_TABLE": "motcua-gone", '
        f'"MOTCUA_AWS_ENDPOINT_URL": "http://127.0.0.1:{port}"}}',
        encoding="utf-8",
    )
    line = one_line_refusal(capsys, ["dlq", "list"])
    assert f"no local stack answers at http://127.0.0.1:{port}" in line and "make run" in line


def test_no_region_and_no_credentials_are_one_line(capsys, monkeypatch):
    monkeypatch.setenv("MOTCUA_TABLE", "motcua-dev")
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    assert "set AWS_REGION" in one_line_refusal(capsys, ["timers", "run"])


def test_an_unexpected_failure_is_one_line_not_a_traceback(capsys, monkeypatch):
    def broken(args, ctx):
        raise KeyError("boom")

    monkeypatch.setenv("MOTCUA_STAGE", "local")
    monkeypatch.setattr("chalicelib.cli.dev.token_command", broken)
    assert cli.main(COMMANDS["token"][0]) == 1
    out, err = capsys.readouterr()
    target, line = err.splitlines()  # what it acted on, then what went wrong
    assert out == "" and target.startswith("target: ")
    assert line.startswith("error: KeyError") and "--debug" in line


def test_help_is_an_answer(capsys):
    assert cli.main(["dlq", "purge", "--help"]) == 0
    assert "motcua dlq purge --all --queue file-fetch --yes" in capsys.readouterr().out


def test_a_token_is_minted_for_the_stage_a_running_make_run_left(capsys):
    """`motcua token` beside `make run` (the README's first example): the stack's state names
    the local stage and its development key, with nothing set in the shell."""
    ops.LOCAL_STATE.write_text(
        '{"MOTCUA_STAGE": "local", "MOTCUA_TABLE": "motcua", '
        '"MOTCUA_AWS_ENDPOINT_URL": "http://127.0.0.1:9"}',
        encoding="utf-8",
    )
    assert cli.main(["token", "--agency", "000.00.06.H19", "--role", "receiver"]) == 0
    captured = capsys.readouterr()
    assert "stage local" in captured.err
    assert captured.out.count(".") == 2  # one JWT: header.payload.signature
