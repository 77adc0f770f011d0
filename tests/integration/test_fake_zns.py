"""The real ZNS provider against the local stack's fake Zalo (devstack/fake_zns.py): the token
pair in SSM renewed through the fake OAuth endpoint, errors on demand."""

import json

import boto3
import pytest

from chalicelib.notify.model import Channel, Outcome, OutgoingMessage
from chalicelib.notify.providers.zns import SsmZnsTokens, ZaloZnsProvider
from devstack.fake_zns import (
    APP_ID,
    EVERY_PHONE,
    NOT_ON_ZALO,
    QUOTA_SPENT,
    SECRET_KEY,
    FakeZns,
    parse_rules,
)

TOKENS, SECRET = "/motcua/test/zns-tokens", "/motcua/test/zns-secret"


@pytest.fixture
def zalo():
    with FakeZns(rules={"0987654321": NOT_ON_ZALO}) as fake:
        yield fake


@pytest.fixture
def provider(aws, zalo):
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name=TOKENS, Value=zalo.tokens_json(), Type="SecureString")
    ssm.put_parameter(Name=SECRET, Value=SECRET_KEY, Type="SecureString")
    return ZaloZnsProvider(SsmZnsTokens(TOKENS, zalo.oauth_url, APP_ID, SECRET), zalo.url)


def message(phone, key="000.00.41.H19-261120-0001:v1:received"):
    return OutgoingMessage(key=key, channel=Channel.ZNS, to=phone, text="Ho so da tiep nhan",
                           template_id="410001", template_data={"code": "X"})  # fmt: skip


def test_a_phone_on_zalo_takes_the_message(provider, zalo):
    result = provider.send(message("84912000111"))
    assert result.outcome is Outcome.ACCEPTED and result.provider_message_id
    [taken] = zalo.messages
    assert taken["phone"] == "84912000111" and taken["template_id"] == "410001"
    assert taken["tracking_id"] == "000.00.41.H19-261120-0001:v1:received"


def test_an_expired_token_is_renewed_once_and_the_new_pair_kept_in_ssm(provider, zalo):
    before = boto3.client("ssm").get_parameter(Name=TOKENS, WithDecryption=True)
    zalo.expire_token()
    assert provider.send(message("84912000111")).outcome is Outcome.ACCEPTED
    assert zalo.refreshes == 1
    after = boto3.client("ssm").get_parameter(Name=TOKENS, WithDecryption=True)
    assert after["Parameter"]["Value"] != before["Parameter"]["Value"]
    assert [m["error"] for m in zalo.messages] == [0]  # the refused try is not a message
    assert provider.send(message("84912000111")).outcome is Outcome.ACCEPTED
    assert zalo.refreshes == 1


def test_errors_on_demand_make_the_notifier_fall_back(provider, zalo):
    refused = provider.send(message("84987654321"))
    assert refused.outcome is Outcome.NO_ACCOUNT and refused.error.startswith("-118")
    zalo.control({"rules": {EVERY_PHONE: QUOTA_SPENT}})
    assert provider.send(message("84912000111")).outcome is Outcome.QUOTA


def test_a_refresh_token_is_used_once(zalo):
    form = {"app_id": APP_ID, "grant_type": "refresh_token",
            "refresh_token": json.loads(zalo.tokens_json())["refresh_token"]}  # fmt: skip
    assert "access_token" in zalo.renew(SECRET_KEY, form)
    assert zalo.renew(SECRET_KEY, form)["error"] == -14014
    assert zalo.renew("wrong", {**form, "refresh_token": "x"})["error"] == -14014


def test_rules_are_phone_equals_a_negative_code():
    assert parse_rules(["0987654321=-118", "*=-144"]) == {"0987654321": -118, "*": -144}
    for bad in ("0987654321", "0987654321=118", "=-118", "0987654321=x"):
        with pytest.raises(ValueError, match="PHONE=CODE"):
            parse_rules([bad])
