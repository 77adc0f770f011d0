"""Settings are read once from the environment; a bad value names its variable. The container
builds its parts from them, or takes the ones it is given."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.bootstrap import Container
from chalicelib.clock import FixedClock, SystemClock
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.legal import LegalTerms
from chalicelib.settings import Settings, SettingsError


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"MOTCUA_MAX_BODY_BYTES": "lots"}, "MOTCUA_MAX_BODY_BYTES"),
        ({"MOTCUA_MAX_BODY_BYTES": "10"}, "MOTCUA_MAX_BODY_BYTES"),
        ({"MOTCUA_PROVINCE": "Đồng Nai"}, "MOTCUA_PROVINCE"),
        ({"MOTCUA_LAST_ATTEMPT": "0"}, "MOTCUA_LAST_ATTEMPT"),
        ({"MOTCUA_NOW": "yesterday"}, "MOTCUA_NOW"),
        ({"MOTCUA_STAGE": "prod", "MOTCUA_NOW": "2026-03-02T08:00:00+07:00"}, "MOTCUA_NOW"),
        ({"MOTCUA_STAGE": "prod", "MOTCUA_AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}, "ENDPOINT"),
        ({"MOTCUA_SUPPLEMENT_WAIT_DAYS": "0"}, "MOTCUA_SUPPLEMENT_WAIT_DAYS"),
        ({"MOTCUA_APOLOGIES_ALLOWED": "many"}, "MOTCUA_APOLOGIES_ALLOWED"),
    ],
)
def test_a_bad_value_fails_naming_its_variable(variables, named):
    with pytest.raises(SettingsError, match=named):
        Settings.from_environment(variables)


def test_defaults_follow_the_stage_and_unrelated_variables_are_ignored():
    settings = Settings.from_environment({"MOTCUA_STAGE": "uat", "HOME": "/root"})
    assert settings.webhook_secrets_prefix == "/motcua/uat/webhook-clients/"
    assert settings.jwt_issuer == "motcua-uat"
    assert not settings.is_dev_stage and not settings.in_lambda
    assert Settings.from_environment({"AWS_LAMBDA_FUNCTION_NAME": "motcua-prod-api"}).in_lambda


def test_a_running_local_stack_is_used_only_when_no_table_is_named():
    local = {"MOTCUA_TABLE": "local-motcua", "MOTCUA_INTAKE_QUEUE_URL": "http://moto/q"}
    alone = Settings.from_environment({}, unless_table_named=local)
    assert (alone.table_name, alone.intake_queue_url) == ("local-motcua", "http://moto/q")
    configured = Settings.from_environment({"MOTCUA_TABLE": "prod-t"}, unless_table_named=local)
    assert (configured.table_name, configured.intake_queue_url) == ("prod-t", "")


def test_the_clock_is_fixed_only_when_the_settings_say_so():
    assert isinstance(Container(Settings()).clock, SystemClock)
    fixed = Container(Settings.from_environment({"MOTCUA_NOW": "2026-03-02T08:00:00"}))
    assert isinstance(fixed.clock, FixedClock)
    assert fixed.now() == datetime(2026, 3, 2, 8, tzinfo=LOCAL_TZ)


def test_a_given_part_is_used_and_an_unknown_one_refused():
    store = MemoryStore()
    deps = Container(Settings(), store=store)
    assert deps.store is store and deps.transition_deps().store is store
    with pytest.raises(TypeError, match="stor"):
        Container(Settings(), stor=store)


def test_the_laws_limits_come_from_the_settings_into_the_services():
    settings = Settings.from_environment(
        {"MOTCUA_SUPPLEMENT_WAIT_DAYS": "20", "MOTCUA_SUPPLEMENT_RESTARTS_CLOCK": "false",
         "MOTCUA_SUPPLEMENT_REQUEST_WITHIN_DAYS": "5"}
    )  # fmt: skip
    container = Container(settings, store=MemoryStore())
    terms = container.legal_terms
    assert (terms.supplement_wait_days, terms.supplement_restarts_clock) == (20, False)
    assert terms.supplement_request_within == timedelta(hours=40)
    assert container.transition_deps().terms is terms
    assert container.timer_deps().policy.terms is terms
    default = Container(Settings.from_environment({}), store=MemoryStore()).legal_terms
    assert default == LegalTerms()  # the law's own figures (docs/law.md)
