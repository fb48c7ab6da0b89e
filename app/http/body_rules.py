"""The platform rules of integration bodies (`app/aggregates/rules.py`), written as JSON
Schema for OpenAPI, so a client (or a fuzzer) can tell a valid body from its description."""

from __future__ import annotations

from typing import Any

from app.aggregates.bounds import TEXT
from app.aggregates.rules import API_VERSION, HTTP_URL_PATTERN, SECRET_LOOKING, SHOP_DOMAIN
from app.aggregates.sync_run import DIRECTIONS
from app.commands.request_sync import PUSHES

B64 = "[A-Za-z0-9+/]"
WHSEC = {
    "type": "string",
    "pattern": (
        f"^whsec_(?:(?:{B64}{{4}}){{5}}(?:{B64}{{2}}==|{B64}{{3}}=)"
        f"|(?:{B64}{{4}}){{6,}}(?:{B64}{{2}}==|{B64}{{3}}=)?)$"
    ),
}
"""A Standard Webhooks secret: `whsec_` and at least 16 bytes of padded base64."""
SECRET_WORDS = "|".join(
    "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)
    for word in SECRET_LOOKING.pattern.strip("()").split("|")
)
JSON_OBJECT = {
    "type": "object",
    "propertyNames": {"pattern": TEXT},
    "additionalProperties": {"$ref": "#/components/schemas/JsonValue"},
}
URL = {"type": "string", "maxLength": 2048, "pattern": HTTP_URL_PATTERN}


def credentials(*, patch: bool) -> dict[str, Any]:
    value: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": TEXT}
    secret: dict[str, Any] = {"anyOf": [WHSEC, {"type": "array", "minItems": 1, "items": WHSEC}]}
    if patch:  # a JSON Merge Patch removes a key with null
        value, secret = {"anyOf": [value, {"type": "null"}]}, {"anyOf": [secret, {"type": "null"}]}
    return {
        "type": "object",
        "propertyNames": {"pattern": TEXT},
        "additionalProperties": value,
        "properties": {"webhook_secret": secret},
        "description": "Secrets: non-empty strings (`webhook_secret`: whsec_… or a list "
        "of them while rotating). Stored encrypted, never shown.",
    }


def config(*, patch: bool) -> dict[str, Any]:
    content_types: dict[str, Any] = (
        JSON_OBJECT if not patch else {"anyOf": [JSON_OBJECT, {"type": "null"}]}
    )
    return {
        "type": "object",
        "additionalProperties": {"$ref": "#/components/schemas/JsonValue"},
        "propertyNames": {"pattern": TEXT, "not": {"pattern": SECRET_WORDS}},
        "properties": {"content_types": content_types},
        "description": "Settings, no secrets (keys that look like one are refused).",
    }


def create_integration(schema: dict[str, Any]) -> dict[str, Any]:
    """Per platform: WordPress needs `api_key` (and `username` with `app_password`), Shopify
    a shop domain and an access token."""
    properties = schema["properties"]
    properties["config_json"] = config(patch=False)
    properties["credentials_json"] = credentials(patch=False)
    wordpress = {
        "required": ["credentials_json"],
        "properties": {
            "credentials_json": {
                "required": ["api_key"],
                "dependentRequired": {"username": ["app_password"], "app_password": ["username"]},
            },
            "config_json": {"properties": {"site_url": URL}},
        },
    }
    shopify = {
        "required": ["config_json", "credentials_json"],
        "properties": {
            "credentials_json": {"required": ["access_token"]},
            "config_json": {
                "required": ["shop_domain"],
                "properties": {
                    "shop_domain": {"type": "string", "pattern": SHOP_DOMAIN.pattern},
                    "api_version": {"type": "string", "pattern": API_VERSION.pattern},
                },
            },
        },
    }
    schema["allOf"] = [_when("wordpress", wordpress), _when("shopify", shopify)]
    return schema


def update_integration(schema: dict[str, Any]) -> dict[str, Any]:
    schema["properties"]["config_json"] = {"anyOf": [config(patch=True), {"type": "null"}]}
    schema["properties"]["credentials_json"] = {
        "anyOf": [credentials(patch=True), {"type": "null"}]
    }
    return schema


def sync(schema: dict[str, Any]) -> dict[str, Any]:
    """Items are pushed by `to_external` (which needs some) and `both`, by nothing else."""
    schema["allOf"] = [
        {
            "if": {
                "properties": {"direction": {"enum": [d for d in DIRECTIONS if d not in PUSHES]}}
            },
            "then": {"properties": {"items": {"maxItems": 0}}},
        },
        {
            "if": {"properties": {"direction": {"const": "to_external"}}},
            "then": {"required": ["items"], "properties": {"items": {"minItems": 1}}},
        },
    ]
    return schema


def schedule(schema: dict[str, Any]) -> dict[str, Any]:
    """`every` or `cron`, exactly one of them."""
    schema["oneOf"] = [
        {"required": [field], "properties": {field: {"type": "string"}}}
        for field in ("every", "cron")
    ]
    return schema


def _when(platform: str, then: dict[str, Any]) -> dict[str, Any]:
    return {"if": {"properties": {"platform": {"const": platform}}}, "then": then}
