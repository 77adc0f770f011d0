"""The local development signing authority (devstack/signing.py): made once per local state,
trusted by the local stage, and by no other."""

import json
from datetime import UTC, datetime

import pytest

from chalicelib.bootstrap import Container
from chalicelib.domain.result_signatures import SignatureStatus
from chalicelib.services.result_signatures import TrustList, verify_result
from chalicelib.settings import Settings
from devstack import signing
from devstack.stack import PROJECT_DIR
from infra.compose import DEPLOYED_SETTINGS, SETTING_PARAMETERS

CHECKED_AT = datetime(2026, 6, 1, tzinfo=UTC)


def deployed_stages() -> list[str]:
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text(encoding="utf-8"))
    return [stage for stage in config["stages"] if stage != "local"]


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("local-state")


@pytest.fixture(scope="module")
def signed_by_local_authority(state_dir):
    authority = signing.local_authority(state_dir)
    return signing.sign_pdf(signing.plain_pdf(), authority)


def test_the_authority_is_made_once_and_kept(state_dir):
    first = signing.local_authority(state_dir)
    again = signing.local_authority(state_dir)
    assert again.root == first.root and again.signer == first.signer
    assert again.signer_key.private_numbers() == first.signer_key.private_numbers()
    key_file = signing.authority_dir(state_dir) / signing.SIGNER_KEY_FILE
    assert key_file.stat().st_mode & 0o077 == 0  # the key is the developer's alone
    assert "not for production" in first.root.subject.rfc4514_string()


def test_the_local_stage_trusts_what_it_signs(state_dir, signed_by_local_authority):
    env = signing.trust_environment("local", state_dir)
    settings = Settings.from_environment({"MOTCUA_STAGE": "local", **env})
    trust = Container(settings).signature_trust
    check = verify_result(signed_by_local_authority, trust, now=CHECKED_AT)
    assert check.status is SignatureStatus.VALID, check.reason
    assert check.signer is not None and check.signer.common_name == signing.LOCAL_SIGNER


@pytest.mark.parametrize("stage", deployed_stages())
def test_a_deployed_stage_does_not_pick_it_up(
    stage, tmp_path, state_dir, signed_by_local_authority
):
    assert signing.trust_environment(stage, tmp_path) == {}
    assert not any(tmp_path.iterdir())  # not even made
    # What a deployed function's environment holds besides resource names: none of it names
    # a trust list, so the stage reads its own (data/trust/), which has not this root.
    deployed_variables = set(DEPLOYED_SETTINGS) | {name for name, _ in SETTING_PARAMETERS.values()}
    assert signing.TRUST_ROOTS_VARIABLE not in deployed_variables
    settings = Settings.from_environment({"MOTCUA_STAGE": stage, **DEPLOYED_SETTINGS})
    trust = Container(settings).signature_trust
    assert signing.local_authority(state_dir).root_pem not in _pems(trust)
    check = verify_result(signed_by_local_authority, trust, now=CHECKED_AT)
    assert check.status is SignatureStatus.UNTRUSTED


def _pems(trust: TrustList) -> set[bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    return {x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM) for der in trust.roots}
