"""`integrations history` prints a table a person can read (or the raw lines), the CLI tells
its version, and every action has help text."""

from __future__ import annotations

import argparse

import msgspec
import pytest

from app import __version__
from app.aggregates.base import EventSourced, Snapshot
from app.aggregates.health_issues import HealthIssues
from app.aggregates.integration import Integration
from app.aggregates.site import Site
from app.aggregates.slot import IntegrationSlot
from app.aggregates.sync_run import SyncRun
from app.aggregates.webhook_delivery import WebhookDelivery
from app.bootstrap import Services
from app.cli import main, parser
from app.queries.event_summary import SUMMARIES, summary_of
from tests.conftest import cli_env, write_mixed_history

AGGREGATES = (Integration, Site, IntegrationSlot, SyncRun, WebhookDelivery, HealthIssues)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, services: Services) -> Services:
    cli_env(monkeypatch, services)
    return services


def test_history_is_a_table_with_one_summary_line_per_event(
    cli: Services,
    capsys: pytest.CaptureFixture[str],
) -> None:
    integration_id = write_mixed_history(cli, sites=1, patches=2)[0]
    assert main(["history", integration_id]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split() == ["position", "time", "version", "type", "actor", "summary"]
    assert len(rows) == 1 + 1 + 2 + 1  # created, slot claimed, two config changes, activation
    positions = [int(row.split()[0]) for row in rows]
    assert positions == sorted(positions)
    assert rows[0].split()[3:5] == ["1", "integration.created"]
    assert "created wordpress integration" in rows[0]
    assert "integration_slot.claimed" in rows[1] and "wordpress slot claimed by" in rows[1]
    assert "config changed: p" in rows[2]
    assert all(len(row) < 300 and "ciphertext" not in row for row in rows)


def test_history_json_prints_the_raw_redacted_lines(
    cli: Services,
    capsys: pytest.CaptureFixture[str],
) -> None:
    integration_id = write_mixed_history(cli, sites=1, patches=1)[0]
    assert main(["history", integration_id, "--json"]) == 0
    lines = [msgspec.json.decode(line) for line in capsys.readouterr().out.splitlines()]
    own = [line for line in lines if line["stream_type"] == "integration"]
    assert [line["version"] for line in own] == list(range(1, len(own) + 1))
    assert [line["type"] for line in lines if line["stream_type"] == "integration_slot"] == [
        "integration_slot.claimed"
    ]
    assert all(line["summary"] for line in lines)
    assert lines[0]["data"]["credentials"]["ciphertext"] == "[redacted]"


def test_version_and_help_for_every_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == (
        f"integrations {__version__}"
    )
    for action in _actions(parser()):
        assert action.help, action.dest


def _actions(root: argparse.ArgumentParser) -> list[argparse.Action]:
    """Every argument and subcommand, all the way down."""
    found: list[argparse.Action] = []
    for action in root._actions:
        if isinstance(action, argparse._SubParsersAction):
            found += action._choices_actions
            for sub in action.choices.values():
                found += _actions(sub)
        elif not isinstance(action, argparse._HelpAction):
            found.append(action)
    return found


def test_every_event_type_has_a_summary() -> None:
    topics = {
        getattr(kind, "TOPIC", None)
        for aggregate in AGGREGATES
        for kind in vars(aggregate).values()
        if isinstance(kind, type)
        and issubclass(kind, EventSourced.Event)
        and not issubclass(kind, Snapshot)
    }
    topics.discard(None)  # the aggregates' own base event classes
    assert len(topics) > 25
    assert topics <= set(SUMMARIES), topics - set(SUMMARIES)
    assert summary_of(
        "integration.sync_finished", {"sync_id": "s1", "outcome": "failed", "error": "boom"}
    ) == ("sync s1 finished: failed: boom")
    assert summary_of("something.new", {"b": 1, "a": 2}) == "something.new (a, b)"
    assert len(summary_of("sync.failed", {"error": "x" * 500})) == 160
