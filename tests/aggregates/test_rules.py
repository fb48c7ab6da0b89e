"""Pure validation rules and RFC 7396 merge patches."""

from __future__ import annotations

import pytest

from app.aggregates.errors import ValidationFailed
from app.aggregates.rules import merge_patch, validate


def test_merge_patch_follows_rfc_7396() -> None:
    target = {"a": "b", "c": {"d": "e", "f": "g"}}
    assert merge_patch(target, {"a": "z", "c": {"f": None}}) == {"a": "z", "c": {"d": "e"}}
    assert merge_patch({"a": [1, 2]}, {"a": [3]}) == {"a": [3]}
    assert merge_patch({"a": 1}, {"b": {"c": None}}) == {"a": 1, "b": {}}
    assert target == {"a": "b", "c": {"d": "e", "f": "g"}}


def fields(platform: str, config: dict[str, object], creds: dict[str, object] | None) -> set[str]:
    with pytest.raises(ValidationFailed) as failed:
        validate(platform, config, creds)
    return {e.field for e in failed.value.errors}


def test_every_broken_rule_is_listed_at_once() -> None:
    assert fields("shopify", {"shop_domain": "x.com", "api_version": "v1"}, {}) == {
        "config_json.shop_domain",
        "config_json.api_version",
        "credentials_json.access_token",
    }


def test_unchanged_credentials_are_not_rechecked() -> None:
    validate("wordpress", {"site_url": "https://ok.io"}, None)
    assert fields("wordpress", {"site_url": "https://ok.io"}, {}) == {"credentials_json.api_key"}


@pytest.mark.parametrize(
    "secret",
    [
        "whsec_" + "QUJDREVGR0hJSktMTU5PUA==",
        ["whsec_QUJDREVGR0hJSktMTU5PUA==", "whsec_UVJTVFVWV1hZWmFiY2RlZg=="],
    ],
)
def test_webhook_secrets_take_standard_form_or_a_rotation_list(secret: object) -> None:
    validate(
        "wordpress", {"site_url": "https://ok.io"}, {"api_key": "k" * 10, "webhook_secret": secret}
    )
