"""The OpenAPI document and its browsable UI at `/schema`, rendered by Swagger UI from files the
service ships (`app/http/static/vendor`, pinned in `vendored.json`): no CDN, works offline.
The security schemes (bearer JWT, the site's `X-Api-Key`) are declared once here."""

from __future__ import annotations

from pathlib import Path

from litestar.datastructures import CacheControlHeader
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, Reference, SecurityRequirement, SecurityScheme
from litestar.router import Router
from litestar.static_files import create_static_files_router

from app import __version__

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static"
SWAGGER = f"{STATIC_PATH}/vendor/swagger-ui-5.35.0"
HTMX = f"{STATIC_PATH}/vendor/htmx-2.0.11/htmx.min.js"
FAVICON = f"<link rel='icon' type='image/svg+xml' href='{STATIC_PATH}/favicon.svg'>"

BEARER: SecurityRequirement = {"BearerToken": []}
SITE_KEY: SecurityRequirement = {"SiteApiKey": []}
ANYONE: SecurityRequirement = {}
"""An empty requirement: the route also answers without credentials."""

SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    "BearerToken": SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="JWT",
        description="A user's HS256 token (`integrations token …`).",
    ),
    "SiteApiKey": SecurityScheme(
        type="apiKey",
        name="X-Api-Key",
        security_scheme_in="header",
        description="The site's API key (the WordPress plugin and its webhooks).",
    ),
}


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Integrations Service",
        version=__version__,
        path="/schema",
        render_plugins=[
            SwaggerRenderPlugin(
                js_url=f"{SWAGGER}/swagger-ui-bundle.js",
                css_url=f"{SWAGGER}/swagger-ui.css",
                standalone_preset_js_url=f"{SWAGGER}/swagger-ui-standalone-preset.js",
                path=["/", "/swagger"],
                favicon=FAVICON,
            ),
            JsonRenderPlugin(),
        ],
        components=Components(security_schemes=SECURITY_SCHEMES),
        description="Connections between customer sites and external platforms. Every "
        "error is application/problem+json; see /problems/{slug}.",
    )


def static_files() -> Router:
    """The service's own assets; vendored files carry their version in the path."""
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC_DIR],
        name="static",
        cache_control=CacheControlHeader(max_age=3600, public=True),
    )
