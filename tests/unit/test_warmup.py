"""A deployed function builds its parts at INIT; nothing is built outside Lambda."""

from __future__ import annotations

import pytest

from chalicelib import bootstrap
from chalicelib.adapters import aws
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.queues import InMemoryPublisher
from chalicelib.handlers import warmup
from chalicelib.handlers.dead_letters import MemoryLetters
from chalicelib.settings import Settings, runtime_facts

SETTINGS = Settings(stage="dev")


def lambda_facts(function: str) -> object:
    return runtime_facts({"AWS_LAMBDA_FUNCTION_NAME": f"motcua-dev-{function}"})


@pytest.fixture
def deps(monkeypatch):
    made: list[str] = []
    monkeypatch.setattr(aws, "client", made.append)
    built = bootstrap.Container(
        SETTINGS, store=MemoryStore(), publisher=InMemoryPublisher(), letters=MemoryLetters()
    )
    previous = bootstrap.install(built)
    yield built, made
    bootstrap.install(previous)


def test_the_function_is_named_by_the_runtime():
    assert warmup.function_of(SETTINGS, lambda_facts("notifier")) == "notifier"
    assert warmup.function_of(SETTINGS, runtime_facts({})) is None  # not in Lambda
    other_stage = runtime_facts({"AWS_LAMBDA_FUNCTION_NAME": "motcua-prod-notifier"})
    assert warmup.function_of(SETTINGS, other_stage) is None
    emulated = runtime_facts(
        {"AWS_LAMBDA_FUNCTION_NAME": "motcua-dev-notifier", "AWS_SAM_LOCAL": "true"}
    )
    assert warmup.function_of(SETTINGS, emulated) is None


def test_every_function_of_the_app_has_its_warm_up():
    from infra.compose import app_functions, load_app, load_resources

    names = {f.name for f in app_functions(load_app(), load_resources())}
    assert names == set(warmup.PARTS)


@pytest.mark.parametrize(
    ("function", "parts", "clients"),
    [
        ("transition_worker", {"catalog", "calendar", "notices"}, ["dynamodb", "sqs"]),
        ("intake_worker", {"catalog", "calendar", "agencies", "notices"}, ["dynamodb", "sqs"]),
        ("api_handler", {"catalog", "calendar", "webhook_secrets"}, ["dynamodb", "sqs", "ssm"]),
        ("daily_digest", {"agencies", "calendar", "notices"}, ["dynamodb"]),
        ("outbox_relay", set(), ["sqs"]),
    ],
)
def test_a_function_builds_its_parts_and_clients_at_init(deps, function, parts, clients):
    container, made = deps
    assert warmup.warm_up(SETTINGS, lambda_facts(function)) == function
    assert parts <= set(vars(container))
    assert made == clients


def test_nothing_is_built_outside_lambda(deps):
    container, made = deps
    assert warmup.warm_up(SETTINGS, runtime_facts({})) is None
    assert made == [] and "catalog" not in vars(container)


def test_a_part_that_cannot_be_built_leaves_init_standing(deps, monkeypatch):
    monkeypatch.setattr(bootstrap.Container, "portal_sync_deps", lambda self: 1 / 0)
    assert warmup.warm_up(SETTINGS, lambda_facts("portal_sync")) == "portal_sync"
