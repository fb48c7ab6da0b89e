"""The `integrations` command line (also `python -m app`)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from uuid import UUID

import msgspec

from app import __version__, quarantine_tasks
from app.aggregates.errors import DomainError
from app.bootstrap import Services
from app.logs import configure_logging, logging_config
from app.projections import read_models
from app.settings import PREFIX, SettingsError, load_settings


def _services(args: argparse.Namespace, *, writes: bool = False) -> Services:
    """Services for one command; a command that writes runs the projection worker too, so
    its change is in the read tables when it exits (also with no server running)."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    services = Services(settings)
    if writes:
        services.start_workers()
    return services


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.demo import announce_demo
    from app.metrics import prepare_multiprocess_dir

    settings = load_settings(host=args.host, port=args.port, workers=args.workers)
    configure_logging(settings.log_level, settings.log_format)
    prepare_multiprocess_dir(settings.var_dir, settings.workers)
    services = Services(settings)  # creates the schema once, before any worker starts
    try:
        if not settings.is_production:
            announce_demo(services)
    finally:
        services.close()
    for name in ("host", "port", "workers"):  # workers read their settings from here
        os.environ[f"{PREFIX}{name.upper()}"] = str(getattr(settings, name))
    uvicorn.run(
        "app.http.app:asgi",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level.lower(),
        log_config=logging_config(settings.log_level, settings.log_format),
        access_log=False,
        proxy_headers=False,
    )
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from app.dev_secrets import resolve_secrets
    from app.identity import Tokens

    tokens = Tokens(resolve_secrets(load_settings()).jwt_secret)
    print(
        tokens.issue(
            account_id=args.account_id,
            user_id=args.user_id,
            role=args.role,
            ttl=args.ttl,
            is_active=not args.inactive,
        )
    )
    return 0


def cmd_sites_create(args: argparse.Namespace) -> int:
    from app.commands import create_site
    from app.commands.context import system_context

    services = _services(args, writes=True)
    try:
        created = services.execute(
            create_site.handle,
            create_site.CreateSite(name=args.name, url=args.url),
            system_context(args.account_id),
        )
    finally:
        services.close()
    site = created.site
    print(
        msgspec.json.encode(
            {
                "id": str(site.id),
                "account_id": site.account_id,
                "name": site.name,
                "url": site.url,
                "api_key": created.api_key,
                "created_at": site.created_on.isoformat(),
            }
        ).decode()
    )
    return 0


def cmd_projections(args: argparse.Namespace) -> int:
    from app import operations

    services = _services(args)
    try:
        action: Callable[[Services, argparse.Namespace], int] = getattr(
            operations, f"projections_{args.action}"
        )
        return action(services, args)
    finally:
        services.close()


def cmd_with_services(
    action: Callable[[Services, argparse.Namespace], int],
) -> Callable[[argparse.Namespace], int]:
    """A command that runs `action` with the service's parts, closed afterwards."""

    def run(args: argparse.Namespace) -> int:
        services = _services(args)
        try:
            return action(services, args)
        finally:
            services.close()

    return run


def cmd_workers(args: argparse.Namespace) -> int:
    """Sync workers only (issue 14): as many processes as you like, on any machine."""
    services = _services(args)
    try:
        print("running sync workers until interrupted", file=sys.stderr)
        run_until_signalled(services.start_sync_workers, services.sync_workers.stop)
        return 0
    finally:
        services.close()


def cmd_history(args: argparse.Namespace) -> int:
    from app import operations

    try:
        UUID(args.integration_id)
    except ValueError:
        print(f"not an integration id: {args.integration_id}", file=sys.stderr)
        return 2
    services = _services(args)
    try:
        return operations.print_history(services, args.integration_id, as_json=args.json)
    finally:
        services.close()


def cmd_webhook_attempts(args: argparse.Namespace) -> int:
    from app import operations

    services = _services(args)
    try:
        return operations.print_webhook_attempts(services, args.integration_id, as_json=args.json)
    finally:
        services.close()


def cmd_events_export(args: argparse.Namespace) -> int:
    from app import operations

    services = _services(args)
    try:
        return operations.export_events(services, after=args.after, account_id=args.account_id)
    finally:
        services.close()


