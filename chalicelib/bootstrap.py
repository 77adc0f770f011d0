"""The composition root: settings in, the adapters and each use case's dependencies out.

One `Container` per process. Lambda builds it from the environment on first use
(`container()`); tests and the local stack build their own from a `Settings` and fakes, and
`install` it. Only entry modules (app.py, chalicelib/http, chalicelib/handlers, the CLI) call
this module; services receive what it built.

Parts are built on first use and kept (a function uses few of them). A part given to the
constructor replaces the built one: `Container(settings, store=MemoryStore())`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.clock import Clock, FixedClock, SystemClock
from chalicelib.domain.legal import WORKING_DAY, LegalTerms
from chalicelib.settings import DEV_WEBHOOK_SECRET, Settings

if TYPE_CHECKING:  # cold start: each function imports only the adapters it uses
    from chalicelib.adapters.attempt_counter import DynamoAttemptCounter
    from chalicelib.adapters.delivery_log import DynamoDeliveryLog
    from chalicelib.adapters.dynamo_store import DynamoStore
    from chalicelib.adapters.file_records import DynamoFileRecords
    from chalicelib.adapters.file_store import S3FileStore
    from chalicelib.adapters.issued_forms import DynamoIssuedForms
    from chalicelib.adapters.national_portal import HttpNationalPortal
    from chalicelib.adapters.payment_records import DynamoPaymentRecords
    from chalicelib.adapters.portal_sync_log import DynamoPortalSyncLog
    from chalicelib.adapters.queues import SqsPublisher
    from chalicelib.adapters.read_audit import DynamoReadAudit
    from chalicelib.adapters.receipt_records import DynamoReceiptRecords
    from chalicelib.adapters.replay_guard import DynamoReplayGuard
    from chalicelib.adapters.secrets import SsmWebhookSecrets
    from chalicelib.adapters.sign_in_states import DynamoSignInStates
    from chalicelib.adapters.web_sessions import DynamoWebSessions
    from chalicelib.auth.tokens import TokenVerifier
    from chalicelib.domain.agencies import AgencyRegistry
    from chalicelib.domain.calendar import WorkingCalendar
    from chalicelib.domain.procedures import Catalog
    from chalicelib.domain.receipts import ReceiptRange
    from chalicelib.domain.result_signatures import SignatureCheck
    from chalicelib.handlers.dead_letters import LetterStore
    from chalicelib.notify.channels import Channels
    from chalicelib.ports.feedback import FeedbackStore
    from chalicelib.ports.officials import OfficialsDirectory
    from chalicelib.ports.payment_platform import BeneficiaryAccount, PaymentPlatform
    from chalicelib.ports.reference import ReferenceSource
    from chalicelib.services.counters import Counter
    from chalicelib.services.digests import DigestDeps
    from chalicelib.services.feedback import FeedbackDeps
    from chalicelib.services.file_fetch import FetchDeps, FetchQueue
    from chalicelib.services.file_links import PublicFileLinks
    from chalicelib.services.files import FileDeps
    from chalicelib.services.form_files import FormFileDeps
    from chalicelib.services.forms import FormDeps
    from chalicelib.services.intake import IntakeDeps
    from chalicelib.services.lookup_limits import LookupLimits
    from chalicelib.services.notifier import NotifierDeps
    from chalicelib.services.outbox import Notices
    from chalicelib.services.payments import PaymentDeps
    from chalicelib.services.pins import ReceiptPins
    from chalicelib.services.portal_reconcile import ReconcileDeps
    from chalicelib.services.portal_sync import PortalSyncDeps
    from chalicelib.services.rating_links import RatingLinks
    from chalicelib.services.ratings import RatingDeps
    from chalicelib.services.recalendar import RecalendarDeps
    from chalicelib.services.receipt_files import ReceiptLinkDeps
    from chalicelib.services.result_signatures import TrustList
    from chalicelib.services.timers import TimerDeps
    from chalicelib.services.transitions import TransitionDeps


class Container:
    """Everything this process's entry points use, built from one `Settings`."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None, **parts: Any) -> None:
        unknown = sorted(set(parts) - _PARTS)
        if unknown:
            raise TypeError(f"Container has no part {', '.join(unknown)}")
        self.settings = settings
        self.clock: Clock = clock or (
            FixedClock(settings.now) if settings.now is not None else SystemClock()
        )
        # A cached_property reads the instance's dict first: a given part is never built.
        self.__dict__.update(parts)

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def data_dir(self) -> Path:
        from chalicelib.adapters.catalog_files import DATA_DIR

        return self.settings.data_dir or DATA_DIR

    # -- reference data -----------------------------------------------------------------------
    @cached_property
    def calendar(self) -> WorkingCalendar:
        from chalicelib.adapters.calendar_file import load_calendar

        return load_calendar(self.data_dir / "calendar.yaml")

    @cached_property
    def reference(self) -> ReferenceSource:
        """Where the agency registry and aliases are read (adapters/reference_data.py)."""
        from chalicelib.adapters.reference_data import FileReference, TableReference

        files = FileReference(self.data_dir)
        if self.settings.reference_source == "table":
            return TableReference(self.settings.table_name, files)
        return files

    @cached_property
    def agencies(self) -> AgencyRegistry:
        from chalicelib.adapters.catalog_files import agencies_from

        texts = self.reference.read()
        self._reference_version = texts.version
        self._reference_checked = time.monotonic()
        return agencies_from(texts.agencies, texts.aliases, texts.origin)

    def refresh_reference(self, *, force: bool = False) -> bool:
        """Reload the registry (and what is built from it) when its source moved; at most one
        look once per `reference_refresh_seconds`. True when it reloaded. A new registry the
        catalog does not accept is refused (logged, counted): the one in use stays."""
        if "agencies" not in self.__dict__ or "reference" not in self.__dict__:
            return False  # not built yet (it will be read fresh), or given by a test
        checked = getattr(self, "_reference_checked", 0.0)
        if not force and time.monotonic() - checked < self.settings.reference_refresh_seconds:
            return False
        with _refresh_lock:  # the local stack's pollers share one container
            return self._reload_if_moved()

    def _reload_if_moved(self) -> bool:
        self._reference_checked = time.monotonic()
        version = self.reference.version()
        if version == getattr(self, "_reference_version", None):
            return False
        previous = {name: self.__dict__.pop(name) for name in _FROM_REFERENCE
                    if name in self.__dict__}  # fmt: skip
        from chalicelib.observability import get_logger

        try:
            self.catalog  # noqa: B018 - built now, so that a bad registry is refused here
        except Exception:
            self.__dict__.update(previous)
            self._reference_version = version  # do not try the same bad version again
            get_logger().exception("reference data refused", extra={"version": version})
            self.counter.count("ReferenceReloadRefused")
            return False
        get_logger().info("reference data reloaded", extra={"version": version})
        return True

    @cached_property
    def catalog(self) -> Catalog:
        from chalicelib.adapters.catalog_files import CATALOG_FILE, load_catalog

        return load_catalog(self.data_dir / CATALOG_FILE, self.agencies)

    @cached_property
    def notices(self) -> Notices:
        from chalicelib.domain.notifications import OFFICIAL_ALERT_TEMPLATE
        from chalicelib.services.outbox import Notices

        # The invitation carries the rating link (built on first use: the key is read only
        # when a result is returned), unless the province names its own survey page.
        rating_link = None
        if self.settings.public_base_url and not self.settings.survey_url:
            rating_link = self._rating_url
        return Notices(
            self.agencies,
            survey_url=self.settings.survey_url,
            lookup_url=self.settings.lookup_url,
            rating_link=rating_link,
            officials=self.officials,
            official_zns=_has_zns_template(self.settings, OFFICIAL_ALERT_TEMPLATE),
        )

    @cached_property
    def officials(self) -> OfficialsDirectory:
        """The officials' directory: the file the settings name, else the data folder's
        officials.yaml; on the local stage, the sample officials; else none (alerts go to the
        agencies' mailboxes)."""
        from chalicelib.adapters.officials_directory import (
            OFFICIALS_FILE,
            FileOfficials,
            MemoryOfficials,
        )
        from chalicelib.adapters.sample_officials import SAMPLE_OFFICIALS_FILE

        if self.settings.officials_file is not None:
            return FileOfficials(self.settings.officials_file)
        if (self.data_dir / OFFICIALS_FILE).is_file():
            return FileOfficials(self.data_dir / OFFICIALS_FILE)
        if self.settings.is_local_stage:
            return FileOfficials(self.data_dir / SAMPLE_OFFICIALS_FILE)
        return MemoryOfficials()

    def _rating_url(self, code: str) -> str:
        return self.rating_links.url(code)

    @cached_property
    def counter(self) -> Counter:
        """Where the services' business counters go: CloudWatch metrics (EMF), per invocation."""
        from chalicelib import observability

        return observability.counter

    # -- adapters -----------------------------------------------------------------------------
    @cached_property
    def store(self) -> DynamoStore:
        from chalicelib.adapters.dynamo_store import DynamoStore

        return DynamoStore(self.settings.table_name)

    @cached_property
    def publisher(self) -> SqsPublisher:
        from chalicelib.adapters.queues import SqsPublisher

        return SqsPublisher()

    @cached_property
    def delivery_log(self) -> DynamoDeliveryLog:
        from chalicelib.adapters.delivery_log import DynamoDeliveryLog

        return DynamoDeliveryLog(self.settings.table_name)

    @cached_property
    def letters(self) -> LetterStore:
        from chalicelib.handlers.dead_letters import DynamoLetters

        return DynamoLetters(self.settings.table_name)

    @cached_property
    def channels(self) -> Channels:
        from chalicelib.notify.channels import build

        return build(self.settings)

    @cached_property
    def webhook_secrets(self) -> SsmWebhookSecrets:
        from chalicelib.adapters.secrets import SsmWebhookSecrets

        settings = self.settings
        published = frozenset() if settings.is_local_stage else {DEV_WEBHOOK_SECRET.encode()}
        return SsmWebhookSecrets(
            settings.webhook_secrets_prefix, refused_secrets=frozenset(published)
        )

    @cached_property
    def replay_guard(self) -> DynamoReplayGuard:
        from chalicelib.adapters.replay_guard import DynamoReplayGuard

        return DynamoReplayGuard(self.settings.table_name)

    @cached_property
    def web_sessions(self) -> DynamoWebSessions:
        """Officials signed in on the pages (chalicelib/web/officials.py)."""
        from chalicelib.adapters.web_sessions import DynamoWebSessions

        return DynamoWebSessions(self.settings.table_name)

    @cached_property
    def sign_in_states(self) -> DynamoSignInStates:
        """Sign-ins under way, for the identity provider's callback (web/signin_pages.py)."""
        from chalicelib.adapters.sign_in_states import DynamoSignInStates

        return DynamoSignInStates(self.settings.table_name)

    @cached_property
    def oidc_client_secret(self) -> str | None:
        """The sign-in client's secret (SSM), or None for a public client (PKCE only)."""
        name = self.settings.oidc_client_secret_parameter
        return _secure_parameter(name) if name else None

    @cached_property
    def attempt_counter(self) -> DynamoAttemptCounter:
        from chalicelib.adapters.attempt_counter import DynamoAttemptCounter

        return DynamoAttemptCounter(self.settings.table_name)

    @cached_property
    def _pin_key(self) -> bytes:
        """The stage's receipt PIN key (SSM); dev stages without one use the published dev key."""
        from chalicelib.services.pins import DEV_KEY

        name = self.settings.pin_key_parameter
        if not name:
            if not self.settings.is_dev_stage:
                raise RuntimeError("receipt PINs need MOTCUA_PIN_KEY_PARAMETER outside dev")
            return DEV_KEY
        return _secure_parameter(name).encode()

    @cached_property
    def receipt_pins(self) -> ReceiptPins:
        from chalicelib.services.pins import ReceiptPins

        return ReceiptPins(self._pin_key)

    @cached_property
    def file_links(self) -> PublicFileLinks:
        """The national portal's links to stored files, under a key derived from the PIN key."""
        from chalicelib.services.file_links import PublicFileLinks

        return PublicFileLinks(self._pin_key, self.settings.public_base_url)

    @cached_property
    def rating_links(self) -> RatingLinks:
        """The invitation's signed links to rate a dossier, under a key derived from the PIN
        key (its own label)."""
        from chalicelib.services.rating_links import RatingLinks

        return RatingLinks(self._pin_key, self.settings.public_base_url)

    def rating_deps(self) -> RatingDeps:
        from chalicelib.services.ratings import RatingDeps

        return RatingDeps(
            store=self.store,
            calendar=self.calendar,
            links=self.rating_links,
            days=self.settings.rating_days,
        )

    @cached_property
    def feedback_records(self) -> FeedbackStore:
        from chalicelib.adapters.feedback_records import DynamoFeedbackRecords

        return DynamoFeedbackRecords(self.settings.table_name)

    def feedback_deps(self) -> FeedbackDeps:
        from chalicelib.services.feedback import FeedbackDeps

        return FeedbackDeps(
            records=self.feedback_records,
            dossiers=self.store,
            agencies=self.agencies,
            calendar=self.calendar,
            answer_days=self.settings.feedback_answer_days,
            notices=self.notices,
        )

    @property
    def lookup_limits(self) -> LookupLimits:
        from chalicelib.services.lookup_limits import LookupLimits

        settings = self.settings
        return LookupLimits(
            window_seconds=settings.lookup_window_seconds,
            failures_per_code=settings.lookup_failures_per_code,
            failures_per_address=settings.lookup_failures_per_address,
        )

    @cached_property
    def read_audit(self) -> DynamoReadAudit:
        from chalicelib.adapters.read_audit import DynamoReadAudit

        return DynamoReadAudit(self.settings.table_name)

    @cached_property
    def signature_trust(self) -> TrustList:
        """The roots result signatures must chain to (a PEM bundle; settings name it)."""
        from chalicelib.services.result_signatures import TrustList

        path = self.settings.signature_trust_roots or self.data_dir / "trust" / "vn-gov-roots.pem"
        return TrustList.from_pem(
            path.read_bytes(),
            check_revocation=self.settings.signature_check_revocation,
            source=str(path),
        )

    @cached_property
    def cursor_key(self) -> bytes:
        """The HMAC key of the worklist's cursors (chalicelib/adapters/cursor_key.py)."""
        from chalicelib.adapters.cursor_key import cursor_key

        return cursor_key(self.settings)

    @cached_property
    def token_verifier(self) -> TokenVerifier:
        from chalicelib.auth.tokens import TokenVerifier  # PyJWT: the officials' routes only

        return TokenVerifier.from_settings(self.settings)

    @cached_property
    def portal_sync_log(self) -> DynamoPortalSyncLog:
        from chalicelib.adapters.portal_sync_log import DynamoPortalSyncLog

        return DynamoPortalSyncLog(self.settings.table_name)

    @cached_property
    def national_portal(self) -> HttpNationalPortal:
        """The portal client of this process: one login session shared by its invocations."""
        from chalicelib.adapters.national_portal import HttpNationalPortal, PortalConfig

        name = self.settings.portal_parameter
        if not name:
            raise RuntimeError("the national portal sync needs MOTCUA_PORTAL_PARAMETER")
        config = json.loads(_secure_parameter(name))
        return HttpNationalPortal(PortalConfig.model_validate(config))

    @cached_property
    def file_store(self) -> S3FileStore:
        from chalicelib.adapters.file_store import S3FileStore

        if not self.settings.files_bucket:
            raise RuntimeError("the file store needs MOTCUA_FILES_BUCKET")
        return S3FileStore(self.settings.files_bucket)

    @cached_property
    def file_records(self) -> DynamoFileRecords:
        from chalicelib.adapters.file_records import DynamoFileRecords

        return DynamoFileRecords(self.settings.table_name)

    # -- each use case's dependencies ---------------------------------------------------------
    def file_deps(self) -> FileDeps:
        from chalicelib.services.file_checks import FileLimits
        from chalicelib.services.files import FileDeps

        s = self.settings
        limits = FileLimits(
            types=frozenset(t for t in s.file_types.split(",") if t),
            max_bytes=s.file_max_bytes,
            max_pages=s.file_max_pages,
            max_pixels=s.file_max_pixels,
        )
        return FileDeps(
            dossiers=self.store,
            catalog=self.catalog,
            blobs=self.file_store,
            records=self.file_records,
            limits=limits,
            upload_seconds=s.upload_link_seconds,
            download_seconds=s.download_link_seconds,
            verify_signature=self._verify_result_signature,
            changes=self.store,
            calendar=self.calendar,
        )

    def _verify_result_signature(self, pdf: bytes) -> SignatureCheck:
        from chalicelib.services.result_signatures import verify_result

        return verify_result(pdf, self.signature_trust, now=self.now())

    def intake_deps(self) -> IntakeDeps:
        from chalicelib.services.intake import IntakeDeps

        return IntakeDeps(
            store=self.store,
            catalog=self.catalog,
            agencies=self.agencies,
            calendar=self.calendar,
            notices=self.notices,
            counter=self.counter,
            pins=self.receipt_pins,
            fetches=self._fetch_queue(),
        )

    def _fetch_queue(self) -> FetchQueue | None:
        from chalicelib.services.file_fetch import FetchQueue

        url = self.settings.file_fetch_queue_url
        return FetchQueue(self.publisher, url) if url else None

    def file_fetch_deps(self) -> FetchDeps:
        from chalicelib.adapters.http_client import FetchPolicy, UrlFetcher
        from chalicelib.services.file_fetch import FetchDeps

        s = self.settings
        policy = FetchPolicy(
            hosts=s.file_fetch_host_names,
            max_bytes=s.file_max_bytes,
            seconds=s.file_fetch_seconds,
            # The devstack's fake portal serves files over http on 127.0.0.1: the local stage
            # only may fetch from a loopback host, and over http.
            local_loopback=s.is_local_stage,
        )
        return FetchDeps(files=self.file_deps(), fetcher=UrlFetcher(policy))

    def transition_deps(self) -> TransitionDeps:
        from chalicelib.services.transitions import TransitionDeps

        return TransitionDeps(
            store=self.store,
            catalog=self.catalog,
            calendar=self.calendar,
            agencies=self.agencies,
            notices=self.notices,
            terms=self.legal_terms,
        )

    def timer_deps(self) -> TimerDeps:
        from chalicelib.domain.alarms import AlarmPolicy
        from chalicelib.services.timers import TimerDeps

        policy = AlarmPolicy(terms=self.legal_terms)
        return TimerDeps(
            store=self.store,
            catalog=self.catalog,
            calendar=self.calendar,
            notices=self.notices,
            policy=policy,
            feedback=replace(self.feedback_deps(), policy=policy),
        )

    @cached_property
    def legal_terms(self) -> LegalTerms:
        """The law's limits (chalicelib/domain/legal.py) as the province set them."""
        s, day = self.settings, WORKING_DAY
        return LegalTerms(
            supplement_request_within=s.supplement_request_within_days * day,
            supplement_restarts_clock=s.supplement_restarts_clock,
            supplement_wait_days=s.supplement_wait_days,
            supplement_reminder_days=s.supplement_reminder_days,
            apology_ahead=s.apology_ahead_days * day,
            apologies_allowed=s.apologies_allowed,
            extension_at_most=s.extension_at_most,
        )

    def digest_deps(self) -> DigestDeps:
        from chalicelib.services.digests import DigestDeps

        return DigestDeps(
            store=self.store, agencies=self.agencies, calendar=self.calendar, notices=self.notices
        )

    def form_deps(self) -> FormDeps:
        """Imports fpdf2 (the renderer): call it only where a form is rendered."""
        from chalicelib.forms.render import render
        from chalicelib.services.forms import FormDeps

        return FormDeps(store=self.store, catalog=self.catalog, agencies=self.agencies,
                        calendar=self.calendar, render=render,
                        lookup_url=self.settings.lookup_url)  # fmt: skip

    @cached_property
    def issued_forms(self) -> DynamoIssuedForms:
        from chalicelib.adapters.issued_forms import DynamoIssuedForms

        return DynamoIssuedForms(self.settings.table_name)

    def form_file_deps(self) -> FormFileDeps:
        """The forms as stored files; the renderer (fpdf2) only once one must be rendered."""
        from chalicelib.services.form_files import FormFileDeps

        return FormFileDeps(dossiers=self.store, store=self.store, catalog=self.catalog,
                            agencies=self.agencies, calendar=self.calendar,
                            blobs=self.file_store, issued=self.issued_forms,
                            render_deps=self.form_deps,
                            download_seconds=self.settings.download_link_seconds)  # fmt: skip

    def recalendar_deps(self) -> RecalendarDeps:
        from chalicelib.services.recalendar import RecalendarDeps

        return RecalendarDeps(
            store=self.store, catalog=self.catalog, agencies=self.agencies, calendar=self.calendar
        )

    def notifier_deps(self) -> NotifierDeps:
        from chalicelib.services.notifier import NotifierDeps

        found = self.channels
        return NotifierDeps(
            log=self.delivery_log,
            sms=found.sms,
            zns=found.zns,
            email=found.email,
            zns_templates=found.zns_templates,
            counter=self.counter,
        )

    def portal_sync_deps(self) -> PortalSyncDeps:
        from chalicelib.services.portal_sync import PortalSyncDeps

        return PortalSyncDeps(
            store=self.store,
            log=self.portal_sync_log,
            portal=self.national_portal,
            catalog=self.catalog,
            agencies=self.agencies,
            files=self.file_records,
            links=self.file_links,
        )

    # -- fees paid online (services/payments.py) ------------------------------------------------
    @cached_property
    def payment_platform(self) -> PaymentPlatform:
        """PayGov when the settings name it (its keys read from SSM on first use); the in-memory
        one in dev stages by default; none in a deployed stage without PayGov configured:
        orders are still written and the applicant pays at the counter (docs/payments.md)."""
        from chalicelib.adapters import paygov

        settings = self.settings
        if settings.payment_platform == "none" or (
            settings.payment_platform == "memory" and not settings.is_dev_stage
        ):
            from chalicelib.adapters.no_payment_platform import NoPaymentPlatform

            return NoPaymentPlatform()
        return paygov.platform_from_settings(settings, read_parameter=_payment_keys)

    @cached_property
    def payment_records(self) -> DynamoPaymentRecords:
        from chalicelib.adapters.payment_records import DynamoPaymentRecords

        return DynamoPaymentRecords(self.settings.table_name)

    @cached_property
    def beneficiaries(self) -> dict[str, BeneficiaryAccount]:
        from chalicelib.adapters.beneficiary_accounts import BENEFICIARIES_FILE, load_beneficiaries

        return load_beneficiaries(self.data_dir / BENEFICIARIES_FILE, self.agencies)

    @cached_property
    def receipt_records(self) -> DynamoReceiptRecords:
        from chalicelib.adapters.receipt_records import DynamoReceiptRecords

        return DynamoReceiptRecords(self.settings.table_name)

    @cached_property
    def receipt_ranges(self) -> dict[str, ReceiptRange]:
        from chalicelib.adapters.receipt_ranges import RECEIPT_RANGES_FILE, load_receipt_ranges

        return load_receipt_ranges(self.data_dir / RECEIPT_RANGES_FILE, self.agencies)

    def receipt_link_deps(self) -> ReceiptLinkDeps:
        """A receipt as a stored PDF; the renderer (fpdf2) only once one must be rendered."""
        from chalicelib.services.receipt_files import ReceiptLinkDeps

        return ReceiptLinkDeps(receipts=self.receipt_records, dossiers=self.store,
                               blobs=self.file_store, issued=self.issued_forms,
                               download_seconds=self.settings.download_link_seconds)  # fmt: skip

    def payment_deps(self) -> PaymentDeps:
        from datetime import timedelta

        from chalicelib.services.payments import PaymentDeps

        lookup = self.settings.lookup_url
        if not lookup and self.settings.public_base_url:
            lookup = self.settings.public_base_url.rstrip("/") + "/tra-cuu?ma={code}"
        return PaymentDeps(
            records=self.payment_records,
            store=self.store,
            catalog=self.catalog,
            agencies=self.agencies,
            platform=self.payment_platform,
            beneficiaries=self.beneficiaries,
            publisher=self.publisher,
            queue_url=self.settings.transitions_queue_url,
            order_valid_for=timedelta(days=self.settings.payment_order_days),
            lookup_url=lookup,
            receipts=self.receipt_records,
            receipt_ranges=self.receipt_ranges,
        )

    def portal_reconcile_deps(self, may_go_on: Callable[[], bool] | None = None) -> ReconcileDeps:
        from chalicelib.services.portal_reconcile import Pacer, ReconcileDeps

        return ReconcileDeps(
            sync=self.portal_sync_deps(),
            pacer=Pacer(self.settings.portal_lookups_per_second),
            may_go_on=may_go_on or (lambda: True),
        )


