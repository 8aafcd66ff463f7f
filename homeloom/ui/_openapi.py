"""The OpenAPI 3.1 document, built from the route table so it cannot drift from the routes."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from homeloom import __version__

from ._auth import require
from ._http import API, reply
from ._schemas import BODIES, SCHEMAS, ref
from ._table import Route

__all__ = ["openapi_document"]

_PARAM = re.compile(r"\{(\w+)\}")
_REASONS = {
    400: "The request is invalid",
    401: "No session or token",
    403: "Not allowed for this role, or a missing CSRF token",
    404: "Not found",
    409: "Conflicts with the current state",
    429: "Too many attempts",
    500: "An internal error (details only in the server log)",
}


def _operation(route: Route) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": route.summary,
        "tags": [route.tag],
        "operationId": route.handler.__name__,
    }
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAM.findall(route.path)
    ]
    parameters += [
        {"name": name, "in": "query", "required": required, "schema": schema}
        for name, schema, required in route.query
    ]
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": route.body}},
        }
    responses: dict[str, Any] = {}
    if route.response is None:
        responses["101"] = {"description": "Switching to the WebSocket protocol"}
    else:
        responses[str(route.status)] = {
            "description": "Success",
            "content": {"application/json": {"schema": route.response}},
        }
    for status in (*route.errors, 500):
        responses[str(status)] = {
            "description": _REASONS.get(status, "Error"),
            "content": {"application/json": {"schema": ref("Error")}},
        }
    operation["responses"] = responses
    if route.public:
        operation["security"] = []
    return operation


def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in API.routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "homeloom",
            "version": __version__,
            "description": (
                "The local API of a homeloom house. Scripts authenticate with a bearer "
                "token; the dashboard with a session cookie and, on every change, the "
                "X-CSRF-Token header. Errors are {code, message}."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": {**SCHEMAS, **BODIES},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "homeloom_session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }


@API.route(
    "GET",
    "/api/openapi.json",
    "This document",
    tag="meta",
    response={"type": "object"},
    errors=(401,),
)
async def openapi(request: web.Request) -> web.StreamResponse:
    require(request)
    return reply(openapi_document())
