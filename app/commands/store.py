"""The unit of work commands share: load aggregates scoped to an account, save them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError

from app.aggregates.base import EventSourced
from app.aggregates.errors import IntegrationNotFound, NotFound, SiteNotFound
from app.aggregates.health_issues import HealthRules
from app.aggregates.integration import Integration
from app.aggregates.site import Site
from app.aggregates.slot import IntegrationSlot
from app.api_keys import ApiKeyHasher
from app.commands.claims import KeyAlreadyClaimed
from app.commands.context import Context
from app.credentials import CredentialVault
from app.database import Database
from app.eventstore import ConcurrentWrite, EventStore, Recorded, Statement
from app.platforms import PlatformClient

A = TypeVar("A", bound=EventSourced)


class Defaults(msgspec.Struct, frozen=True, kw_only=True):
    shopify_api_version: str
    health: HealthRules = HealthRules()


PlatformFactory = Callable[[str, Mapping[str, Any], Mapping[str, Any]], PlatformClient]
"""Builds the client for (platform, config, decrypted credentials)."""


class Store:
    def __init__(
        self,
        events: EventStore,
        db: Database,
        vault: CredentialVault,
        hasher: ApiKeyHasher,
        defaults: Defaults,
        platforms: PlatformFactory,
    ) -> None:
        self.events = events
        self.db = db
        self.vault = vault
        self.hasher = hasher
        self.defaults = defaults
        self.platforms = platforms

    def load(self, kind: type[A], aggregate_id: str | UUID, missing: NotFound) -> A:
        try:
            key = aggregate_id if isinstance(aggregate_id, UUID) else UUID(aggregate_id)
            aggregate: Any = self.events.repository.get(key)
        except (ValueError, AggregateNotFoundError):
            raise missing from None
        if not isinstance(aggregate, kind):
            raise missing
        return aggregate

    def find(self, kind: type[A], aggregate_id: UUID) -> A | None:
        try:
            return self.load(kind, aggregate_id, NotFound("absent"))
        except NotFound:
            return None

    def get_site(self, site_id: str, account_id: str) -> Site:
        site = self.load(Site, site_id, SiteNotFound())
        if site.account_id != account_id:
            raise SiteNotFound()
        return site

    def get_integration(self, integration_id: str, account_id: str) -> Integration:
        integration = self.load(Integration, integration_id, IntegrationNotFound())
        if integration.account_id != account_id or integration.deleted:
            raise IntegrationNotFound()
        return integration

    def get_slot(self, site_id: str, platform: str) -> IntegrationSlot | None:
        return self.find(IntegrationSlot, IntegrationSlot.create_id(site_id, platform))

    def client_for(self, integration: Integration) -> PlatformClient:
        """A platform client with the integration's decrypted credentials (never stored)."""
        credentials = self.vault.open(str(integration.id), integration.credentials)
        return self.platforms(integration.platform, integration.config, credentials)

    def save(
        self, *aggregates: EventSourced, ctx: Context, statements: Sequence[Statement] = ()
    ) -> Recorded:
        """Append atomically; the request's idempotency claim (if any, and not yet saved)
        goes into the same transaction."""
        claim = ctx.claim if ctx.claim is not None and not ctx.claim.saved else None
        if claim is None:
            return self.events.record(*aggregates, metadata=ctx.metadata, statements=statements)
        record = claim.build()
        try:
            recorded = self.events.record(
                *aggregates,
                record,
                metadata=ctx.metadata,
                statements=[*statements, *claim.statements],
            )
        except ConcurrentWrite:
            if self.events.stream(record.id, claim.loaded_version, 1):
                raise KeyAlreadyClaimed() from None
            raise
        claim.record = record
        return recorded
