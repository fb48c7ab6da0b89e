"""What a hostile WordPress site sends is cleaned before it can reach an event: no NUL or
other control characters, no number a database cannot hold, no nesting past the bound."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.aggregates import bounds
from app.platforms.base import PlatformError
from app.platforms.http import OutboundClient, OutboundHTTP
from app.platforms.wordpress import WordPressClient
from tests.wordpress_site import APP_PASSWORD, WordPressSite


def _client(outbound: Callable[..., OutboundHTTP], site: WordPressSite) -> WordPressClient:
    http = OutboundClient(outbound(site.mock_transport()))
    return WordPressClient(
        site_url="https://blog.example/", http=http, username="admin", app_password=APP_PASSWORD
    )


def test_remote_text_loses_nul_and_control_characters(
    outbound: Callable[..., OutboundHTTP],
    mock_site: WordPressSite,
) -> None:
    post = mock_site.add_post(title="Hel\x00lo\x07 world", meta={"igny8_content_id": "c\x001"})
    item = _client(outbound, mock_site).fetch_content_item(post["id"], "post")
    assert (item.title, item.content_id) == ("Hello world", "c1")
    assert not list(bounds.problems(item.url, "url"))


def test_a_post_id_beyond_bigint_is_refused(
    outbound: Callable[..., OutboundHTTP],
    mock_site: WordPressSite,
) -> None:
    post = mock_site.add_post(title="x")
    mock_site.post(post["id"])["id"] = 1180591620717411303424
    with pytest.raises(PlatformError) as refused:
        _client(outbound, mock_site).fetch_content_item(post["id"], "post")
    assert refused.value.code == "bad_reply"


def test_clean_json_bounds_whatever_it_is_given() -> None:
    deep: object = "bottom"
    for _ in range(100):
        deep = [deep]
    dirty = {"a\x00b": ["x\x01y", 2**70, float("nan"), True, None, 1.5, "\ud800ok"], "deep": deep}
    clean = bounds.clean_json(dirty)
    assert clean["ab"] == ["xy", None, None, True, None, 1.5, "ok"]
    assert not list(bounds.problems(clean, ""))
