"""The composition root: builds every part of the service from `Settings`, once.

Tests build their own `Services` from their own settings; nothing else constructs parts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from app.aggregates.health_issues import HealthIssues, HealthRules
from app.aggregates.integration import Integration
from app.aggregates.site import Site
from app.aggregates.sync_run import SyncRun
from app.api_keys import ApiKeyHasher, create_site_keys
from app.commands.context import Context
from app.commands.dispatch import with_retries
from app.commands.store import Defaults, Store
from app.credentials import KEY_STORE_DDL, CredentialVault, MasterKeys
from app.database import Database, Tx
from app.dev_secrets import Secrets, check_secrets, resolve_secrets
from app.eventstore import EventStore
from app.eventstore.postgres import ACQUIRE_TIMEOUT, CONNINFO
from app.identity import Tokens
from app.platforms import OutboundHTTP, PlatformClient, client_for
from app.preflight import check_database
from app.projection_engine import generations
from app.projection_engine.follower import Follower
from app.projection_engine.leadership import AdvisoryLocks, FileLocks, Leadership
from app.projection_engine.listener import Listener
from app.projection_engine.read_side import ReadSide
from app.projection_engine.runner import PROGRESS_CHANNEL
from app.projections import read_models
from app.projections.sync_queue import QUEUE
from app.projections.sync_schedules import SCHEDULES
from app.queries.projection_status import ProjectionStatus, projection_status
from app.schema import create_schema
from app.settings import Settings
from app.sync.clock import Clock, SystemClock
from app.sync.workers import SyncWorkers
from app.webhook_attempts import WebhookAttempts, attempts_ddl

log = logging.getLogger(__name__)
POLL = 0.05
"""Seconds between looks at the tracking table while a write waits, when no announcement
can be heard (SQLite with several processes)."""
SYNC_TABLES = {QUEUE.name, SCHEDULES.name}
"""What the sync workers look at: projection progress elsewhere does not wake them."""

C = TypeVar("C")
R = TypeVar("R")


def eventsourcing_env(settings: Settings) -> dict[str, str]:
    """The library's configuration; tables are created by `create_schema`, never by it."""
    db = settings.database
    env = {"IS_SNAPSHOTTING_ENABLED": "y", "CREATE_TABLE": "n"}
    if db.kind == "sqlite":
        Path(db.path).parent.mkdir(parents=True, exist_ok=True)
        return env | {
            "PERSISTENCE_MODULE": "app.eventstore.sqlite:SQLiteFactory",
            "SQLITE_DBNAME": db.path,
            "SQLITE_LOCK_TIMEOUT": "30",
            "SQLITE_POOL_SIZE": str(settings.db_pool_size),
            "APPLICATION_RECORDER_TOPIC": "app.eventstore.recorders:SQLiteRecorder",
        }
    return env | {
        "PERSISTENCE_MODULE": "app.eventstore.postgres:PostgresFactory",
        CONNINFO: db.conninfo(),
        ACQUIRE_TIMEOUT: str(settings.db_acquire_timeout),
        "POSTGRES_POOL_SIZE": str(settings.db_pool_size),
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "APPLICATION_RECORDER_TOPIC": "app.eventstore.recorders:PostgresRecorder",
    }


def health_rules(settings: Settings) -> HealthRules:
    return HealthRules(
        failing_after=settings.health_failing_after, seen_every=settings.health_seen_every
    )


