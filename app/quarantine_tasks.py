"""`integrations projections quarantine list | retry | skip`: what an operator does about
events a read model set aside."""

from __future__ import annotations

import argparse
import sys

from app.bootstrap import Services
from app.projection_engine import quarantine


def quarantine_list(services: Services, args: argparse.Namespace) -> int:
    states = (quarantine.OPEN, quarantine.SKIPPED) if args.all else (quarantine.OPEN,)
    found = quarantine.entries(services.db, states=states)
    for entry in found:
        print(
            f"{entry.read_model:<24} position {entry.position:>10}  {entry.topic:<32} "
            f"{entry.state:<8} {entry.quarantined_at}  {entry.error}"
        )
    if not found:
        print("no quarantined events", file=sys.stderr)
    return 0


def quarantine_retry(services: Services, args: argparse.Namespace) -> int:
    applied, failed = services.read_side.retry_quarantined(args.read_model, args.position)
    print(f"applied {applied} set-aside event(s); {failed} still fail", file=sys.stderr)
    return 1 if failed else 0


def quarantine_skip(services: Services, args: argparse.Namespace) -> int:
    skipped = quarantine.set_state(services.db, quarantine.SKIPPED, args.read_model, args.position)
    print(f"skipped {skipped} set-aside event(s); they stay listed with --all", file=sys.stderr)
    return 0


def add_commands(projections: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`projections quarantine ACTION` in the CLI's parser."""
    from app.cli import cmd_with_services

    parent = projections.add_parser("quarantine", help="events a read model set aside")
    actions = parent.add_subparsers(dest="quarantine_action", required=True, metavar="ACTION")
    for name, text, run in (
        ("list", "list set-aside events (open ones; --all for skipped too)", quarantine_list),
        ("retry", "apply them again after a fix; exit 1 if some still fail", quarantine_retry),
        (
            "skip",
            "accept them as they are: readiness and verify stop reporting them",
            quarantine_skip,
        ),
    ):
        command = actions.add_parser(name, help=text, description=text)
        if name == "list":
            command.add_argument("--all", action="store_true", help="skipped ones too")
        else:
            command.add_argument("--read-model", help="only this read model's")
            command.add_argument("--position", type=int, help="only the event at this position")
        command.set_defaults(run=cmd_with_services(run))
