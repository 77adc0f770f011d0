"""`LocalStack`: the whole system on loopback, for `make run` and the end-to-end tests.

    with LocalStack(port=0) as stack:
        urllib.request.urlopen(stack.base_url + "/v1/health")
        stack.drain()

It starts moto in server mode, points every boto3 client of this process at it (the
environment: `AWS_ENDPOINT_URL`, fake credentials, the region; the caches of
`chalicelib.adapters.aws` and `chalicelib.settings` are reset), applies the Chalice stage's
environment variables, creates the tables and queues of `infra/resources.json`, stores the
development webhook secrets in SSM, then imports the app, serves its HTTP API with Chalice's
local server and runs its queue pollers and schedules (see `pollers`).

Everything binds to loopback only. `stop()` puts the environment back as it was.
"""

from __future__ import annotations

import functools
import importlib
import ipaddress
import json
import logging
import socket
import sys
import threading
from collections.abc import Mapping
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
    create_local_server,
)
from moto.server import ThreadedMotoServer

from chalicelib import bootstrap
from chalicelib.adapters import aws
from chalicelib.bootstrap import Container
from chalicelib.http.gateway_problems import local_answer
from chalicelib.http.problems import PROBLEM_JSON
from chalicelib.services.outbox import vietnam_time
from chalicelib.settings import Settings
from devstack.fake_paygov import FakePayGov
from devstack.fake_portal import FakePortal
from devstack.fake_zns import APP_ID as ZNS_APP_ID
from devstack.fake_zns import SECRET_KEY as ZNS_SECRET_KEY
from devstack.fake_zns import FakeZns
from devstack.persistence import NOT_KEPT, Counts, Keeper, Names, PeriodicSaver
from devstack.pollers import Pollers
from devstack.resources import create_resources
from devstack.signing import TRUST_ROOTS_VARIABLE, trust_environment
from infra.compose import DEPLOYED_SETTINGS

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[1]
REGION = "ap-southeast-1"

# The tax department's system (Cục Thuế) speaks for its agency.
TAX_AGENCY = "000.00.90.H19"
PORTAL_CLIENT = "portal-dev"
TAX_CLIENT = "thue-dev"
GATEWAY_CLIENT = "gateway-dev"  # the SMS/ZNS gateway: delivery receipts and opt-outs
GATEWAY_SCOPES = ["delivery-receipts", "opt-outs"]
PAYGOV_CALLBACK = "/v1/webhooks/payments/paygov"  # where the fake PayGov reports payments
# The portal sends dossiers and what their applicants do on it (docs/dvcqg-contract.md §8),
# its ratings and its PAKN (docs/citizen-voice.md).
PORTAL_SCOPES = ["dossiers", "portal-events", "ratings", "feedback"]
# The counter's rating device and the 1022 hotline's system (docs/citizen-voice.md).
DEVICE_CLIENT = "counter-device-dev"
HOTLINE_CLIENT = "hotline-1022-dev"


def dev_webhook_secret() -> str:
    try:
        from chalicelib.auth.signatures import DEV_WEBHOOK_SECRET
    except ImportError:  # TODO: drop this fallback once chalicelib/auth/signatures.py lands
        return "motcua-local-webhook-secret"
    return DEV_WEBHOOK_SECRET


def dev_jwt_key() -> str:
    try:
        from chalicelib.auth.tokens import DEV_JWT_KEY
    except ImportError:  # TODO: drop this fallback once chalicelib/auth/tokens.py lands
        return "motcua-local-development-key-not-for-production"
    return DEV_JWT_KEY


def dev_webhook_clients() -> dict[str, str]:
    """Client id → the SSM value of its secret (JSON with the agency it speaks for, or the
    scopes it has)."""
    secret = dev_webhook_secret()
    return {
        PORTAL_CLIENT: json.dumps({"secret": secret, "scopes": PORTAL_SCOPES}),
        TAX_CLIENT: json.dumps({"secret": secret, "agency": TAX_AGENCY}),
        GATEWAY_CLIENT: json.dumps({"secret": secret, "scopes": GATEWAY_SCOPES}),
        DEVICE_CLIENT: json.dumps({"secret": secret, "scopes": ["ratings"]}),
        HOTLINE_CLIENT: json.dumps({"secret": secret, "scopes": ["feedback"]}),
    }