class Services:
    """Every part of the running service, wired together."""

    def __init__(
        self, settings: Settings, *, create_tables: bool = True, clock: Clock | None = None
    ) -> None:
        """`create_tables`: a process that starts the service (the CLI, `serve`'s parent)
        checks the database answers and creates what is missing; HTTP workers do neither,
        so a database that blips while they start gives 503s, not a crash loop. `clock`:
        the time sync workers decide by (tests pass a manual one)."""
        check_secrets(settings)
        if create_tables:
            check_database(settings)
        self.settings = settings
        self.closed = False
        self._hearing = False
        self.secrets: Secrets = resolve_secrets(settings)
        self.master_keys = MasterKeys.parse(self.secrets.master_keys)
        self.tokens = Tokens(self.secrets.jwt_secret)
        intervals: dict[Any, int] = dict.fromkeys(
            (Integration, Site, SyncRun, HealthIssues), settings.snapshot_interval
        )
        self.events = EventStore(eventsourcing_env(settings), intervals)
        self.db = Database(self.events.factory.datastore)  # type: ignore[attr-defined]
        self.hasher = ApiKeyHasher(self.master_keys)
        self.vault = CredentialVault(self.master_keys, self.db, self.hasher)
        self.webhook_attempts = WebhookAttempts(self.db, settings.webhook_log_size)
        self.outbound = OutboundHTTP.from_settings(settings)
        self.store = Store(
            self.events,
            self.db,
            self.vault,
            self.hasher,
            Defaults(
                shopify_api_version=settings.shopify_api_version, health=health_rules(settings)
            ),
            self.platform_client,
        )
        self.listener = (
            Listener(settings.database.conninfo()) if settings.database.kind == "postgres" else None
        )
        self.read_side = ReadSide(
            self.events,
            self.db,
            read_models(),
            self._leadership(),
            batch_size=settings.projection_batch_size,
            grace=settings.read_model_grace,
        )
        self.projection_follower = Follower(
            "projections", self.read_side.step, self.listener, lead=False
        )
        # -- sync workers (issue 14): no leader; woken when projections advance here or (heard
        # on the listener) in another process, else polling --
        self.clock: Clock = clock or SystemClock()
        self.sync_workers = SyncWorkers(self.store, settings, self.clock)
        self.read_side.progress.listeners.append(self._wake_sync_workers)
        self.events.listeners.append(self.projection_follower.wake)
        if create_tables:
            self.create_schema()

    def projection_status(self) -> ProjectionStatus:
        return projection_status(self.db, self.events, self.read_side.models)

    def platform_client(
        self, platform: str, config: Mapping[str, Any], credentials: Mapping[str, Any]
    ) -> PlatformClient:
        """Built per use with the current outbound settings (tests may replace `outbound`)."""
        return client_for(platform, config, credentials, self.outbound)

    def _leadership(self) -> Leadership:
        if self.listener is not None:
            return AdvisoryLocks(self.listener)
        return FileLocks(self.settings.database.path)

    def create_schema(self) -> None:
        """Create every table once (serialised across processes on PostgreSQL)."""

        def read_side(tx: Tx, empty: bool) -> None:
            tx.execute(KEY_STORE_DDL)
            for statement in attempts_ddl(tx.dialect):
                tx.execute(statement)
            create_site_keys(tx, self.events, empty)
            self.read_side.create_tables(tx, empty=empty)

        create_schema(self.events, self.db, self.settings.database, read_side)

    def start(self) -> None:
        """Serve: hear other processes' progress, and run the workers here unless they run
        as separate processes."""
        self._hear_progress()
        if self.settings.embedded_workers:
            self.start_workers()

    def _hear_progress(self) -> None:
        """Let writes here wait for runners in other processes without polling."""
        if self.listener is not None and not self._hearing:
            self._hearing = True
            self.listener.subscribe(PROGRESS_CHANNEL, self._announced)
            self.listener.subscribe(generations.CHANNEL, lambda _: self.read_side.changed())

    def _announced(self, payload: str) -> None:
        """`<position>:<tracking name>,…;<table changed>,…` from a runner in any process."""
        head, told, tables = payload.partition(";")
        position, _, names = head.partition(":")
        if position.isdigit() and names:
            changed = set(filter(None, tables.split(","))) if told else None
            self.read_side.progress.heard(names.split(","), int(position), changed)

    def _wake_sync_workers(self, changed: set[str] | None) -> None:
        """Only when what they look at may have changed (a webhook batch leaves them be)."""
        if changed is None or changed & SYNC_TABLES:
            self.sync_workers.wake()

    def start_workers(self) -> None:
        self._hear_progress()
        self.projection_follower.start()
        self.sync_workers.start()

    def start_sync_workers(self) -> None:
        """Sync workers only (`integrations workers run`), woken by other processes'
        projection progress."""
        self._hear_progress()
        self.sync_workers.start()

    def stop_workers(self) -> None:
        self.sync_workers.stop()
        self.projection_follower.stop()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.stop_workers()
        self.vault.close()
        self.read_side.leadership.release()
        if self.listener is not None:
            self.listener.stop()
        self.events.close()

    def execute(self, handler: Callable[[C, Store, Context], R], command: C, ctx: Context) -> R:
        """Run a command (retrying write conflicts), then wait until its events are projected,
        so the caller's next read sees them (bounded by `read_your_writes_timeout`)."""
        result = self.decide(handler, command, ctx)
        position = getattr(result, "position", 0)
        if position:
            self.await_projection(position)
        return result

    def decide(self, handler: Callable[[C, Store, Context], R], command: C, ctx: Context) -> R:
        """Run a command (retrying write conflicts); its events are stored, perhaps not yet
        projected (HTTP then waits with `projected`, on the event loop)."""
        return with_retries(lambda: handler(command, self.store, ctx), name=type(command).__name__)

    def await_projection(self, position: int) -> bool:
        caught_up = self.read_side.wait_for(
            position, self.settings.read_your_writes_timeout, poll=self._poll()
        )
        return self._caught_up(caught_up, position)

    async def projected(self, position: int) -> bool:
        """`await_projection` for a request on the event loop: no thread waits."""
        caught_up = await self.read_side.reached(
            position, self.settings.read_your_writes_timeout, self._poll()
        )
        return self._caught_up(caught_up, position)

    def _poll(self) -> float:
        """How often a wait reads the tracking table: rarely while announcements are heard."""
        heard = self._hearing and self.listener is not None and self.listener.connected.is_set()
        return 1.0 if heard else POLL

    def _caught_up(self, caught_up: bool, position: int) -> bool:
        if not caught_up:
            log.warning(
                "projections did not reach position %s within %.1fs",
                position,
                self.settings.read_your_writes_timeout,
            )
        return caught_up
