"""`make run` starts the stage that accepts the published development key: any other refuses
to start with it (chalicelib/settings.py), which once broke `make run` unnoticed."""

from chalicelib.settings import LOCAL_STAGE, Settings
from devstack.__main__ import arguments
from devstack.stack import LocalStack


def test_make_run_starts_the_local_stage_like_the_test_stacks():
    assert arguments().parse_args([]).stage == LOCAL_STAGE
    assert LocalStack.__init__.__kwdefaults__["stage"] == LOCAL_STAGE


def test_the_local_stage_takes_the_published_development_key():
    from chalicelib.settings import DEV_JWT_KEY

    settings = Settings.from_environment({"MOTCUA_STAGE": LOCAL_STAGE,
                                          "MOTCUA_JWT_DEV_KEY": DEV_JWT_KEY})  # fmt: skip
    assert settings.stage == LOCAL_STAGE