def loopback_host(host: str) -> str:
    """`host` if it is an IPv4 loopback address ("localhost" → 127.0.0.1); else ValueError."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or address.version != 4 or not address.is_loopback:
        raise ValueError(f"refusing to bind to {host!r}: the local stack serves loopback only")
    return host


class _SerializedGateway(LocalGateway):
    def __init__(self, app_object: Any, config: Config, lock: threading.Lock) -> None:
        super().__init__(app_object, config)
        self._lock = lock

    def handle_request(self, method: str, path: str, headers: Any, body: Any) -> Any:
        """As the deployed gateway answers: its own refusals (an unknown route or method) as
        problem+json, like the template's GatewayResponses (chalicelib/http/gateway_problems)."""
        try:
            with self._lock:
                response = super().handle_request(method, path, headers, body)
        except LocalGatewayException as refused:
            return _gateway_problem(refused.CODE, path)
        if response["statusCode"] == 405 and PROBLEM_JSON not in str(response["headers"]):
            return _gateway_problem(405, path)  # Chalice's own answer, not a route's
        return response


def _gateway_problem(status: int, path: str) -> dict[str, Any]:
    code, headers, body = local_answer(status, path.split("?", 1)[0])
    return {"statusCode": code, "headers": headers, "multiValueHeaders": {}, "body": body}