def cmd_keys_rewrap(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        print(
            f"re-wrapped {services.vault.rewrap_all()} data keys under "
            f"{services.master_keys.newest}"
        )
        return 0
    finally:
        services.close()


def run_until_signalled(start: Callable[[], None], stop: Callable[[], None]) -> None:
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    start()
    done.wait()
    stop()


PROJECTION_ACTIONS = {
    "run": "run projections and sync workers until interrupted (a standalone worker)",
    "rebuild": "empty the read tables and replay every event into them (progress bar)",
    "verify": "rebuild into scratch tables and compare; exit 1 and print the differences",
    "status": "print each read model's position and its lag behind the event store",
}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="integrations", description=__doc__)
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the HTTP API and the console")
    serve.add_argument("--host", help="address to bind (INTEGRATIONS_HOST)")
    serve.add_argument("--port", type=int, help="port to bind (INTEGRATIONS_PORT)")
    serve.add_argument("--workers", type=int, help="HTTP worker processes (INTEGRATIONS_WORKERS)")
    serve.set_defaults(run=cmd_serve)

    token = sub.add_parser("token", help="print a signed user token")
    token.add_argument("--account-id", required=True, help="the account the user acts for")
    token.add_argument("--user-id", required=True, help="the user id (the token's sub)")
    token.add_argument(
        "--role",
        required=True,
        choices=["viewer", "editor", "admin", "owner"],
        help="the user's role",
    )
    token.add_argument("--ttl", type=int, default=3600, help="seconds (default 3600)")
    token.add_argument("--inactive", action="store_true", help="mark the user inactive")
    token.set_defaults(run=cmd_token)

    sites = sub.add_parser("sites", help="manage sites").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    create = sites.add_parser("create", help="create a site and print its API key once")
    create.add_argument("--account-id", required=True, help="the account the site belongs to")
    create.add_argument("--name", required=True, help="a name people recognise")
    create.add_argument("--url", required=True, help="the site's address (http or https)")
    create.set_defaults(run=cmd_sites_create)

    projections = sub.add_parser(
        "projections", help="run, rebuild, verify read models"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text in PROJECTION_ACTIONS.items():
        command = projections.add_parser(action, help=text, description=text)
        if action in ("rebuild", "verify"):
            command.add_argument(
                "name",
                nargs="?",
                choices=[p.name for p in read_models()],
                help=f"{action} only this read model",
            )
        command.set_defaults(run=cmd_projections, name=None)
    quarantine_tasks.add_commands(projections)

    workers = sub.add_parser("workers", help="sync workers only").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    text = "execute sync runs and request scheduled ones until interrupted (no leader)"
    workers.add_parser("run", help=text, description=text).set_defaults(run=cmd_workers)

    history = sub.add_parser("history", help="print one integration's timeline as a table")
    history.add_argument("integration_id", help="the integration's id")
    history.add_argument(
        "--json", action="store_true", help="one JSON object per event instead of the table"
    )
    history.set_defaults(run=cmd_history)

    webhooks = sub.add_parser("webhooks", help="inbound webhooks").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    text = "print an integration's webhook log: each delivery attempt's verdict, newest first"
    attempts = webhooks.add_parser("attempts", help=text, description=text)
    attempts.add_argument("integration_id", help="the integration's id")
    attempts.add_argument(
        "--json", action="store_true", help="one JSON object per attempt instead of the table"
    )
    attempts.set_defaults(run=cmd_webhook_attempts)

    events = sub.add_parser("events", help="the event stream").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    export = events.add_parser("export", help="NDJSON of the event stream, secrets redacted")
    export.add_argument("--after", type=int, default=0, help="start after this position")
    export.add_argument("--account-id", help="only this account's events")
    export.set_defaults(run=cmd_events_export)

    keys = sub.add_parser("keys", help="master keys").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    rewrap = keys.add_parser("rewrap", help="re-wrap data keys under the newest master key")
    rewrap.set_defaults(run=cmd_keys_rewrap)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (SettingsError, DomainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
