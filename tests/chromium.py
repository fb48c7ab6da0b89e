"""Debian's Chromium driven by Playwright, started so it calls nothing out by itself
(`make test` installs Chromium when it is missing; Playwright cannot download browsers here)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--disable-domain-reliability",
    "--metrics-recording-only",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"


@contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        raise AssertionError(
            f"{CHROMIUM} is missing: `make test` installs it (apt-get install -y chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def outside(page: Page, origin: str) -> list[str]:
    """Every request the page makes that is not to `origin` (filled as the page loads)."""
    seen: list[str] = []
    page.on(
        "request",
        lambda request: (
            seen.append(request.url) if not request.url.startswith(origin + "/") else None
        ),
    )
    return seen


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