def _has_zns_template(settings: Settings, name: str) -> bool:
    """Whether MOTCUA_ZNS_TEMPLATES maps `name` (read without building the channels: a bad
    JSON is reported where the channels are built)."""
    import json

    try:
        templates = json.loads(settings.zns_templates or "{}")
    except json.JSONDecodeError:
        return False
    return isinstance(templates, dict) and bool(templates.get(name))


def _payment_keys(name: str) -> str:
    """The payment platform's keys (SSM). Not there or not readable: the platform is
    unavailable for now (the lookup page says to pay at the counter, a callback is answered
    500 so the platform sends it again, the night's statement is counted missing), never a
    crash of the page."""
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.ports.payment_platform import PlatformUnavailable

    try:
        return _secure_parameter(name)
    except (BotoCoreError, ClientError) as error:
        raise PlatformUnavailable(f"{name}: {error}") from error


def _secure_parameter(name: str) -> str:
    """An SSM SecureString's value (keys and accounts the operators keep there)."""
    from chalicelib.adapters import aws

    answer = aws.client("ssm").get_parameter(Name=name, WithDecryption=True)
    value: str = answer["Parameter"]["Value"]
    return value


# Built from the agency registry: rebuilt when it is reloaded.
_FROM_REFERENCE = ("agencies", "catalog", "notices", "beneficiaries", "receipt_ranges")


_PARTS = frozenset(
    name for name, value in vars(Container).items() if isinstance(value, cached_property)
)

_current: Container | None = None
_lock = threading.Lock()
_refresh_lock = threading.Lock()


def container() -> Container:
    """This process's container: the installed one, else one built from the environment."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = _activate(Container(Settings.from_environment()))
    _current.refresh_reference()  # a time comparison, and a small read once in a while
    return _current


def installed() -> Container | None:
    """The container installed in this process, if any (never builds one)."""
    return _current


def install(replacement: Container | None) -> Container | None:
    """Make `replacement` this process's container (None: build from the environment again on
    next use); answers the one it replaced, for a test or the local stack to put back."""
    from chalicelib.adapters import aws

    global _current
    with _lock:
        previous, _current = _current, replacement
        if replacement is None:
            aws.use_endpoint(None, "")
        else:
            _activate(replacement)
    return previous


def _activate(built: Container) -> Container:
    """The process's AWS clients follow the container's settings (moto, in the local stage)."""
    from chalicelib.adapters import aws

    aws.use_endpoint(built.settings.aws_endpoint_url, built.settings.aws_region)
    return built
