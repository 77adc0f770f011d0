"""Which payment platform a stage gets (Container.payment_platform, docs/payments.md)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from chalicelib.adapters.memory_payment_platform import MemoryPaymentPlatform
from chalicelib.adapters.no_payment_platform import NoPaymentPlatform
from chalicelib.adapters.paygov import PayGovPlatform
from chalicelib.bootstrap import Container
from chalicelib.settings import Settings

PAYGOV = {"MOTCUA_PAYMENT_PLATFORM": "paygov", "MOTCUA_PAYGOV_BASE_URL": "https://pay.example",
          "MOTCUA_PAYGOV_MERCHANT_CODE": "TINH-DN"}  # fmt: skip


def platform(**env: str):
    return Container(Settings.from_environment(env)).payment_platform


def test_dev_stages_default_to_the_in_memory_platform():
    assert isinstance(platform(MOTCUA_STAGE="dev"), MemoryPaymentPlatform)
    assert isinstance(platform(MOTCUA_STAGE="local"), MemoryPaymentPlatform)


def test_a_deployed_stage_names_paygov_and_gets_it_with_its_keys_read_later():
    found = platform(MOTCUA_STAGE="prod", **PAYGOV)
    assert isinstance(found, PayGovPlatform) and found.name == "paygov"


def test_none_said_outright_is_no_platform_in_every_stage_and_the_template_offers_it():
    from infra.compose import SETTING_PARAMETERS

    assert isinstance(
        platform(MOTCUA_STAGE="local", MOTCUA_PAYMENT_PLATFORM="none"), NoPaymentPlatform
    )
    deployable = {variable: spec for variable, spec in SETTING_PARAMETERS.values()}
    assert deployable["MOTCUA_PAYMENT_PLATFORM"]["AllowedValues"] == ["none", "paygov"]
    assert deployable["MOTCUA_PAYMENT_PLATFORM"]["Default"] == "none"
    assert {"MOTCUA_PAYGOV_BASE_URL", "MOTCUA_PAYGOV_MERCHANT_CODE"} <= set(deployable)


def test_a_deployed_stage_without_paygov_gets_no_platform_rather_than_a_crash():
    found = platform(MOTCUA_STAGE="prod")
    assert isinstance(found, NoPaymentPlatform)
    # Nothing to pay online, nothing to reconcile (no alarm every night), callbacks not found.
    assert found.statement(date(2026, 3, 2)) == []
    status, content_type, body = found.callback_answer(False)
    assert (status, content_type) == (404, "application/problem+json")
    assert json.loads(body)["status"] == 404


def test_keys_that_cannot_be_read_make_the_platform_unavailable_not_a_crash(monkeypatch):
    from botocore.exceptions import ClientError

    from chalicelib import bootstrap
    from chalicelib.ports.payment_platform import PlatformUnavailable

    def missing(name):
        raise ClientError({"Error": {"Code": "ParameterNotFound"}}, "GetParameter")

    monkeypatch.setattr(bootstrap, "_secure_parameter", missing)
    found = platform(MOTCUA_STAGE="prod", **PAYGOV)
    with pytest.raises(PlatformUnavailable, match="/motcua/prod/paygov-keys"):
        found.statement(date(2026, 3, 2))
