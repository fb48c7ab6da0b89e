"""When schedules are due: every N, cron, resumed (at once), and due times requested once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.aggregates.schedule import check_cron, every_seconds, latest_due, next_due
from app.aggregates.time import iso

T0 = datetime(2026, 3, 1, 10, 7, 30, tzinfo=UTC)


def schedule(**state: Any) -> dict[str, Any]:
    return {
        "every": None,
        "cron": None,
        "anchor": iso(T0),
        "immediate": False,
        "last_due": None,
        "paused": False,
        **state,
    }


def test_every_counts_from_the_anchor_and_collapses_missed_due_times() -> None:
    s = schedule(every=60)
    assert next_due(s) == T0 + timedelta(minutes=1)
    assert latest_due(s, T0 + timedelta(seconds=59)) is None
    assert latest_due(s, T0 + timedelta(minutes=3, seconds=5)) == T0 + timedelta(minutes=3)
    requested = schedule(every=60, last_due=iso(T0 + timedelta(minutes=3)))
    assert latest_due(requested, T0 + timedelta(minutes=3, seconds=50)) is None
    assert next_due(requested) == T0 + timedelta(minutes=4)


def test_a_resumed_schedule_is_due_at_once() -> None:
    s = schedule(every=3600, immediate=True, last_due=iso(T0 - timedelta(days=1)))
    assert next_due(s) == T0 and latest_due(s, T0) == T0
    after = {**s, "last_due": iso(T0)}
    assert next_due(after) == T0 + timedelta(hours=1)


def test_cron_points_after_the_anchor() -> None:
    s = schedule(cron="*/15 * * * *")
    assert next_due(s) == datetime(2026, 3, 1, 10, 15, tzinfo=UTC)
    assert latest_due(s, datetime(2026, 3, 1, 10, 44, tzinfo=UTC)) == datetime(
        2026, 3, 1, 10, 30, tzinfo=UTC
    )
    assert latest_due(s, datetime(2026, 3, 1, 10, 14, tzinfo=UTC)) is None


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("1h", 3600), ("2d", 172800)])
def test_every_reads_minutes_hours_and_days(text: str, seconds: int) -> None:
    assert every_seconds(text) == seconds


@pytest.mark.parametrize("text", ["0m", "15", "15s", "1.5h", "m", "1 h", "-1h"])
def test_every_refuses_other_shapes(text: str) -> None:
    with pytest.raises(ValueError):
        every_seconds(text)


@pytest.mark.parametrize("expression", ["* * * *", "61 * * * *", "* * * * * *", "nonsense"])
def test_cron_needs_five_valid_fields(expression: str) -> None:
    with pytest.raises(ValueError):
        check_cron(expression)
