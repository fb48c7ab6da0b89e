"""RFC 3339 UTC timestamps with fixed width, so text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime

_last: tuple[datetime | None, str] = (None, "")


def iso(moment: datetime) -> str:
    global _last
    seen, text = _last  # projections format the same event's time several times in a row
    if seen is moment:
        return text
    utc = moment.astimezone(UTC) if moment.utcoffset() else moment
    text = utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    _last = (moment, text)
    return text


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
