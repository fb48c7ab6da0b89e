"""`integrations events export --account-id` reads the feed index; events written but not yet
projected (no worker running) are exported all the same: the index is caught up first."""

from __future__ import annotations

import io
import json

from app.bootstrap import Services
from app.operations import export_events
from tests.conftest import count_events, write_mixed_history


def test_account_export_includes_events_not_yet_projected(services: Services) -> None:
    write_mixed_history(services, sites=2, account_id="acc-x")  # straight to the store
    assert services.read_side.position() < services.events.max_position()
    out = io.StringIO()
    export_events(services, account_id="acc-x", out=out)
    exported = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(exported) == count_events(services) > 0  # every event is acc-x's
