"""Sites: one row per site, for the site routes and API-key lookups by keyed hash."""

from __future__ import annotations

from app.aggregates.site import Site
from app.aggregates.time import iso
from app.database import Tx
from app.projections.base import Projection, on


class Sites(Projection):
    name = "sites"
    tables = {"sites": "id"}
    schema = (
        "CREATE TABLE IF NOT EXISTS {sites} ("
        " id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL, url TEXT NOT NULL,"
        " api_key_hash TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
        " version INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS {sites}_by_account ON {sites} (account_id, created_at, id)",
        "CREATE INDEX IF NOT EXISTS {sites}_by_key ON {sites} (api_key_hash)",
    )

    @on(Site.Created)
    def _created(self, e: Site.Created, tx: Tx, position: int) -> None:
        at = iso(e.timestamp)
        tx.execute(
            f"INSERT INTO {self.t['sites']} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (str(e.originator_id), e.account_id, e.name, e.url, e.api_key_hash, at, at,
             e.originator_version),
        )

    @on(Site.ApiKeyRotated)
    def _rotated(self, e: Site.ApiKeyRotated, tx: Tx, position: int) -> None:
        tx.execute(
            f"UPDATE {self.t['sites']} SET api_key_hash = ?, updated_at = ?, version = ?"
            " WHERE id = ?",
            (e.api_key_hash, iso(e.timestamp), e.originator_version, str(e.originator_id)),
        )
