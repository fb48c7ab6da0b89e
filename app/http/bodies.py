"""Request bodies (strict msgspec Structs: unknown fields are refused with a 400) and the
bounded scalar types of every input, so OpenAPI documents the limits the edge enforces."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from app.aggregates.bounds import SAFE_INT, SINGLE_LINE
from app.aggregates.rules import HTTP_URL_PATTERN

UUID_PATTERN = "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
ID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
EXAMPLE_ID = "0b9d3f5e-2a41-4c52-9a6e-1f8e1f0d2c11"
Uuid = Annotated[str, msgspec.Meta(pattern=UUID_PATTERN, examples=[EXAMPLE_ID])]
Platform = Literal["wordpress", "shopify", "custom"]
PlatformType = Literal["cms", "ecommerce", "custom"]
SyncStatus = Literal["never_synced", "pending", "syncing", "success", "failed"]


def line(max_length: int, min_length: int = 1) -> msgspec.Meta:
    """One line of text: no control characters."""
    return msgspec.Meta(min_length=min_length, max_length=max_length, pattern=SINGLE_LINE)


Name = Annotated[str, line(200)]
Url = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=2048,
        pattern=HTTP_URL_PATTERN,
        examples=["https://blog.example.com"],
    ),
]
Slug = Annotated[str, line(100)]
ContentId = Annotated[str, line(200)]
Text = Annotated[str, msgspec.Meta(max_length=65536, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$")]
"""Multi-line text (tab, LF and CR allowed)."""
PostId = Annotated[int, msgspec.Meta(ge=1, le=SAFE_INT)]


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