class _SerializedRequestHandler(ChaliceRequestHandler):
    """Chalice's request handler, running one request at a time through the app.

    Why: Lambda runs one request per container at a time, and the app is written for that:
    `app.current_request` is one attribute of the app (Chalice's local server makes it
    thread-local, the Chalice test client and Lambda do not), and its lazily built caches are
    not guarded. Reading the request and writing the response stay concurrent (the server is
    threaded, so a browser's kept-alive connection blocks nobody); only the app call is locked.
    """

    def __init__(
        self,
        request: Any,
        client_address: Any,
        server: Any,
        app_object: Any,
        config: Config,
        lock: threading.Lock,
    ) -> None:
        self.local_gateway = _SerializedGateway(app_object, config, lock)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def log_date_time_string(self) -> str:
        """The request lines `make run` prints, in Vietnam time (the machine's may be UTC)."""
        from chalicelib.domain.calendar import LOCAL_TZ

        return datetime.now(LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S")


def serve_app(
    app_object: Any, config: Config, host: str, port: int, lock: threading.Lock
) -> LocalDevServer:
    """Chalice's local server for `app_object`, its app calls serialized by `lock`."""
    handler = functools.partial(
        _SerializedRequestHandler, app_object=app_object, config=config, lock=lock
    )
    if isinstance(app_object, LocalChalice):
        # Already converted by an earlier server in this process (create_local_server
        # rebases the app's class, which must not happen twice).
        server = LocalDevServer(app_object, config, host, port)
    else:
        server = create_local_server(app_object, config, host, port)
    server.server.RequestHandlerClass = handler
    return server


class LocalStack:
    """moto + resources + HTTP API + pollers and schedules, on 127.0.0.1.

    `port=0` / `moto_port=0` pick free ports (see `base_url`, `endpoint_url`). `prefix` is put
    in front of every table and queue name, so stacks in one process stay apart.
    `retry_visibility_timeout` is the pollers' local-only retry speed-up (None: SQS's own).
    `portal_port` / `zns_port`: the fake national portal's and the fake Zalo ZNS server's (0:
    any free one). `zns_rules`: phone → ZNS error code the fake Zalo answers (devstack/fake_zns);
    None: no fake Zalo, ZNS is off (the notices go by SMS).
    `paygov_port`: the fake PayGov's (devstack/fake_paygov; 0: any free one): stage local pays
    fees online through it, its callbacks sent to this API.
    `keep_state`: a directory where the data is saved (on stop and every `save_every` seconds)
    and from which it is restored at start (devstack/persistence); None: nothing kept.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        moto_port: int = 0,
        stage: str = "local",
        prefix: str = "",
        region: str = REGION,
        app_module: str | ModuleType = "app",
        project_dir: str | Path = PROJECT_DIR,
        run_pollers: bool = True,
        retry_visibility_timeout: int | None = 1,
        wait_time_seconds: int = 1,
        portal_fail_rate: float = 0.0,
        portal_port: int = 0,
        zns_port: int = 0,
        zns_rules: Mapping[str, int] | None = None,
        paygov_port: int = 0,
        keep_state: str | Path | None = None,
        save_every: float = 30.0,
    ) -> None:
        self.host = loopback_host(host)
        self.port = port
        self.moto_port = moto_port
        self.stage = stage
        self.prefix = prefix
        self.region = region
        self.project_dir = Path(project_dir)
        self.run_pollers = run_pollers
        self.retry_visibility_timeout = retry_visibility_timeout
        self.wait_time_seconds = wait_time_seconds
        self._app_module_spec = app_module
        self.env: dict[str, str] = {}
        self.resources: dict[str, str] = {}
        self.webhook_clients: list[str] = []
        self.app_module: ModuleType | None = None
        self.app: Any = None
        self.pollers: Pollers | None = None
        self._moto: ThreadedMotoServer | None = None
        self._http: LocalDevServer | None = None
        self._http_thread: threading.Thread | None = None
        self.settings: Settings | None = None
        self._previous: Container | None = None
        self._installed = False
        self.endpoint_url = ""
        self.base_url = ""
        self.api_lock = threading.Lock()
        self.portal = FakePortal(fail_rate=portal_fail_rate, port=portal_port)
        self.zns = None if zns_rules is None else FakeZns(port=zns_port, rules=zns_rules)
        self.paygov = FakePayGov(port=paygov_port)
        self.keep_state = None if keep_state is None else Path(keep_state)
        self.save_every = save_every
        self.keeper: Keeper | None = None
        self.restored: Counts | None = None
        self._saver: PeriodicSaver | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> LocalStack:
        try:
            self._start_moto()
            config = self._chalice_config()
            self.env.update(config.environment_variables)
            self.env.update(
                {"MOTCUA_AWS_ENDPOINT_URL": self.endpoint_url, "MOTCUA_AWS_REGION": self.region}
            )
            self.env.update(DEPLOYED_SETTINGS)  # as deployed: the registry from the table
            # Result signatures by the local development authority verify (local stage only).
            for name, value in trust_environment(self.stage, self.state_dir).items():
                self.env.setdefault(name, value)
            self._create_resources()
            self._restore_state()
            self._store_dev_secrets()
            self._start_portal()
            self._start_zns()
            self._start_paygov()
            self._load_app()
            self._serve_http(config)
            self.paygov.callback_url = self.base_url + PAYGOV_CALLBACK
            if self.run_pollers:
                self.pollers.start()
            if self.keeper is not None and self.save_every > 0:
                self._saver = PeriodicSaver(self.keeper, self.save_every)
                self._saver.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._saver is not None:
            self._saver.stop()
            self._saver = None
        if self.pollers is not None:
            self.pollers.stop()
        if self._http is not None:
            self._http.shutdown()
            self._http.server.server_close()
            self._http = None
        if self._http_thread is not None:
            self._http_thread.join(5)
            self._http_thread = None
        self._save_state()
        self.portal.stop()
        if self.zns is not None:
            self.zns.stop()
        self.paygov.stop()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self._installed:  # put back the container this stack replaced
            bootstrap.install(self._previous)
            self._installed, self._previous = False, None
        if self.prefix:  # a test's stack: leave nothing behind
            self.outbox_path.unlink(missing_ok=True)

    def drain(self, timeout: float = 30) -> None:
        """Wait until every queue the app listens to is empty and no handler runs."""
        assert self.pollers is not None, "start() first"
        self.pollers.drain(timeout)

    def run_schedule(self, name: str, now: Any = None) -> Any:
        assert self.pollers is not None, "start() first"
        return self.pollers.run_schedule(name, now)

    # --- steps -------------------------------------------------------------------------------

    def _start_moto(self) -> None:
        werkzeug = logging.getLogger("werkzeug")  # moto's server logs every AWS call at INFO
        if werkzeug.level == logging.NOTSET:
            werkzeug.setLevel(logging.WARNING)
        if self.moto_port:
            # ThreadedMotoServer binds in its thread and would wait forever on a busy port.
            with socket.socket() as probe:
                # As the server binds: a port left in TIME_WAIT by the last run is free.
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", self.moto_port))
                except OSError as error:
                    raise OSError(
                        f"moto cannot listen on 127.0.0.1:{self.moto_port} ({error}); "
                        "choose another port (0: any free one)"
                    ) from error
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.moto_port, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"

    def _chalice_config(self) -> Config:
        with (self.project_dir / ".chalice" / "config.json").open(encoding="utf-8") as stream:
            config_from_disk = json.load(stream)
        return Config(
            chalice_stage=self.stage,
            config_from_disk=config_from_disk,
            default_params={"project_dir": str(self.project_dir), "api_gateway_stage": "api"},
        )

    def aws_client(self, service: str) -> Any:
        """A client of this stack's moto, for tests and tools to look at what the app did."""
        return boto3.session.Session(region_name=self.region, **aws.LOCAL_CREDENTIALS).client(
            service, endpoint_url=self.endpoint_url
        )

    def _restore_state(self) -> None:
        """What the last run saved, into the new resources (before any handler runs)."""
        if self.keep_state is None:
            return
        keeper = Keeper(
            self.keep_state, self.aws_client, Names.of_template(self.prefix), self.region
        )
        self.restored = keeper.restore()
        # Saving only once the restore is whole: a start that failed halfway must not write
        # its half over what was saved.
        self.keeper = keeper

    def _save_state(self) -> None:
        if self.keeper is None or self._moto is None:
            return
        try:
            counts = self.keeper.save()
        except Exception:  # stopping must go on: the periodic save is the one kept then
            log.exception("saving the local stack's data on stop failed")
            return
        log.info("data saved in %s: %s", self.keep_state, counts.describe())
        self.keeper = None  # once: a second stop() must not save an emptied moto

    def _create_resources(self) -> None:
        self.resources = create_resources(
            self.aws_client("dynamodb"),
            self.aws_client("sqs"),
            s3_client=self.aws_client("s3"),
            prefix=self.prefix,
        )
        self.env.update(self.resources)

    @property
    def state_dir(self) -> Path:
        """What the local stage keeps between runs (git-ignored)."""
        return self.project_dir / ".local-state"

    @property
    def outbox_path(self) -> Path:
        """Every message the local stage sends is copied here (one JSON line each)."""
        return self.state_dir / f"{self.prefix}outbox.jsonl"

    def _notification_channels(self) -> None:
        # SMS through SNS on moto, ZNS to the fake Zalo (or none), email to the outbox file:
        # the local stage sends nothing out, and the CLI lists what it would have sent. The
        # file starts empty with a stack that starts empty (codes would repeat), and goes on
        # with one whose data was restored.
        if self.restored is None:
            self.outbox_path.unlink(missing_ok=True)
        for name, value in {
            "MOTCUA_SMS_PROVIDER": "sns",
            "MOTCUA_SMS_SENDER_ID": "MOTCUA",
            "MOTCUA_EMAIL_PROVIDER": "local",
            "MOTCUA_ZNS_PROVIDER": "none" if self.zns is None else "zalo",
            "MOTCUA_LOCAL_OUTBOX": str(self.outbox_path),
        }.items():
            self.env.setdefault(name, value)

    def _store_dev_secrets(self) -> None:
        self._notification_channels()
        self.env["MOTCUA_JWT_DEV_KEY"] = dev_jwt_key()
        prefix = Settings.from_environment(self.env).webhook_secrets_prefix
        ssm = self.aws_client("ssm")
        for client_id, value in dev_webhook_clients().items():
            ssm.put_parameter(
                Name=f"{prefix}{client_id}", Value=value, Type="SecureString", Overwrite=True
            )
        self.webhook_clients = list(dev_webhook_clients())

    def _start_portal(self) -> None:
        """The national portal the sync pushes to: a fake on loopback (fake_portal.py)."""
        self.portal.start()
        name = f"/motcua/{self.stage}/national-portal"
        self.aws_client("ssm").put_parameter(
            Name=name, Value=self.portal.config_json(), Type="SecureString", Overwrite=True
        )
        self.env["MOTCUA_PORTAL_PARAMETER"] = name
        # The files a dossier's documents point at are served by the fake portal too: its
        # loopback host is the one the file-fetch worker may fetch from (the local stage's
        # exception: http, loopback).
        self.env.setdefault("MOTCUA_FILE_FETCH_HOSTS", self.portal.host)

    def _start_zns(self) -> None:
        """Zalo ZNS: a fake on loopback (fake_zns.py), its token pair and the app's secret in
        SSM as production keeps them, a template id for every milestone and for officials'
        alerts (without it, officials with a ZNS number get e-mail only)."""
        if self.zns is None:
            return
        from chalicelib.domain.messages import Milestone
        from chalicelib.domain.notifications import OFFICIAL_ALERT_TEMPLATE

        self.zns.start()
        ssm = self.aws_client("ssm")
        tokens, secret = f"/motcua/{self.stage}/zns-tokens", f"/motcua/{self.stage}/zns-secret"
        ssm.put_parameter(
            Name=tokens, Value=self.zns.tokens_json(), Type="SecureString", Overwrite=True
        )
        ssm.put_parameter(Name=secret, Value=ZNS_SECRET_KEY, Type="SecureString", Overwrite=True)
        templates = {m.value: str(410000 + n) for n, m in enumerate(Milestone, start=1)}
        templates[OFFICIAL_ALERT_TEMPLATE] = "419999"  # officials' own alarms and digests
        for name, value in {
            "MOTCUA_ZNS_API_URL": self.zns.url,
            "MOTCUA_ZNS_OAUTH_URL": self.zns.oauth_url,
            "MOTCUA_ZNS_APP_ID": ZNS_APP_ID,
            "MOTCUA_ZNS_TOKEN_PARAMETER": tokens,
            "MOTCUA_ZNS_SECRET_KEY_PARAMETER": secret,
            "MOTCUA_ZNS_TEMPLATES": json.dumps(templates),
        }.items():
            self.env.setdefault(name, value)

    def _start_paygov(self) -> None:
        """Fees paid online: the fake PayGov on loopback (fake_paygov.py), its keys in SSM as
        production keeps them; its callbacks go to this API (set once the API listens)."""
        self.paygov.start()
        name = self.env.get("MOTCUA_PAYGOV_KEYS_PARAMETER") or f"/motcua/{self.stage}/paygov-keys"
        self.aws_client("ssm").put_parameter(
            Name=name, Value=self.paygov.keys_json(), Type="SecureString", Overwrite=True
        )
        for variable, value in {
            "MOTCUA_PAYMENT_PLATFORM": "paygov",
            "MOTCUA_PAYGOV_BASE_URL": self.paygov.url,
            "MOTCUA_PAYGOV_MERCHANT_CODE": self.paygov.client_id,
            "MOTCUA_PAYGOV_KEYS_PARAMETER": name,
        }.items():
            self.env.setdefault(variable, value)

    def _install(self) -> None:
        """The app's composition root, over this stack's settings (what Lambda would read from
        its environment); the one installed before comes back at `stop`."""
        self.settings = Settings.from_environment(self.env)
        previous = bootstrap.install(Container(self.settings))
        if not self._installed:
            self._installed, self._previous = True, previous

    def _load_app(self) -> None:
        self._install()
        spec = self._app_module_spec
        if isinstance(spec, ModuleType):
            self.app_module = spec
        else:
            if str(self.project_dir) not in sys.path:
                sys.path.insert(0, str(self.project_dir))
            self.app_module = importlib.import_module(spec)
        self.app = self.app_module.app
        self.pollers = Pollers(
            self.app,
            self.aws_client("sqs"),
            app_module=self.app_module,
            region=self.region,
            stage=self.stage,
            queue_prefix=self.prefix,
            wait_time_seconds=self.wait_time_seconds,
            retry_visibility_timeout=self.retry_visibility_timeout,
            stream_table=self.env["MOTCUA_TABLE"],
        )

    def _serve_http(self, config: Config) -> None:
        self._http = serve_app(self.app, config, self.host, self.port, self.api_lock)
        self.port = self._http.server.server_address[1]
        self.base_url = f"http://{self.host}:{self.port}"
        if not self.env.get("MOTCUA_PUBLIC_BASE_URL"):
            self.env["MOTCUA_PUBLIC_BASE_URL"] = self.base_url
            self._install()
        self._http_thread = threading.Thread(
            target=self._http.server.serve_forever, name="api", daemon=True
        )
        self._http_thread.start()

    def configure(self, **environment: str) -> None:
        """Changes settings (MOTCUA_* variables) of the running stack: the API and the workers
        read them from the container installed here."""
        self.env.update(environment)
        self._install()

    # --- for people --------------------------------------------------------------------------

    def describe_state(self) -> str:
        """Whether this stack's data outlives it, said plainly at start."""
        if self.keep_state is None:
            return (
                "Data: NOT kept. moto holds it in memory: stopping this stack loses every dossier."
            )
        if self.restored is None:
            found = "nothing saved before: starting empty"
        else:
            saved_at = vietnam_time(self.restored.saved_at)
            found = f"restored {self.restored.describe()} saved at {saved_at} Vietnam time"
            if self.restored.skipped:
                gone = ", ".join(self.restored.skipped)
                found += f"; skipped, no longer in the template: {gone}"
        if self.save_every > 0:
            when = f"every {self.save_every:g} s and on stop; a kill -9 loses at most the last "
            when += f"{self.save_every:g} s"
        else:
            when = "on stop only; a kill -9 loses all since the start"
        return "\n".join(
            (
                f"Data: kept in {self.keep_state} ({found}).",
                f"  Saved {when}.",
                f"  Not kept: {NOT_KEPT}.",
            )
        )

    def describe(self) -> str:
        motcua = ".venv/bin/motcua"  # the operator CLI (`make venv` installs it)
        lines = [
            f"motcua local stack (stage {self.stage}, region {self.region})",
            f"  API             {self.base_url}   (try {self.base_url}/v1/health)",
            f"  moto endpoint   {self.endpoint_url}   (AWS_ENDPOINT_URL={self.endpoint_url})",
            f"  national portal {self.portal.url}   (fake: GET /_records, POST /_control)",
        ]
        if self.zns is not None:
            rules = ", ".join(f"{p} → {c}" for p, c in self.zns.rules.items()) or "none"
            lines.append(
                f"  Zalo ZNS        {self.zns.url}   (fake: GET /_messages, POST /_control; "
                f"errors on demand: {rules})"
            )
        else:
            lines.append("  Zalo ZNS        off (notices to phones go by SMS)")
        if self.paygov.running:
            lines.append(
                f"  PayGov          {self.paygov.url}   (fake: GET /_records, POST /_control; "
                f"callbacks to {self.paygov.callback_url})"
            )
        if TRUST_ROOTS_VARIABLE in self.env:
            lines.append(
                f"  result signing  {self.env[TRUST_ROOTS_VARIABLE]}   (the local development "
                "CA: trusted by this stage only)"
            )
        for name, value in sorted(self.resources.items()):
            lines.append(f"  {name:<30} {value}")
        if self.pollers is not None:
            for poller in self.pollers.queues:
                lines.append(
                    f"  poller          {poller.source.queue} -> {poller.source.handler_string}"
                    f" (batch {poller.batch_size})"
                )
            for stream in self.pollers.streams:
                lines.append(f"  stream          {stream.stream_arn} -> {stream.name}")
            for name, scheduled in self.pollers.scheduler.handlers.items():
                lines.append(
                    f"  schedule        {name}: {scheduled.schedule.expression} "
                    "(in UTC, as EventBridge reads it; Vietnam is UTC+7)"
                )
        lines += [
            f"  webhook clients {', '.join(self.webhook_clients)} (secrets in SSM under "
            f"{Settings.from_environment(self.env).webhook_secrets_prefix})",
            "",
            "Mint an official's token:",
            f"  {motcua} token --agency <agency id> --unit <unit> --role <role>",
            "Sign a webhook body (prints the X-Motcua-Client and X-Motcua-Signature headers):",
            f"  {motcua} sign --client {PORTAL_CLIENT} FILE",
            "What was sent to citizens and officials (ZNS, SMS, email; times in Vietnam time):",
            f"  {motcua} outbox      (file: {self.outbox_path})",
            "Fire the deadline timer at a chosen moment:",
            f"  {motcua} timers run --now 2026-12-31T09:00:00+07:00",
            "",
            self.describe_state(),
            "",
            "Ctrl-C to stop.",
        ]
        return "\n".join(lines)
