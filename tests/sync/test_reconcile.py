"""Reconciliation repairs what lost webhooks missed: posts changed since the watermark and
posts trashed or deleted on WordPress, found by a sweep of the ids the index knows."""

from __future__ import annotations

import html
from typing import Any

from tests.sync.conftest import Connected

HOOK = "/api/v1/integration/webhooks/wordpress/status/"


def index_state(connected: Connected) -> dict[int, tuple[str, str]]:
    rows = connected.get("content/?limit=200")["results"]
    more = (
        connected.get("content/?limit=200&cursor=" + c)["results"]
        if (c := connected.get("content/?limit=200")["next_cursor"])
        else []
    )
    return {
        r["external_id"]: (r["status"], r["title"]) for r in rows + more if r["status"] != "deleted"
    }


def site_state(connected: Connected) -> dict[int, tuple[str, str]]:
    return {
        p["id"]: (p["status"], html.unescape(p["title"]["rendered"]))
        for p in connected.site.store.posts.values()
        if p["type"] in ("post", "page")
    }


def deliver(connected: Connected, post: dict[str, Any]) -> None:
    response = connected.api.client.post(
        HOOK,
        json={
            "post_id": post["id"],
            "status": post["status"],
            "post_type": post["type"],
            "title": post["title"]["rendered"],
            "url": post["link"],
        },
        headers={"X-Api-Key": "plugin-key-0001", "webhook-id": f"delivery-{post['id']}"},
    )
    assert response.status_code == 200, response.text


def test_one_reconcile_run_brings_the_index_to_the_sites_state(connected: Connected) -> None:
    assert connected.sync("from_external")["status"] == "success"
    site = connected.site
    added = [site.add_post(title=f"Fresh {n}") for n in range(100)]
    for post in added[:90]:  # ten webhooks are lost on the way
        deliver(connected, post)
    known = sorted(index_state(connected))
    for post_id in known[:5]:
        site.trash(post_id)
    site.delete(known[5])
    assert index_state(connected) != site_state(connected)

    run = connected.sync("reconcile")
    assert run["status"] == "success", run
    assert run["counts"]["pulled"] >= 10 and run["counts"]["trashed"] == 5
    assert run["counts"]["deleted"] == 1
    assert index_state(connected) == site_state(connected)
    gone = connected.get("content/?limit=200")["results"]
    assert [r["status"] for r in gone if r["external_id"] == known[5]] == ["deleted"]
    log = connected.get("sync-events/?event_type=content")["results"]
    assert any(e["action"] == "delete" and e["details"]["trashed"] == 5 for e in log)

    again = connected.sync("reconcile")
    assert again["counts"].get("trashed", 0) == 0 and again["counts"].get("deleted", 0) == 0
