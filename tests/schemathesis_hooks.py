"""schemathesis hooks for tests/test_schemathesis.py (loaded through its config file)."""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.hook
def filter_query(context: schemathesis.HookContext, query: dict[str, Any] | None) -> bool:
    """No made-up cursors: a cursor is an opaque token only the server issues, so no schema
    can tell a valid one from a forged one (forged ones: tests/http/test_poison_parameters)."""
    return not query or "cursor" not in query
