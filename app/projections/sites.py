"""Sites: one row per site, for the site routes and API-key lookups by keyed hash."""

from __future__ import annotations

from app.aggregates.site import Site
from app.aggregates.time import iso
from app.projection_engine.changeset import Changeset
from app.projection_engine.read_model import ReadModel, Table, on

SITES = Table(
    "sites",
    columns={
        "id": "TEXT NOT NULL",
        "account_id": "TEXT NOT NULL",
        "name": "TEXT NOT NULL",
        "url": "TEXT NOT NULL",
        "api_key_hash": "TEXT NOT NULL",
        "created_at": "TEXT NOT NULL",
        "updated_at": "TEXT NOT NULL",
        "version": "INTEGER NOT NULL",
    },
    key=("id",),
    indexes=(("account_id", "created_at", "id"), ("api_key_hash",)),
)


class Sites(ReadModel):
    name = "sites"
    tables = (SITES,)

    @on(Site.Created)
    def _created(self, e: Site.Created, changes: Changeset, position: int) -> None:
        at = iso(e.timestamp)
        changes.put(
            SITES,
            id=str(e.originator_id),
            account_id=e.account_id,
            name=e.name,
            url=e.url,
            api_key_hash=e.api_key_hash,
            created_at=at,
            updated_at=at,
            version=e.originator_version,
        )

    @on(Site.ApiKeyRotated)
    def _rotated(self, e: Site.ApiKeyRotated, changes: Changeset, position: int) -> None:
        changes.change(
            SITES,
            (str(e.originator_id),),
            api_key_hash=e.api_key_hash,
            updated_at=iso(e.timestamp),
            version=e.originator_version,
        )
