"""Operator tasks behind the CLI: run and rebuild projections, verify, export, history."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

import msgspec
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.bootstrap import Services
from app.projection_engine.read_model import ReadModel
from app.projection_engine.runner import bulk_replay
from app.projection_engine.verify import verify
from app.projections.event_feed import FEED
from app.queries.event_feed import FeedEvent, feed_event_of, feed_events
from app.queries.integration_timeline import TimelineEntry, timeline_after
from app.queries.webhook_deliveries import all_attempts

_encode = msgspec.json.Encoder().encode
REPLAY_BATCH = 2000
"""Events per transaction when replaying."""


class ProgressReport:
    """A rich progress bar (events/s, ETA) on a terminal; a plain line every few seconds
    otherwise."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label, self.stream = label, stream or sys.stderr
        self.started = self.last_line = time.monotonic()
        self.bar: Any = None
        if self.stream.isatty():
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]} events/s"),
                TimeRemainingColumn(),
                console=Console(file=self.stream, force_terminal=True),
            )
            self.task = self.bar.add_task(label, total=None, rate="-")
            self.bar.start()

    def __call__(self, position: int, head: int) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = position / elapsed
        if self.bar is not None:
            self.bar.update(self.task, completed=position, total=head, rate=f"{rate:,.0f}")
        elif time.monotonic() - self.last_line >= 2 or position >= head:
            self.last_line = time.monotonic()
            eta = (head - position) / rate if rate else 0
            print(
                f"{self.label}: {position}/{head} events, {rate:,.0f} events/s, ETA {eta:,.0f}s",
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _selected(services: Services, name: str | None) -> list[ReadModel]:
    return [m for m in services.read_side.models if name in (None, m.name)]


def projections_run(services: Services, args: argparse.Namespace) -> int:
    from app.cli import run_until_signalled

    print("running projections and the sync worker until interrupted", file=sys.stderr)
    run_until_signalled(services.start_workers, services.stop_workers)
    return 0


def projections_rebuild(services: Services, args: argparse.Namespace) -> int:
    """A fresh generation of each read model, built beside the live one and switched to
    when it has caught up: readers never see a partly built table."""
    models = _selected(services, args.name)
    report = ProgressReport(f"rebuild {args.name or 'all'}")
    started = time.monotonic()
    with bulk_replay():
        count = services.read_side.rebuild(models, report)
    report.close()
    elapsed = time.monotonic() - started
    print(
        f"rebuilt {', '.join(m.name for m in models)} from {count} events in "
        f"{elapsed:.2f}s ({count / max(elapsed, 1e-6):,.0f} events/s)",
        file=sys.stderr,
    )
    return 0


def projections_verify(services: Services, args: argparse.Namespace) -> int:
    report = ProgressReport("verify")
    names = {m.name for m in _selected(services, args.name)}
    targets = [t for t in services.read_side.live_targets() if t.model.name in names]
    with bulk_replay():
        differences = verify(services.events, services.db, targets, progress=report)
    report.close()
    for line in differences:
        print(line)
    print(
        "projections match a fresh rebuild"
        if not differences
        else f"{len(differences)} difference(s) found",
        file=sys.stderr,
    )
    return 1 if differences else 0


def projections_status(services: Services, args: argparse.Namespace) -> int:
    status = services.projection_status()
    for p in status.projections:
        mark = "" if p.current else "  (other code)"
        print(f"{p.label:<32} {p.state:<9} position {p.position:>10}  lag {p.lag:>8}{mark}")
    print(f"{'head':<32} {'':<9} position {status.head:>10}")
    for name in status.missing:
        print(f"{name:<32} not live yet (being built)")
    if status.quarantined:
        print(
            f"{len(status.quarantined)} quarantined event(s): "
            "integrations projections quarantine list"
        )
    return 0


def print_history(
    services: Services, integration_id: str, out: TextIO | None = None, *, as_json: bool = False
) -> int:
    """The integration's timeline (its stream, sync runs, webhook deliveries and slot) as a
    table (time, type, actor, summary), or its entries as raw JSON lines."""
    out = out or sys.stdout
    _caught_up(services)
    after = 0
    if not as_json:
        print(
            HISTORY_ROW.format("position", "time", "version", "type", "actor", "summary"), file=out
        )
    while page := timeline_after(services.db, integration_id, after, 500).results:
        for entry in page:
            print(_encode(entry).decode() if as_json else _history_row(entry), file=out)
        after = page[-1].position
    if not after:
        print(f"no events for integration {integration_id}", file=sys.stderr)
        return 1
    return 0


HISTORY_ROW = "{:>8}  {:<19}  {:>7}  {:<31}  {:<24}  {}"


def _history_row(entry: TimelineEntry) -> str:
    when = entry.occurred_at[:19].replace("T", " ")
    return HISTORY_ROW.format(
        entry.position, when, entry.version, entry.type, entry.actor, entry.summary
    )


def _caught_up(services: Services) -> None:
    """Bring the read side up to the store's head (what no other process leads, and what
    another process leads), so a CLI read sees every event written before it."""
    head = services.events.max_position()
    services.read_side.catch_up()
    services.await_projection(head)


def print_webhook_attempts(
    services: Services, integration_id: str, out: TextIO | None = None, *, as_json: bool = False
) -> int:
    """The integration's webhook log, newest first: a table, or raw JSON lines."""
    out = out or sys.stdout
    attempts = all_attempts(services.db, integration_id)
    if not as_json:
        print(ATTEMPT_ROW.format("time", "verdict", "size", "delivery id"), file=out)
    for a in attempts:
        size = "-" if a.size_bytes is None else a.size_bytes
        print(
            _encode(a).decode()
            if as_json
            else ATTEMPT_ROW.format(
                a.attempted_at[:19].replace("T", " "), a.verdict, size, a.delivery_id or "-"
            ),
            file=out,
        )
    return 0


ATTEMPT_ROW = "{:<19}  {:<15}  {:>8}  {}"


def export_events(
    services: Services, *, after: int = 0, account_id: str | None = None, out: TextIO | None = None
) -> int:
    out = out or sys.stdout
    if account_id:  # the feed index says who owns each stream: bring it up to the head first
        _caught_up(services)
    items = (
        _account_events(services, account_id, after) if account_id else _all_events(services, after)
    )
    for item in items:
        out.write(_encode(item).decode() + "\n")
    out.flush()
    return 0


def _all_events(services: Services, after: int) -> Iterator[FeedEvent]:
    while events := services.events.replay(after, 1000):
        for position, event in events:
            yield feed_event_of(position, event)
        after = events[-1][0]


def _account_events(services: Services, account_id: str, after: int) -> Iterator[FeedEvent]:
    while rows := services.db.all(
        f"SELECT position FROM {FEED} WHERE account_id = ? AND position > ?"
        " ORDER BY position LIMIT 1000",
        (account_id, after),
    ):
        yield from feed_events(services.events, [r["position"] for r in rows])
        after = rows[-1]["position"]
