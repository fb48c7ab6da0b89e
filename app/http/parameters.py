"""Path and query parameters with the bounds the edge enforces (`strict_input` reads them
from here), declared the way Litestar documents them in OpenAPI."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar.params import PathParameter, QueryParameter

from app.aggregates.bounds import SAFE_INT, SINGLE_LINE
from app.http.bodies import ID_PATTERN, UUID_PATTERN

PathId = Annotated[
    str, PathParameter(pattern=ID_PATTERN, description="A UUID; anything else names nothing (404).")
]
SyncId = Annotated[
    str, PathParameter(pattern=ID_PATTERN, description="A UUID; anything else names nothing (404).")
]
SiteFilter = Annotated[str | None, QueryParameter(pattern=UUID_PATTERN)]
Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Page size, 1 to 200.")]
FeedLimit = Annotated[int, QueryParameter(ge=1, le=200, description="Events, 1 to 200.")]
Position = Annotated[int, QueryParameter(ge=0, le=SAFE_INT, schema_extra={"minimum": 0})]
"""(`schema_extra` because Litestar leaves a bound of 0 out of the schema.)"""
Version = Annotated[int | None, QueryParameter(ge=1, le=SAFE_INT)]
Seconds = Annotated[
    float | None,
    QueryParameter(
        ge=0,
        le=1e9,
        schema_extra={"minimum": 0},
        description="Seconds to wait for the run to finish; above 60 means 60.",
    ),
]
Cursor = Annotated[
    str | None,
    QueryParameter(
        max_length=1024,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="Opaque: pass back the `next_cursor` of the previous page; anything else "
        "is a 400.",
    ),
]
Filter = Annotated[str | None, QueryParameter(max_length=200, pattern=SINGLE_LINE)]
Moment = Annotated[
    datetime | None, QueryParameter(description="RFC 3339, e.g. 2026-01-31T12:00:00Z")
]
Flag = Annotated[bool | None, QueryParameter(description="`true` or `false`.")]
PlatformFilter = Annotated[Literal["wordpress", "shopify", "custom"] | None, QueryParameter()]
