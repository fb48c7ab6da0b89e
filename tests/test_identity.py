"""User tokens: a verified token is remembered, but never past its expiry."""

from __future__ import annotations

import time

import pytest

from app.aggregates.errors import Unauthenticated
from app.identity import Tokens

SECRET = "identity-test-secret-0123456789abcdef"


def test_a_remembered_token_still_expires() -> None:
    tokens = Tokens(SECRET)
    token = tokens.issue(account_id="acc", user_id="u1", role="editor", ttl=1)
    assert tokens.verify(token).user_id == "u1"
    assert tokens.verify(token).user_id == "u1"  # remembered
    expires = int(time.time()) + 1
    while time.time() <= expires + 0.01:  # the token's `exp` has whole seconds
        time.sleep(0.05)
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.verify(token)


def test_a_token_signed_with_another_secret_is_refused_every_time() -> None:
    forged = Tokens("another-secret-0123456789abcdef-xyz").issue(
        account_id="acc", user_id="u1", role="owner"
    )
    tokens = Tokens(SECRET)
    for _ in range(2):
        with pytest.raises(Unauthenticated, match="badly signed"):
            tokens.verify(forged)
