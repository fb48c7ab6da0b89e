"""Request bodies: strict msgspec Structs (unknown fields are refused with a 400)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

UUID_PATTERN = "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
Uuid = Annotated[str, msgspec.Meta(pattern=UUID_PATTERN, examples=[
    "0b9d3f5e-2a41-4c52-9a6e-1f8e1f0d2c11"])]
Platform = Literal["wordpress", "shopify", "custom"]
PlatformType = Literal["cms", "ecommerce", "custom"]
SyncStatus = Literal["never_synced", "pending", "syncing", "success", "failed"]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Url = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]


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
