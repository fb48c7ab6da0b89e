"""Create a site; its API key is returned here once and stored only as a keyed hash."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

import msgspec

from app.aggregates.errors import FieldError, ValidationFailed
from app.aggregates.rules import is_http_url
from app.aggregates.site import Site
from app.api_keys import generate_api_key, site_key_statements
from app.commands.context import Context
from app.commands.store import Store


class CreateSite(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    url: str
    site_id: UUID | None = None
    """Chosen by the caller when the site must be created at most once (the demo)."""


@dataclass(frozen=True)
class SiteCreated:
    site: Site
    api_key: str
    position: int


def handle(cmd: CreateSite, store: Store, ctx: Context) -> SiteCreated:
    _validate(cmd)
    api_key = generate_api_key()
    key_hash = store.hasher.hash(api_key)
    site = Site(  # type: ignore[call-arg]
        id=cmd.site_id or uuid4(),
        account_id=ctx.account_id,
        name=cmd.name.strip(),
        url=cmd.url,
        api_key_hash=key_hash,
    )
    recorded = store.save(
        site, ctx=ctx, statements=site_key_statements(str(site.id), ctx.account_id, key_hash)
    )
    return SiteCreated(site=site, api_key=api_key, position=recorded.position)


def _validate(cmd: CreateSite) -> None:
    errors = []
    if not cmd.name.strip() or len(cmd.name) > 200:
        errors.append(FieldError("name", "must be 1 to 200 characters"))
    if not is_http_url(cmd.url):
        errors.append(FieldError("url", "must be an absolute http(s) URL"))
    if errors:
        raise ValidationFailed(errors)
