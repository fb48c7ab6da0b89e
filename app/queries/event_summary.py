"""One line a person can read for any stored event, from its topic and its redacted data.

Used by `integrations history` and the console; the timeline (`history/`'s `summary` field)
is meant to use the same function, so the CLI, the console and the API say the same thing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Data = Mapping[str, Any]
MAX_LENGTH = 160


def _counts(counts: Any) -> str:
    if not isinstance(counts, Mapping) or not counts:
        return ""
    return " (" + ", ".join(f"{name} {value}" for name, value in sorted(counts.items())) + ")"


def _names(value: Any) -> str:
    return ", ".join(sorted(value)) if isinstance(value, Mapping | list) and value else "none"


def _fields(d: Data) -> Any:
    return (d.get("credentials") or {}).get("fields")


def _tested(d: Data) -> str:
    verdict = "succeeded" if d.get("success") else "failed"
    return f"connection test {verdict} in {d.get('duration_ms')} ms: {d.get('message')}"


def _structure(d: Data) -> str:
    types = d.get("content_types") or {}
    return (
        f"structure from {d.get('source')}: {len(types.get('post_types') or {})} post "
        f"types, {len(types.get('taxonomies') or {})} taxonomies"
    )


def _finished(d: Data) -> str:
    error = f": {d['error']}" if d.get("error") else ""
    return f"sync {d.get('sync_id')} finished: {d.get('outcome')}{error}"


def _pulled_one(d: Data) -> str:
    verdict = "pulled" if d.get("success") else f"not pulled ({d.get('error')})"
    return f"content {d.get('content_id')} (post {d.get('external_id')}) {verdict}"


def _webhook(d: Data) -> str:
    change = f"status {d.get('status')}" if d.get("kind") == "status" else "metadata changed"
    return f"webhook {d.get('delivery_id')}: post {d.get('post_id')} {change}"


def _pushed(d: Data) -> str:
    result = d.get("result") or {}
    verdict = "pushed" if result.get("success") else f"push failed ({result.get('error')})"
    return f"content {result.get('content_id')} {verdict}{_counts(d.get('counts'))}"


def _schedule(d: Data) -> str:
    when = f"every {d.get('every')} s" if d.get("every") else f"cron {d.get('cron')}"
    paused = ", paused" if d.get("paused") else ""
    return f"schedule set: {d.get('direction')} {when}{paused}"


def _deleted(d: Data) -> str:
    items = d.get("items") or []
    trashed = sum(1 for item in items if item.get("status") == "trash")
    return f"{trashed} posts trashed, {len(items) - trashed} deleted on the platform"


SUMMARIES: dict[str, Callable[[Data], str]] = {
    "integration.created": lambda d: (
        f"created {d.get('platform')} integration for site {d.get('site_id')}"
    ),
    "integration.config_changed": lambda d: f"config changed: {_names(d.get('patch'))}",
    "integration.credentials_changed": lambda d: (
        f"credentials replaced (fields: {_names(_fields(d))})"
    ),
    "integration.activated": lambda d: "activated",
    "integration.deactivated": lambda d: "deactivated",
    "integration.sync_enabled": lambda d: "sync enabled",
    "integration.sync_disabled": lambda d: "sync disabled",
    "integration.deleted": lambda d: "deleted; credentials shredded",
    "integration.connection_tested": _tested,
    "integration.structure_updated": _structure,
    "integration.sync_requested": lambda d: (
        f"sync {d.get('sync_id')} requested ({d.get('direction')})"
    ),
    "integration.sync_started": lambda d: f"sync {d.get('sync_id')} started",
    "integration.sync_finished": _finished,
    "integration.content_pulled": _pulled_one,
    "integration.shop_synced": lambda d: (
        f"shop {d.get('name')} ({d.get('domain')}, {d.get('currency')})"
    ),
    "integration.webhook_received": _webhook,
    "sync.requested": lambda d: (
        f"{d.get('direction')} sync requested ({len(d.get('items') or [])} items)"
    ),
    "sync.started": lambda d: "sync started",
    "sync.progressed": lambda d: f"phase {d.get('phase')}{_counts(d.get('counts'))}",
    "sync.content_pulled": lambda d: (
        f"pulled {len(d.get('items') or [])} items{_counts(d.get('counts'))}"
    ),
    "sync.content_pushed": _pushed,
    "sync.completed": lambda d: (
        f"sync succeeded in {d.get('duration_ms')} ms{_counts(d.get('counts'))}"
    ),
    "sync.failed": lambda d: f"sync failed: {d.get('error')}",
    "sync.abandoned": lambda d: f"sync abandoned: {d.get('reason')}",
    "sync.claimed": lambda d: (
        f"claimed by worker {d.get('worker')} (attempt "
        f"{d.get('attempt')}, lease until {d.get('lease_until')})"
    ),
    "sync.lease_extended": lambda d: f"lease extended until {d.get('lease_until')}",
    "sync.retry_scheduled": lambda d: (
        f"attempt {d.get('attempt')} failed, next at {d.get('next_retry_at')}: {d.get('error')}"
    ),
    "sync.cancel_requested": lambda d: "cancel requested",
    "sync.released": lambda d: "released by its worker (shutting down); claimable at once",
    "sync.cancelled": lambda d: f"sync cancelled{_counts(d.get('counts'))}",
    "sync.content_deleted": _deleted,
    "integration.schedule_set": _schedule,
    "integration.schedule_removed": lambda d: "schedule removed",
    "integration.schedule_auto_paused": lambda d: f"schedule paused itself: {d.get('reason')}",
    "site.created": lambda d: f"site {d.get('name')} created ({d.get('url')})",
    "site.api_key_rotated": lambda d: "site API key rotated",
    "integration.health_watched": lambda d: "health issues tracked",
    "integration.health_issue_opened": lambda d: (
        f"health issue {d.get('kind')} opened: {d.get('detail')}"
    ),
    "integration.health_issue_seen": lambda d: (
        f"health issue {d.get('kind')} still there: {d.get('detail')}"
    ),
    "integration.health_issue_resolved": lambda d: (
        f"health issue {d.get('kind')} resolved: {d.get('resolution')}"
    ),
    "integration_slot.claimed": lambda d: (
        f"{d.get('platform')} slot claimed by {d.get('integration_id')}"
    ),
    "integration_slot.reclaimed": lambda d: f"slot reclaimed by {d.get('integration_id')}",
    "integration_slot.released": lambda d: f"slot released by {d.get('integration_id')}",
}


def summary_of(event_type: str, data: Data) -> str:
    """A one-line summary (at most `MAX_LENGTH` characters) of an event's redacted data."""
    describe = SUMMARIES.get(event_type)
    text = describe(data) if describe else f"{event_type} ({_names(list(data))})"
    line = " ".join(str(text).split())
    return line if len(line) <= MAX_LENGTH else line[: MAX_LENGTH - 1] + "…"
