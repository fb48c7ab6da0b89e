"""How any stored event is described outside the domain: its topic, the kind of stream it
belongs to, and its data with every secret redacted (history, feed, export)."""

from __future__ import annotations

from typing import Any

from app.aggregates.time import iso

ENVELOPE = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "actor", "request_id"}
)
REDACTED = "[redacted]"
_stream_types: dict[str, str] = {}


def topic_of(event: Any) -> str:
    return str(type(event).TOPIC)


def stream_type_of(event: Any) -> str:
    """The owning aggregate's topic (`integration`, `site`, `sync_run`, …)."""
    owner = type(event).__qualname__.partition(".")[0]
    if owner not in _stream_types:
        module = __import__(type(event).__module__, fromlist=[owner])
        _stream_types[owner] = str(getattr(module, owner).TOPIC)
    return _stream_types[owner]


def occurred_at(event: Any) -> str:
    return iso(event.timestamp)


def event_data(event: Any) -> dict[str, Any]:
    """The event's own fields, secrets redacted: credential ciphertext and key hashes are
    replaced, never copied, so no secret leaves through history, feed or export."""
    fields = vars(event)
    sealed = fields.get("sealed") is True  # an idempotent answer that holds a secret
    return {
        key: REDACTED if sealed and key == "body" else _redact(key, value)
        for key, value in fields.items()
        if key not in ENVELOPE
    }


def _redact(key: str, value: Any) -> Any:
    if key == "credentials" and isinstance(value, dict):
        return {
            "fields": value.get("fields", []),
            "api_key_hint": value.get("api_key_hint"),
            "ciphertext": REDACTED,
        }
    if key.endswith("_hash") or key in ("api_key", "app_password", "access_token", "secret"):
        return REDACTED
    return value
