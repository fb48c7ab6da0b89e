"""Secrets the service needs, from settings or (development only) generated under `var/`."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

import msgspec

from app.credentials import MasterKeys
from app.settings import Settings, SettingsError


class Secrets(msgspec.Struct, frozen=True, kw_only=True):
    jwt_secret: str
    master_keys: str


def resolve_secrets(settings: Settings) -> Secrets:
    jwt_secret = settings.jwt_secret or _dev_secret(settings, "jwt_secret", _new_jwt_secret)
    master_keys = settings.master_keys or _dev_secret(settings, "master_keys",
                                                      MasterKeys.generate_spec)
    try:
        MasterKeys.parse(master_keys)
    except ValueError as exc:
        raise SettingsError(f"INTEGRATIONS_MASTER_KEYS: {exc}") from None
    if len(jwt_secret) < 32:
        raise SettingsError("INTEGRATIONS_JWT_SECRET must be at least 32 characters")
    return Secrets(jwt_secret=jwt_secret, master_keys=master_keys)


def _new_jwt_secret() -> str:
    return secrets.token_urlsafe(48)


def _dev_secret(settings: Settings, name: str, make: Callable[[], str]) -> str:
    if settings.is_production:
        raise SettingsError(f"INTEGRATIONS_{name.upper()} is required in production")
    path = Path(settings.var_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(make())
    return path.read_text().strip()
