"""Signing in to the console. A browser cannot send a bearer header when it navigates, so the
login page takes a token and keeps it in a Secure, HttpOnly, SameSite=Strict cookie; every
page verifies that cookie exactly as the API verifies a bearer token (signature, expiry,
inactive users, role). Forms carry a CSRF token (Litestar's double-submit middleware)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from app.aggregates.errors import DomainError, Forbidden
from app.http.auth import authorised

COOKIE = "integrations_console"
PATH = "/console"
HOME = f"{PATH}/"


class LoginForm(msgspec.Struct, kw_only=True):
    token: str = ""
    next: str = HOME


Form = Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


def session_cookie(token: str) -> Cookie:
    return Cookie(key=COOKIE, value=token, path=PATH, secure=True, httponly=True, samesite="strict")


def expired_cookie() -> Cookie:
    return Cookie(
        key=COOKIE, value="", path=PATH, secure=True, httponly=True, samesite="strict", max_age=0
    )


def signed_in(role: str) -> Any:
    """A guard: the console cookie names an active user of at least `role`."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        token = connection.cookies.get(COOKIE)
        state = connection.scope.setdefault("state", {})
        state["principal"] = connection.app.state.services.tokens.verify(token) if token else None
        authorised(connection, role)

    guard.__name__ = f"signed_in_{role}"
    return guard


def safe_next(target: str) -> str:
    """Only back into the console: never an open redirect."""
    return target if target.startswith(HOME) and not target.startswith("//") else HOME


class SessionController(Controller):
    path = "/"

    @get("/login", name="console_login")
    async def login_page(self, next: FromQuery[str] = HOME) -> Template:
        return Template("login.html", context={"next": safe_next(next), "error": None})

    @post("/login", status_code=303)
    async def login(self, data: Form, request: Request[Any, Any, Any]) -> Redirect | Template:
        token = data.token.strip()
        try:
            principal = request.app.state.services.tokens.verify(token)
            if not principal.is_active:
                raise Forbidden("this user is inactive")
            if not principal.at_least("editor"):
                raise Forbidden("the console needs the editor role or above")
        except DomainError as exc:
            return Template(
                "login.html",
                status_code=401 if not isinstance(exc, Forbidden) else 403,
                context={"next": safe_next(data.next), "error": str(exc)},
            )
        return Redirect(safe_next(data.next), cookies=[session_cookie(token)], status_code=303)

    @post("/logout", status_code=303)
    async def logout(self) -> Redirect:
        return Redirect(f"{PATH}/login", cookies=[expired_cookie()], status_code=303)
