"""Request bodies (strict msgspec Structs: unknown fields are refused with a 400) and the
bounded scalar types of every input, so OpenAPI documents the limits the edge enforces."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from app.aggregates.bounds import INT64_MAX, SINGLE_LINE

UUID_PATTERN = "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
ID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
EXAMPLE_ID = "0b9d3f5e-2a41-4c52-9a6e-1f8e1f0d2c11"
Uuid = Annotated[str, msgspec.Meta(pattern=UUID_PATTERN, examples=[EXAMPLE_ID])]
PathId = Annotated[str, msgspec.Meta(pattern=ID_PATTERN, examples=[EXAMPLE_ID],
                                     description="A UUID; anything else names nothing (404).")]
Platform = Literal["wordpress", "shopify", "custom"]
PlatformType = Literal["cms", "ecommerce", "custom"]
SyncStatus = Literal["never_synced", "pending", "syncing", "success", "failed"]


def line(max_length: int, min_length: int = 1) -> msgspec.Meta:
    """One line of text: no control characters."""
    return msgspec.Meta(min_length=min_length, max_length=max_length, pattern=SINGLE_LINE)


Name = Annotated[str, line(200)]
Url = Annotated[str, line(2048)]
Slug = Annotated[str, line(100)]
ContentId = Annotated[str, line(200)]
Text = Annotated[str, msgspec.Meta(max_length=65536, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")]
"""Multi-line text (tab, LF and CR allowed)."""
PostId = Annotated[int, msgspec.Meta(ge=1, le=INT64_MAX)]
Limit = Annotated[int, msgspec.Meta(ge=1, le=200, description="Page size, 1 to 200.")]
Position = Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
Version = Annotated[int, msgspec.Meta(ge=1, le=INT64_MAX)]
Seconds = Annotated[float, msgspec.Meta(ge=0, le=1e9)]
Cursor = Annotated[str, msgspec.Meta(max_length=1024, pattern=r"^[A-Za-z0-9_-]*$", description=(
    "Opaque: pass back the `next_cursor` of the previous page; anything else is a 400."))]
Filter = Annotated[str, line(200)]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class CreateIntegrationBody(Strict):
    site_id: Uuid
    platform: Platform
    platform_type: PlatformType | None = None
    config_json: dict[str, Any] = {}
    credentials_json: dict[str, Any] = {}
    is_active: bool = True
    sync_enabled: bool = True


class UpdateIntegrationBody(Strict):
    config_json: dict[str, Any] | None = None
    credentials_json: dict[str, Any] | None = None
    is_active: bool | None = None
    sync_enabled: bool | None = None


class CreateSiteBody(Strict):
    name: Name
    url: Url
