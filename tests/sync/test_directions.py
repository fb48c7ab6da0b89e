"""Each sync direction against the WordPress imitation: events, content index, structure."""

from __future__ import annotations

from app.projection_engine.verify import verify
from tests.conftest import live_targets
from tests.sync.conftest import Connected


def test_metadata_pulls_post_types_and_taxonomies_into_content_types(
    connected: Connected,
) -> None:
    run = connected.sync("metadata")
    assert run["status"] == "success"
    assert run["counts"] == {"post_types": 9, "taxonomies": 4}
    assert run["started_at"] and run["finished_at"] and run["duration_ms"] >= 0
    types = connected.get("content-types/")
    assert types["post_types"]["book"]["rest_base"] == "books"
    assert types["taxonomies"]["genre"]["types"] == ["book", "post"]
    assert types["last_structure_fetch"].endswith("Z")
    assert connected.get("")["config_json"]["content_types"] == types
    history = [e["type"] for e in connected.get("history/?type=integration.")["results"]]
    assert history[-4:] == [
        "integration.sync_requested",
        "integration.sync_started",
        "integration.structure_updated",
        "integration.sync_finished",
    ]


def test_from_external_fills_the_content_index_and_then_pulls_only_changes(
    connected: Connected,
) -> None:
    first = connected.sync("from_external")
    assert first["status"] == "success" and first["counts"]["pulled"] > 0
    content = {c["external_id"]: c for c in connected.get("content/?limit=200")["results"]}
    assert {"post", "page"} <= {c["post_type"] for c in content.values()}
    assert content[1]["title"] == "Hello world!" and content[1]["source"] == "pull"

    modified = connected.site.touch(1)
    before = len(connected.site.requests)
    second = connected.sync("from_external")
    assert second["counts"] == {"pulled": 1}
    listed = [
        r for r in connected.site.requests[before:] if r.route in ("/wp/v2/posts", "/wp/v2/pages")
    ]
    assert listed and all("modified_after" in r.query for r in listed)
    after = {c["external_id"]: c for c in connected.get("content/?limit=200")["results"]}
    assert after[1]["modified_at"] == modified + "Z"
    assert after[1]["last_synced_at"] > content[1]["last_synced_at"]

    third = connected.sync("from_external")
    assert third["counts"].get("pulled", 0) == 0


def test_custom_post_types_are_pulled_through_their_rest_base(connected: Connected) -> None:
    run = connected.sync("from_external", content_types=["book"])
    assert run["status"] == "success" and run["counts"]["pulled"] >= 1
    assert "/wp/v2/books" in connected.site.routes()
    books = connected.get("content/?post_type=book")["results"]
    assert books and all(b["post_type"] == "book" for b in books)


def test_to_external_creates_then_updates_the_same_post(connected: Connected) -> None:
    item = {
        "content_id": "article-7",
        "title": "Fish &amp; chips",
        "content": "<p>Hot</p>",
        "status": "publish",
        "post_type": "post",
    }
    created = connected.sync("to_external", items=[item])
    assert created["status"] == "success" and created["counts"] == {"pushed": 1}
    mapped = connected.get("content/?content_id=article-7")["results"]
    assert len(mapped) == 1 and mapped[0]["source"] == "push"
    post_id = mapped[0]["external_id"]
    assert connected.site.post(post_id)["meta"]["igny8_content_id"] == "article-7"

    updated = connected.sync("to_external", items=[{**item, "title": "Fish and chips"}])
    assert updated["status"] == "success"
    again = connected.get("content/?content_id=article-7")["results"]
    assert [c["external_id"] for c in again] == [post_id]
    assert connected.site.post(post_id)["title"]["rendered"] == "Fish and chips"
    pushes = connected.get("sync-events/?event_type=content")["results"]
    assert [(e["action"], e["content_id"], e["external_id"]) for e in pushes[:2]] == [
        ("push", "article-7", post_id),
        ("push", "article-7", post_id),
    ]


def test_both_runs_metadata_pull_and_push(connected: Connected) -> None:
    run = connected.sync(
        "both",
        items=[
            {
                "content_id": "c-9",
                "title": "T",
                "content": "x",
                "status": "draft",
                "post_type": "page",
            }
        ],
    )
    assert run["status"] == "success"
    assert set(run["counts"]) == {"post_types", "taxonomies", "pulled", "pushed"}
    assert connected.get("content-types/")["post_types"]


def test_a_failing_site_fails_the_run_with_a_clear_error(connected: Connected) -> None:
    connected.site.mode = "not_wordpress"
    run = connected.sync("from_external")
    assert run["status"] == "failed"
    assert "WordPress" in run["error"]
    status = connected.get("sync-status/")
    assert status["sync_status"] == "failed" and status["sync_error"] == run["error"]
    assert status["current_run"] is None and status["last_run"]["sync_id"] == run["sync_id"]
    log = connected.get("sync-events/?event_type=sync&success=false")["results"]
    assert log[0]["error_message"] == run["error"]


def test_a_rejected_push_fails_the_run_and_names_the_item(connected: Connected) -> None:
    run = connected.sync(
        "to_external",
        items=[
            {
                "content_id": "ghost",
                "title": "t",
                "content": "c",
                "status": "publish",
                "post_type": "post",
                "external_id": 999_999,
            }
        ],
    )
    assert run["status"] == "failed" and "ghost" in run["error"]
    failed = connected.get("sync-events/?event_type=content&success=false")["results"]
    assert failed[0]["content_id"] == "ghost" and failed[0]["error_message"]


def test_the_sync_event_log_equals_a_rebuild_after_a_mixed_history(
    connected: Connected,
) -> None:
    connected.sync("metadata")
    connected.sync("from_external")
    connected.site.mode = "down"
    connected.sync("from_external")
    connected.site.mode = "pretty"
    connected.sync(
        "to_external",
        items=[
            {
                "content_id": "x",
                "title": "t",
                "content": "c",
                "status": "publish",
                "post_type": "post",
            }
        ],
    )
    connected.api.post(f"{connected.path}test-connection/")
    services = connected.api.services
    services.read_side.catch_up()
    assert verify(services.events, services.db, live_targets(services)) == []
