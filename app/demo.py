"""Development's welcome: outside production, a demo account and site (created once, in the
configured database) and on every start a fresh owner token with `curl` lines that work as
printed.

The demo site's id is fixed, so the event store itself refuses a second one: two processes
starting at once, or a second start, create nothing."""

from __future__ import annotations

from uuid import UUID

from app.aggregates.site import Site
from app.bootstrap import Services
from app.commands import create_site
from app.commands.context import system_context
from app.eventstore import ConcurrentWrite

ACCOUNT = "demo-account"
USER = "demo-owner"
SITE_ID = UUID("5d3b8c1e-0f4a-4c7e-9d21-6a7b8c9d0e1f")
SHOWN_ONCE = "(shown on first start only)"


def announce_demo(services: Services) -> None:
    api_key = _create_site_once(services)
    token = services.tokens.issue(account_id=ACCOUNT, user_id=USER, role="owner", ttl=86400)
    settings = services.settings
    base = f"http://{settings.host}:{settings.port}/api/v1/integration"
    print(
        f"""
Integrations Service ({"development mode" if settings.is_development else "demo"})
  account   {ACCOUNT}
  site id   {SITE_ID}
  API key   {api_key}
  token     {token}

Try:
  curl -s -H 'Authorization: Bearer {token}' {base}/sites/
  curl -s -X POST -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\
       -d '{{"site_id": "{SITE_ID}", "platform": "wordpress", \
             "credentials_json": {{"api_key": "demo-key-1234"}}}}' \\
       {base}/integrations/
  OpenAPI: http://{settings.host}:{settings.port}/schema
""",
        flush=True,
    )


def _create_site_once(services: Services) -> str:
    """The new site's API key, or a note when the site exists already."""
    if services.store.find(Site, SITE_ID) is not None:
        return SHOWN_ONCE
    command = create_site.CreateSite(
        name="Demo site", url="https://demo.example.com", site_id=SITE_ID
    )
    try:
        created = create_site.handle(command, services.store, system_context(ACCOUNT))
    except ConcurrentWrite:  # a process starting alongside created it a moment ago
        return SHOWN_ONCE
    return created.api_key
