"""Secrets the service needs, from settings or (development mode only) generated under `var/`.

Development mode is exactly "no JWT secret configured": then a JWT secret (and, when none is
configured, master keys) are generated once and kept under `var/`. With a JWT secret
configured, master keys are required too; `INTEGRATIONS_ENV=production` requires both."""

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


def check_secrets(settings: Settings) -> None:
    """Refuse a configuration that cannot start, before anything is written."""
    if settings.is_production and not settings.jwt_secret:
        raise SettingsError("INTEGRATIONS_JWT_SECRET is required in production")
    if settings.jwt_secret and not settings.master_keys:
        raise SettingsError(
            "INTEGRATIONS_MASTER_KEYS is required when INTEGRATIONS_JWT_SECRET "
            "is set (only development mode, with no JWT secret, generates keys)"
        )
    if settings.jwt_secret and len(settings.jwt_secret) < 32:
        raise SettingsError("INTEGRATIONS_JWT_SECRET must be at least 32 characters")
    if settings.master_keys:
        _parse_master_keys(settings.master_keys)


def resolve_secrets(settings: Settings) -> Secrets:
    check_secrets(settings)
    jwt_secret = settings.jwt_secret or _dev_secret(settings, "jwt_secret", _new_jwt_secret)
    master_keys = settings.master_keys or _dev_secret(
        settings, "master_keys", MasterKeys.generate_spec
    )
    _parse_master_keys(master_keys)
    return Secrets(jwt_secret=jwt_secret, master_keys=master_keys)


def _parse_master_keys(spec: str) -> None:
    try:
        MasterKeys.parse(spec)
    except ValueError as exc:
        raise SettingsError(f"INTEGRATIONS_MASTER_KEYS: {exc}") from None


def _new_jwt_secret() -> str:
    return secrets.token_urlsafe(48)


def _dev_secret(settings: Settings, name: str, make: Callable[[], str]) -> str:
    path = Path(settings.var_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(make())
    return path.read_text().strip()
