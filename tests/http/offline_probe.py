"""Run inside an empty network namespace (`unshare -n`, loopback only): start the service and
Chromium, load the console and `/schema`, and exit 0 only if both render with every request
answered. Used by `test_offline_namespace.py`; `python -m tests.http.offline_probe DIR`."""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import expect

from app.identity import Tokens
from tests.chromium import chromium
from tests.conftest import JWT_SECRET
from tests.server_process import ServerProcess


def interfaces() -> list[str]:
    """This network namespace's interfaces (/proc/self/net is per namespace, /sys is not)."""
    lines = Path("/proc/self/net/dev").read_text().splitlines()[2:]
    return sorted(line.split(":")[0].strip() for line in lines)


def probe(workdir: Path) -> None:
    assert interfaces() == ["lo"], f"not an empty network namespace: {interfaces()}"
    server = ServerProcess(workdir, f"sqlite:///{workdir / 'integrations.db'}")
    with server, chromium() as browser:
        page = browser.new_page()
        failed: list[str] = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.goto(f"{server.base_url}/schema")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Integrations Service")
        page.goto(f"{server.base_url}/console/login")
        page.fill("#token", Tokens(JWT_SECRET).issue(account_id="a", user_id="u", role="admin"))
        page.click("form.login button[type=submit]")
        expect(page.locator("#integrations")).to_be_visible()
        assert page.evaluate("typeof htmx") == "object", "htmx did not load"
        assert page.locator("header.top").evaluate("e => getComputedStyle(e).display") == "flex", (
            "the stylesheet did not load"
        )
        assert failed == [], failed
    print("offline: console and schema rendered")


if __name__ == "__main__":
    probe(Path(sys.argv[1]))
