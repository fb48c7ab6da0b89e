"""When a sync schedule is due: pure arithmetic over its state, shared by the Integration
aggregate (which refuses a run that is not due), the schedules read model (which keeps the
next due time) and the scheduler (which requests the latest due time).

A schedule's due times are its grid (every `every` seconds after `anchor`, or the points of
its cron expression after `anchor`) plus `anchor` itself when `immediate` (a resumed schedule
starts one run at once). Each due time is requested at most once: `last_due` is the newest
one requested, and due times missed while a run was going on collapse into one."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from croniter import croniter

from app.aggregates.time import parse_iso

EVERY = re.compile(r"^([1-9][0-9]{0,5})([mhd])$")
UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}
TICK = timedelta(microseconds=1)


def every_seconds(every: str) -> int:
    """`15m`, `1h`, `2d` as seconds; anything else is a ValueError."""
    match = EVERY.match(every)
    if match is None:
        raise ValueError("must be a number and a unit: 15m, 1h, 1d (m, h or d)")
    return int(match[1]) * UNIT_SECONDS[match[2]]


def check_cron(expression: str) -> None:
    """Five fields (minute hour day month weekday), as croniter reads them."""
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ValueError("must be a cron expression of five fields, e.g. '*/15 * * * *'")


def next_due(schedule: Mapping[str, Any]) -> datetime:
    """The first due time not requested yet."""
    anchor = parse_iso(schedule["anchor"])
    last = parse_iso(schedule["last_due"]) if schedule.get("last_due") else None
    if schedule.get("immediate") and (last is None or anchor > last):
        return anchor
    base = max(anchor, last) if last else anchor
    if schedule.get("cron"):
        moment: datetime = croniter(schedule["cron"], base).get_next(datetime)
        return moment
    step = timedelta(seconds=schedule["every"])
    return anchor + ((base - anchor) // step + 1) * step


def latest_due(schedule: Mapping[str, Any], now: datetime) -> datetime | None:
    """The newest due time at or before `now` not requested yet (None when none is)."""
    first = next_due(schedule)
    if first > now:
        return None
    if schedule.get("cron"):
        latest: datetime = croniter(schedule["cron"], now + TICK).get_prev(datetime)
    else:
        step = timedelta(seconds=schedule["every"])
        anchor = parse_iso(schedule["anchor"])
        latest = anchor + ((now - anchor) // step) * step
    return max(first, latest)
