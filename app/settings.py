"""One typed settings object, read from `INTEGRATIONS_*` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Literal
from urllib.parse import unquote, urlsplit

import msgspec

PREFIX = "INTEGRATIONS_"


def _doc(text: str) -> msgspec.Meta:
    return msgspec.Meta(description=text)


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
        _doc("`kid:base64key[,kid:base64key…]`, newest first, 32 random bytes each. "
             "Empty in development: generated under `var/`."),
    ] = ""
    host: Annotated[str, _doc("Address `serve` binds.")] = "127.0.0.1"
    port: Annotated[int, _doc("Port `serve` binds.")] = 8000
    workers: Annotated[int, _doc("HTTP worker processes for `serve`.")] = 1
    embedded_workers: Annotated[
        bool,
        _doc("Run projections and the sync worker inside `serve`. Turn off when "
             "`integrations projections run` runs them as separate processes."),
    ] = True
    read_your_writes_timeout: Annotated[
        float, _doc("Seconds a write waits for its events to be projected before answering.")
    ] = 2.0
    rate_limit: Annotated[str, _doc("Throttle per principal, scope `integration`.")] = "120/minute"
    redis_url: Annotated[
        str, _doc("When set, throttling counters are shared across workers through Redis.")
    ] = ""
    allow_private_network: Annotated[
        bool, _doc("Let outbound HTTP reach loopback/private addresses (development, tests).")
    ] = False
    http_connect_timeout: Annotated[float, _doc("Outbound connect timeout, seconds.")] = 5.0
    http_timeout: Annotated[float, _doc("Outbound total timeout per request, seconds.")] = 20.0
    http_max_response_bytes: Annotated[int, _doc("Outbound response size cap.")] = 8 * 1024 * 1024
    http_max_redirects: Annotated[int, _doc("Outbound redirect cap.")] = 3
    http_retries: Annotated[int, _doc("Outbound attempts on 429/5xx/connect errors.")] = 3
    sync_timeout: Annotated[
        float, _doc("A sync with no progress for this many seconds is abandoned.")
    ] = 300.0
    sync_concurrency: Annotated[int, _doc("Sync runs executed at once by one worker.")] = 4
    snapshot_interval: Annotated[int, _doc("Aggregate snapshot every N events.")] = 50
    projection_batch_size: Annotated[
        int, _doc("Events applied per projection transaction.")] = 500
    db_pool_size: Annotated[
        int, _doc("Database connections per process (pool size; as many again on demand).")
    ] = 20
    shopify_api_version: Annotated[str, _doc("Default Shopify Admin API version.")] = "2026-10"
    log_level: Annotated[str, _doc("`DEBUG`, `INFO`, `WARNING`, `ERROR`.")] = "INFO"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def database(self) -> DatabaseURL:
        return DatabaseURL.parse(self.database_url)


class DatabaseURL(msgspec.Struct, frozen=True, kw_only=True):
    kind: Literal["sqlite", "postgres"]
    path: str = ""
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    dbname: str = ""

    @classmethod
    def parse(cls, url: str) -> DatabaseURL:
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            if not path:
                raise SettingsError("INTEGRATIONS_DATABASE_URL: sqlite URL has no path")
            return cls(kind="sqlite", path=path)
        parts = urlsplit(url)
        if parts.scheme in ("postgresql", "postgres") and parts.path.strip("/"):
            return cls(
                kind="postgres",
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 5432,
                user=unquote(parts.username or "postgres"),
                password=unquote(parts.password or ""),
                dbname=parts.path.strip("/"),
            )
        raise SettingsError(
            "INTEGRATIONS_DATABASE_URL must be sqlite:///path or postgresql://user:pass@host:port/db"
        )

    def with_dbname(self, dbname: str) -> DatabaseURL:
        return msgspec.structs.replace(self, dbname=dbname)

    def url(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"postgresql://{auth}@{self.host}:{self.port}/{self.dbname}"


class SettingsError(ValueError):
    """A setting is missing or malformed; the process should not start."""


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read `INTEGRATIONS_*` variables; keyword overrides win (used by the CLI and tests)."""
    environ = os.environ if environ is None else environ
    raw: dict[str, object] = {
        name: environ[PREFIX + name.upper()]
        for name in Settings.__struct_fields__
        if PREFIX + name.upper() in environ
    }
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(_explain(str(exc))) from None
    settings.database  # noqa: B018 - validates the URL early
    return settings


def _explain(message: str) -> str:
    field = message.rpartition("$.")[2].rstrip("`")
    return f"{PREFIX}{field.upper()}: {message}" if field else message


def describe_settings() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) rows: the README's configuration table comes from here."""
    info = msgspec.inspect.type_info(Settings)
    assert isinstance(info, msgspec.inspect.StructType)
    rows = []
    for field in info.fields:
        meta = field.type if isinstance(field.type, msgspec.inspect.Metadata) else None
        doc = (meta.extra_json_schema or {}).get("description", "") if meta else ""
        default = "" if field.default is msgspec.NODEFAULT else str(field.default).lower() \
            if isinstance(field.default, bool) else str(field.default)
        rows.append((PREFIX + field.name.upper(), default, doc))
    return rows
