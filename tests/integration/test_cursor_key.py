"""The worklist cursors' key: SSM for a deployed function, a development key only off Lambda in
a dev stage (chalicelib/adapters/cursor_key.py)."""

import boto3
import pytest

from chalicelib.adapters.cursor_key import DEV_CURSOR_KEY, CursorKeyError, cursor_key
from chalicelib.settings import Settings

KEY = "0123456789abcdef0123456789abcdef"


def put(name, value):
    boto3.client("ssm").put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)


def test_a_dev_stage_off_lambda_uses_the_development_key(aws):
    put("/motcua/dev/cursor-key", KEY)  # there, but not read
    assert cursor_key(Settings(stage="dev")) == DEV_CURSOR_KEY


@pytest.mark.parametrize(
    "settings", [Settings(stage="prod"), Settings(stage="dev", in_lambda=True)]
)
def test_a_deployed_function_reads_its_stages_parameter(aws, settings):
    assert settings.cursor_key_parameter == f"/motcua/{settings.stage}/cursor-key"
    put(settings.cursor_key_parameter, KEY)
    assert cursor_key(settings) == KEY.encode()


@pytest.mark.parametrize("value", ["short", DEV_CURSOR_KEY.decode()])
def test_a_short_or_development_key_is_refused_in_a_deployed_stage(aws, value):
    put("/motcua/prod/cursor-key", value)
    with pytest.raises(CursorKeyError, match="cursor-key"):
        cursor_key(Settings(stage="prod"))


def test_without_the_parameter_a_deployed_stage_has_no_key(aws):
    with pytest.raises(Exception, match="ParameterNotFound"):
        cursor_key(Settings(stage="prod", cursor_key_parameter="/motcua/prod/missing"))
