"""Pure validation of integration input, run before anything is sealed or recorded."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from app.aggregates.errors import FieldError, ValidationFailed

PLATFORM_TYPES = {"wordpress": "cms", "shopify": "ecommerce", "custom": "custom"}
SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}\.myshopify\.com$")
API_VERSION = re.compile(r"^(20\d\d-(01|04|07|10)|unstable)$")
HTTP_URL_PATTERN = (
    r"^https?://[A-Za-z0-9._~%!$&'()*+,;=-]+(:[0-9]{1,5})?"
    r"([/?#][^\x00-\x20\x7f]*)?$"
)
HTTP_URL = re.compile(HTTP_URL_PATTERN)
SECRET_LOOKING = re.compile(r"(pass|secret|token|api_?key|credential)", re.IGNORECASE)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: keys set, `null` removes, others kept."""
    if not isinstance(patch, Mapping):
        return patch
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def check_platform_type(platform: str, platform_type: str | None) -> str:
    return platform_type or PLATFORM_TYPES[platform]


def validate(
    platform: str, config: Mapping[str, Any], credentials: Mapping[str, Any] | None
) -> None:
    """Raise `ValidationFailed` listing every broken rule for this platform. `credentials`
    is None when they are not changing (they were valid when they were set)."""
    errors = _config_errors(config)
    if platform not in PLATFORM_TYPES:
        errors.append(FieldError("platform", f"must be one of {', '.join(PLATFORM_TYPES)}"))
    if credentials is not None:
        errors += _credential_errors(credentials)
    if platform == "wordpress":
        errors += _wordpress_errors(config, credentials)
    elif platform == "shopify":
        errors += _shopify_errors(config, credentials)
    if errors:
        raise ValidationFailed(errors)


def is_http_url(value: object) -> bool:
    """An absolute http(s) URL with a host (no user info), on one line: `HTTP_URL`, which
    OpenAPI documents as the pattern of URL fields."""
    return isinstance(value, str) and len(value) <= 2048 and HTTP_URL.match(value) is not None


def _config_errors(config: Mapping[str, Any]) -> list[FieldError]:
    errors = []
    for key in config:
        if SECRET_LOOKING.search(key):
            errors.append(FieldError(f"config_json.{key}", "secrets belong in credentials_json"))
    if "content_types" in config and not isinstance(config["content_types"], Mapping):
        errors.append(FieldError("config_json.content_types", "must be an object"))
    return errors


def _credential_errors(credentials: Mapping[str, Any]) -> list[FieldError]:
    errors = []
    for key, value in credentials.items():
        if key == "webhook_secret":
            errors += _webhook_secret_errors(value)
        elif not isinstance(value, str) or not value:
            errors.append(FieldError(f"credentials_json.{key}", "must be a non-empty string"))
    return errors


def _webhook_secret_errors(value: object) -> list[FieldError]:
    secrets = value if isinstance(value, list) else [value]
    if not secrets or not all(isinstance(s, str) and _is_whsec(s) for s in secrets):
        return [
            FieldError(
                "credentials_json.webhook_secret",
                "must be a whsec_<base64> secret, or a list of them while rotating",
            )
        ]
    return []


def _is_whsec(secret: str) -> bool:
    if not secret.startswith("whsec_"):
        return False
    try:
        return len(base64.b64decode(secret[6:], validate=True)) >= 16
    except (binascii.Error, ValueError):
        return False


def _wordpress_errors(
    config: Mapping[str, Any], creds: Mapping[str, Any] | None
) -> list[FieldError]:
    errors = []
    if not is_http_url(config.get("site_url")):
        errors.append(FieldError("config_json.site_url", "must be an absolute http(s) URL"))
    if creds is None:
        return errors
    if not creds.get("api_key"):
        errors.append(FieldError("credentials_json.api_key", "is required for WordPress"))
    if bool(creds.get("username")) != bool(creds.get("app_password")):
        errors.append(
            FieldError("credentials_json.app_password", "username and app_password go together")
        )
    return errors


def _shopify_errors(config: Mapping[str, Any], creds: Mapping[str, Any] | None) -> list[FieldError]:
    errors = []
    domain = config.get("shop_domain")
    if not isinstance(domain, str) or not SHOP_DOMAIN.match(domain):
        errors.append(
            FieldError(
                "config_json.shop_domain", "must be a shop domain like example.myshopify.com"
            )
        )
    version = config.get("api_version")
    if version is not None and (not isinstance(version, str) or not API_VERSION.match(version)):
        errors.append(FieldError("config_json.api_version", "must be YYYY-MM (a Shopify release)"))
    if creds is not None and not creds.get("access_token"):
        errors.append(FieldError("credentials_json.access_token", "is required for Shopify"))
    return errors
