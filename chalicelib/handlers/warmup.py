"""A deployed function builds what it uses while Lambda initialises it (`import app`), not on
its first invocation: INIT runs with more CPU than a 512 MB invocation, and is done once.

Chalice names each function `<app>-<stage>-<function>` (infra/compose.py): the name Lambda
gives the process says which parts to build. Outside Lambda nothing is built here (tests and
the local stack build what they use, when they use it). A part that cannot be built now (an
SSM parameter not there yet) is left for the invocation to build, and to fail on with its
reason: INIT itself never fails for it.

What a function never uses is not built at all: the reference data's models (calendar,
catalog, agencies, message templates) are built when the data is first loaded
(`defer_build`), the alarm and digest serialisers when first used (chalicelib/ports/records.py);
the builders below load or touch them for the functions that use them.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib import bootstrap
from chalicelib.settings import RuntimeFacts, Settings, runtime_facts

APP_NAME = "motcua"


def _api(deps: bootstrap.Container) -> None:
    # What the routes import when they run (app.py imports only what registering them needs,
    # as every function imports app.py); the intake's parsing and PyJWT wait for their routes.
    from chalicelib.http import request_models  # noqa: F401
    from chalicelib.intake import checks  # noqa: F401  (dossier codes in paths)
    from chalicelib.ports import records
    from chalicelib.services import due_dates, reading, reports, transitions  # noqa: F401

    records.ALARM_JSON.core_schema  # noqa: B018  (a dossier's alarms are shown)
    deps.store, deps.publisher, deps.calendar, deps.catalog, deps.webhook_secrets  # noqa: B018


# Each builder imports what its worker imports when it runs (chalicelib/handlers/workers.py).
def _intake(deps: bootstrap.Container) -> None:
    from chalicelib.handlers import sqs, workers  # noqa: F401
    from chalicelib.services import envelopes, intake  # noqa: F401

    deps.intake_deps(), deps.publisher, deps.letters


def _transitions(deps: bootstrap.Container) -> None:
    from chalicelib.handlers import sqs, workers  # noqa: F401
    from chalicelib.services import envelopes, transitions  # noqa: F401

    deps.transition_deps(), deps.publisher, deps.letters


def _relay(deps: bootstrap.Container) -> None:
    from chalicelib.handlers import sqs, workers  # noqa: F401
    from chalicelib.services import outbox, portal_sync  # noqa: F401

    deps.publisher  # noqa: B018


def _notifier(deps: bootstrap.Container) -> None:
    from chalicelib.domain import notifications  # noqa: F401
    from chalicelib.handlers import sqs, workers  # noqa: F401
    from chalicelib.services import notifier  # noqa: F401

    deps.notifier_deps(), deps.publisher, deps.letters


def _portal_sync(deps: bootstrap.Container) -> None:
    from chalicelib.handlers import sqs, workers  # noqa: F401
    from chalicelib.services import portal_sync  # noqa: F401

    deps.publisher, deps.letters  # noqa: B018
    deps.portal_sync_deps()  # the portal's configuration is an SSM read: last


def _file_fetch(deps: bootstrap.Container) -> None:
    from chalicelib.handlers import sqs, workers  # noqa: F401
    from chalicelib.services import file_fetch, files  # noqa: F401

    deps.file_fetch_deps(), deps.publisher, deps.letters


def _timer(deps: bootstrap.Container) -> None:
    from chalicelib.handlers import workers  # noqa: F401
    from chalicelib.ports import records
    from chalicelib.services import timers  # noqa: F401

    deps.timer_deps()
    records.ALARM_JSON.core_schema  # noqa: B018  (the alarms it fires are written)


def _digest(deps: bootstrap.Container) -> None:
    from chalicelib.handlers import workers  # noqa: F401
    from chalicelib.ports import records
    from chalicelib.services import digests  # noqa: F401

    deps.digest_deps()
    records.DIGEST_JSON.core_schema  # noqa: B018  (the digests it writes)


def _portal_reconcile(deps: bootstrap.Container) -> None:
    from chalicelib.handlers import workers  # noqa: F401
    from chalicelib.services import portal_reconcile  # noqa: F401

    deps.portal_reconcile_deps()  # the portal's configuration is an SSM read


def _payment_reconcile(deps: bootstrap.Container) -> None:
    from chalicelib.handlers import workers  # noqa: F401
    from chalicelib.services import payment_reconcile  # noqa: F401

    deps.payment_deps()


# Chalice's function name → what it builds, and the AWS clients it uses (from the one Session).
PARTS: dict[str, tuple[Callable[[bootstrap.Container], None], tuple[str, ...]]] = {
    "api_handler": (_api, ("dynamodb", "sqs", "ssm")),
    "intake_worker": (_intake, ("dynamodb", "sqs")),
    "transition_worker": (_transitions, ("dynamodb", "sqs")),
    "outbox_relay": (_relay, ("sqs",)),
    "notifier": (_notifier, ("dynamodb", "sqs")),
    "portal_sync": (_portal_sync, ("dynamodb", "sqs", "ssm")),
    "file_fetch": (_file_fetch, ("dynamodb", "sqs", "s3")),
    "deadline_timer": (_timer, ("dynamodb",)),
    "daily_digest": (_digest, ("dynamodb",)),
    "portal_reconcile": (_portal_reconcile, ("dynamodb", "ssm")),
    "payment_reconcile": (_payment_reconcile, ("dynamodb", "sqs")),
}


def function_of(settings: Settings, facts: RuntimeFacts) -> str | None:
    """Chalice's name of the function this process is, if it is a deployed one of this app."""
    prefix = f"{APP_NAME}-{settings.stage}-"
    if not facts.in_lambda or not facts.function_name.startswith(prefix):
        return None
    return facts.function_name.removeprefix(prefix)


def warm_up(settings: Settings, facts: RuntimeFacts | None = None) -> str | None:
    """Build what this function uses, in Lambda; answer the function's name (None: nothing
    was built)."""
    function = function_of(settings, facts or runtime_facts())
    if function not in PARTS:
        return None
    build, clients = PARTS[function]
    try:
        from chalicelib.adapters import aws

        deps = bootstrap.container()
        for service in clients:
            aws.client(service)
        build(deps)
    except Exception:  # the invocation builds it again, and fails with the reason if it must
        from chalicelib import observability

        observability.get_logger().warning("%s: warm-up incomplete", function, exc_info=True)
    return function
