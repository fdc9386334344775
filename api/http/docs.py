"""The API documentation at /docs, served from the package: no request leaves this server.

Swagger UI's assets are those of the pinned `fastapi-offline` package (requirements/lock.txt;
Swagger UI is Apache-2.0, the package MIT); the page has no inline script (it starts from
`docs-init.js`), so it is served under a Content-Security-Policy as strict as the dashboard's.
ReDoc is not served: it needs inline styles and workers that this policy refuses.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from api.http.problems import ApiProblem

router = APIRouter(include_in_schema=False)
SWAGGER = Path(fastapi_offline.__file__).resolve().parent / "static"
OWN = Path(__file__).resolve().parent.parent / "web" / "static"
ASSETS = {  # the only files /docs/assets serves
    "swagger-ui-bundle.js": SWAGGER / "swagger-ui-bundle.js",
    "swagger-ui.css": SWAGGER / "swagger-ui.css",
    "favicon.png": SWAGGER / "favicon.png",
    "docs-init.js": OWN / "docs-init.js",
}
HEADERS = {
    # Swagger UI sets style attributes from script (hence 'unsafe-inline' for styles only); it
    # fetches /openapi.json and, with "Try it out", calls this API (connect-src 'self').
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - API documentation</title>
<link rel="icon" href="{root}/docs/assets/favicon.png">
<link rel="stylesheet" href="{root}/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="{root}/openapi.json"></div>
<script src="{root}/docs/assets/swagger-ui-bundle.js"></script>
<script src="{root}/docs/assets/docs-init.js"></script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI over this server's OpenAPI document."""
    root = escape(request.scope.get("root_path", "").rstrip("/"))
    return HTMLResponse(PAGE.format(title=escape(request.app.title), root=root), headers=HEADERS)


@router.get("/docs/assets/{name}")
def asset(name: str) -> FileResponse:
    path = ASSETS.get(name)
    if path is None:
        raise ApiProblem(404, "not-found", "no such file")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600", **HEADERS})
