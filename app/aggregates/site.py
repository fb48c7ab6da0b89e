"""A customer site: the tenant-owned anchor of integrations and of the plugin's API key."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from app.aggregates.base import EventSourced


class Site(EventSourced):
    TOPIC = "site"
    id: UUID  # chosen by the command, so credentials can be bound to it before creation

    class Created(EventSourced.Created):
        TOPIC = "site.created"
        account_id: str
        name: str
        url: str
        api_key_hash: str

    @event(Created)
    def __init__(self, *, account_id: str, name: str, url: str, api_key_hash: str) -> None:
        self.account_id = account_id
        self.name = name
        self.url = url
        self.api_key_hash = api_key_hash

    def rotate_api_key(self, api_key_hash: str) -> None:
        self._api_key_rotated(api_key_hash=api_key_hash)

    class ApiKeyRotated(EventSourced.Event):
        TOPIC = "site.api_key_rotated"
        api_key_hash: str

    @event(ApiKeyRotated)
    def _api_key_rotated(self, api_key_hash: str) -> None:
        self.api_key_hash = api_key_hash
