"""Development mode's welcome: a demo account and site on first start, and on every start
a fresh owner token with a `curl` line that works as printed."""

from __future__ import annotations

import json
from pathlib import Path

from app.bootstrap import Services
from app.commands import create_site
from app.commands.context import system_context

ACCOUNT = "demo-account"
USER = "demo-owner"


def announce_demo(services: Services) -> None:
    settings = services.settings
    marker = Path(settings.var_dir) / "demo.json"
    api_key_line = "(shown on first start only)"
    if not marker.exists():
        created = services.execute(
            create_site.handle,
            create_site.CreateSite(name="Demo site", url="https://demo.example.com"),
            system_context(ACCOUNT))
        marker.write_text(json.dumps({"account_id": ACCOUNT, "site_id": str(created.site.id)}))
        api_key_line = created.api_key
    site_id = json.loads(marker.read_text())["site_id"]
    token = services.tokens.issue(account_id=ACCOUNT, user_id=USER, role="owner", ttl=86400)
    base = f"http://{settings.host}:{settings.port}/api/v1/integration"
    print(f"""
Integrations Service (development mode)
  account   {ACCOUNT}
  site id   {site_id}
  API key   {api_key_line}
  token     {token}

Try:
  curl -s -H 'Authorization: Bearer {token}' {base}/sites/
  curl -s -X POST -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\
       -d '{{"site_id": "{site_id}", "platform": "wordpress", \
             "credentials_json": {{"api_key": "demo-key-1234"}}}}' \\
       {base}/integrations/
  OpenAPI: http://{settings.host}:{settings.port}/schema
""", flush=True)
