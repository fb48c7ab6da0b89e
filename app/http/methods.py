"""`OPTIONS` answers with every method the path takes. (Litestar's automatic answer lists
only the methods of the first controller registered on a path.)"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response

PARAMETER_TYPE = re.compile(r":[a-z]+}")


async def answer_options(request: Request[Any, Any, Any]) -> Response[None] | None:
    """A `before_request` hook: 204 with `Allow` for OPTIONS, nothing for other methods."""
    if request.method != "OPTIONS":
        return None
    return Response(None, status_code=204, headers={"Allow": allowed_methods(request)})


def allowed_methods(request: Request[Any, Any, Any]) -> str:
    template = request.scope.get("path_template")
    methods: set[str] = set()
    for route in request.app.routes:
        if PARAMETER_TYPE.sub("}", route.path) == template:
            methods |= set(route.methods)
    return ", ".join(sorted(methods))
