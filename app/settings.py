"""One typed settings object, read from `INTEGRATIONS_*` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import msgspec
from limits import parse as parse_rate

from app.database_url import DatabaseURL, SettingsError

__all__ = ["DatabaseURL", "Settings", "SettingsError", "describe_settings", "load_settings"]
PREFIX = "INTEGRATIONS_"
UPPERCASE = ("log_level",)


def _doc(text: str, **bounds: Any) -> msgspec.Meta:
    return msgspec.Meta(description=text, **bounds)


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    env: Annotated[
        Literal["development", "production"],
        _doc("`production` refuses to start without `JWT_SECRET` and `MASTER_KEYS`."),
    ] = "development"
    database_url: Annotated[
        str,
        _doc("`sqlite:///relative.db`, `sqlite:////absolute.db` or `postgresql://u:p@h:port/db`."),
    ] = "sqlite:///var/integrations.db"
    var_dir: Annotated[str, _doc("Where development secrets and the SQLite file live.")] = "var"
    jwt_secret: Annotated[
        str, _doc("HS256 secret for user tokens. Empty in development: generated under `var/`.")
    ] = ""
    master_keys: Annotated[
        str,
        _doc(
            "`kid:base64key[,kid:base64key…]`, newest first, 32 random bytes each. "
            "Empty in development: generated under `var/`."
        ),
    ] = ""
    host: Annotated[str, _doc("Address `serve` binds.", min_length=1)] = "127.0.0.1"
    port: Annotated[int, _doc("Port `serve` binds.", ge=1, le=65535)] = 8000
    workers: Annotated[int, _doc("HTTP worker processes for `serve`.", ge=1, le=64)] = 1
    embedded_workers: Annotated[
        bool,
        _doc(
            "Run projections and sync workers inside `serve`. Turn off when "
            "`integrations projections run` / `workers run` run them as separate processes."
        ),
    ] = True
    read_your_writes_timeout: Annotated[
        float,
        _doc("Seconds a write waits for its events to be projected before answering.", ge=0, le=60),
    ] = 2.0
    rate_limit: Annotated[str, _doc("Throttle per principal, scope `integration`.")] = "120/minute"
    redis_url: Annotated[
        str, _doc("When set, throttling counters are shared across workers through Redis.")
    ] = ""
    allow_private_network: Annotated[
        bool, _doc("Let outbound HTTP reach loopback/private addresses (development, tests).")
    ] = False
    http_connect_timeout: Annotated[
        float, _doc("Outbound connect timeout, seconds.", gt=0, le=300)
    ] = 5.0
    http_timeout: Annotated[
        float, _doc("Outbound total timeout per request, seconds.", gt=0, le=600)
    ] = 20.0
    http_max_response_bytes: Annotated[int, _doc("Outbound response size cap.", ge=1024)] = (
        8 * 1024 * 1024
    )
    http_max_redirects: Annotated[int, _doc("Outbound redirect cap.", ge=0, le=20)] = 3
    http_retries: Annotated[
        int, _doc("Outbound attempts on 429/5xx/connect errors.", ge=1, le=10)
    ] = 3
    sync_timeout: Annotated[
        float,
        _doc(
            "A requested run no worker started within this many seconds is abandoned "
            "(a started run is taken over after `SYNC_LEASE` instead).",
            gt=0,
        ),
    ] = 300.0
    sync_concurrency: Annotated[
        int,
        _doc("Sync runs executed at once by each process that runs sync workers.", ge=1, le=256),
    ] = 4
    sync_lease: Annotated[
        float,
        _doc(
            "Seconds a worker's claim on a run lasts without a heartbeat; a dead worker's "
            "run is taken over by another after at most this long.",
            gt=0,
            le=3600,
        ),
    ] = 30.0
    sync_poll_interval: Annotated[
        float,
        _doc(
            "Seconds between a worker's looks for runs and due schedules that other "
            "processes made claimable (progress it hears of wakes it at once).",
            gt=0,
            le=60,
        ),
    ] = 1.0
    sync_attempts: Annotated[
        int,
        _doc("Attempts per run for transient failures (refused, timeout, 429, 5xx).", ge=1, le=100),
    ] = 5
    sync_retry_wait: Annotated[
        float, _doc("Seconds before the second attempt; doubles per attempt, plus jitter.", ge=0)
    ] = 10.0
    sync_retry_wait_max: Annotated[float, _doc("Longest wait between two attempts.", ge=0)] = 600.0
    sync_auto_pause_after: Annotated[
        int,
        _doc(
            "Consecutive failed runs after which an integration's schedule pauses "
            "itself (a credential rejection pauses it at once); 0: never.",
            ge=0,
        ),
    ] = 10
    health_failing_after: Annotated[
        int,
        _doc("Consecutive failed runs that open a `sync_failing` health issue; 0: never.", ge=0),
    ] = 3
    health_webhooks_silent_after: Annotated[
        float,
        _doc(
            "Seconds without a webhook after which a WordPress integration that has received "
            "one (or has a `webhook_secret`) gets a `webhooks_silent` health issue.",
            ge=60,
        ),
    ] = 86400.0
    health_overdue_grace: Annotated[
        float,
        _doc("Seconds past its due time before a scheduled run is `sync_overdue`.", ge=0),
    ] = 900.0
    health_check_interval: Annotated[
        float,
        _doc(
            "Seconds between a worker's looks for time-driven health issues (silent "
            "webhooks, overdue runs).",
            gt=0,
            le=3600,
        ),
    ] = 60.0
    health_seen_every: Annotated[
        float,
        _doc("Seconds between two recorded sightings of an open health issue (`last_seen`).", ge=0),
    ] = 3600.0
    snapshot_interval: Annotated[int, _doc("Aggregate snapshot every N events.", ge=1)] = 50
    projection_batch_size: Annotated[
        int, _doc("Events applied per projection transaction.", ge=1, le=100_000)
    ] = 500
    read_model_grace: Annotated[
        float,
        _doc(
            "Seconds a replaced read model generation (or an older version) is kept "
            "after the new one went live, for processes still reading it.",
            ge=0,
        ),
    ] = 300.0
    db_pool_size: Annotated[
        int,
        _doc(
            "Pooled database connections per process for writes and the workers (the "
            "pool grows to this on demand; PostgreSQL processes hold one more, for "
            "notifications). See the README's connection budget.",
            ge=1,
            le=200,
        ),
    ] = 4
    db_read_pool_size: Annotated[
        int,
        _doc(
            "PostgreSQL connections per HTTP worker for the request path's reads "
            "(asyncio, opened on demand).",
            ge=1,
            le=200,
        ),
    ] = 4
    db_acquire_timeout: Annotated[
        float,
        _doc(
            "Seconds a request waits for a pooled connection before answering 503 "
            "(also how long an unreachable database may take to be noticed).",
            gt=0,
            le=60,
        ),
    ] = 0.5
    shopify_api_version: Annotated[str, _doc("Default Shopify Admin API version.")] = "2026-10"
    webhook_log_size: Annotated[
        int,
        _doc(
            "Delivery attempts kept per integration in the inbound webhook log (refusals "
            "included; the oldest go first).",
            ge=1,
            le=100_000,
        ),
    ] = 200
    log_level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR"], _doc("`DEBUG`, `INFO`, `WARNING`, `ERROR`.")
    ] = "INFO"
    log_format: Annotated[
        Literal["text", "json"],
        _doc(
            "`text` for people, `json` for one JSON object per line (with `request_id`, "
            "`integration_id`, `sync_id` where known)."
        ),
    ] = "text"
    ready_max_lag: Annotated[
        int,
        _doc(
            "`/health/ready` answers 503 when a read model lags the event store by more "
            "than this many events.",
            ge=0,
        ),
    ] = 1000

    def __post_init__(self) -> None:
        try:
            parse_rate(self.rate_limit)
        except ValueError:
            raise ValueError("rate_limit must look like 120/minute or 10/second") from None

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_development(self) -> bool:
        """Development mode is exactly "no JWT secret configured" (SPEC §3)."""
        return not self.jwt_secret

    @property
    def database(self) -> DatabaseURL:
        return DatabaseURL.parse(self.database_url)


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read `INTEGRATIONS_*` variables; keyword overrides win (used by the CLI and tests)."""
    environ = os.environ if environ is None else environ
    raw: dict[str, object] = {
        name: environ[PREFIX + name.upper()]
        for name in Settings.__struct_fields__
        if PREFIX + name.upper() in environ
    }
    raw.update({k: v for k, v in overrides.items() if v is not None})
    for name in UPPERCASE:
        if isinstance(raw.get(name), str):
            raw[name] = str(raw[name]).upper()
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(_explain(str(exc))) from None
    settings.database  # noqa: B018 - validates the URL early
    return settings


def _explain(message: str) -> str:
    """`Expected … - at `$.port`` becomes `INTEGRATIONS_PORT: Expected …`."""
    text, _, path = message.rpartition(" - at `$.")
    field = path.rstrip("`").split(".")[0].split("[")[0]
    if not text:
        return message.replace("rate_limit", f"{PREFIX}RATE_LIMIT")
    return f"{PREFIX}{field.upper()}: {text}"


def describe_settings() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) rows: the README's configuration table comes from here."""
    info = msgspec.inspect.type_info(Settings)
    assert isinstance(info, msgspec.inspect.StructType)
    rows = []
    for field in info.fields:
        meta = field.type if isinstance(field.type, msgspec.inspect.Metadata) else None
        doc = (meta.extra_json_schema or {}).get("description", "") if meta else ""
        default = (
            ""
            if field.default is msgspec.NODEFAULT
            else str(field.default).lower()
            if isinstance(field.default, bool)
            else str(field.default)
        )
        rows.append((PREFIX + field.name.upper(), default, doc))
    return rows
