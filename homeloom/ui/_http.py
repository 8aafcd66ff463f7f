"""What every handler shares: the route table, reading bodies, reaching the house's parts."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
from aiohttp import web

from homeloom.orchestrator import AutonomyPolicy, Persistence, Proposals, Runtime
from homeloom.scenarios import AutomationManager

from ._errors import ApiError
from ._keys import RUNTIME
from ._schemas import BODIES
from ._table import RouteTable

__all__ = [
    "API",
    "automations_of",
    "ok",
    "persistence_of",
    "policy_of",
    "proposals_of",
    "read_body",
    "reply",
    "runtime_of",
]

API = RouteTable()
MAX_BODY = 256 * 1024


def runtime_of(request: web.Request) -> Runtime:
    return request.app[RUNTIME]


def _component(runtime: Runtime, name: str, kind: type[Any]) -> Any:
    found = runtime.components.get(name)
    if not isinstance(found, kind):
        raise ApiError(404, "not_available", f"this house has no {name}")
    return found


def proposals_of(runtime: Runtime) -> Proposals:
    found: Proposals = _component(runtime, "proposals", Proposals)
    return found


def policy_of(runtime: Runtime) -> AutonomyPolicy:
    found: AutonomyPolicy = _component(runtime, "autonomy", AutonomyPolicy)
    return found


def automations_of(runtime: Runtime) -> AutomationManager:
    found: AutomationManager = _component(runtime, "automations", AutomationManager)
    return found


def persistence_of(runtime: Runtime) -> Persistence:
    found: Persistence = _component(runtime, "persistence", Persistence)
    return found


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(BODIES[name])


async def read_body(request: web.Request, schema: str) -> dict[str, Any]:
    """The JSON body, checked against the named request schema of the OpenAPI document."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ApiError(413, "too_large", f"a body is at most {MAX_BODY} bytes")
    try:
        body = json.loads(await request.text())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None
    error = jsonschema.exceptions.best_match(_validator(schema).iter_errors(body))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "body"
        raise ApiError(400, "invalid", f"{where}: {error.message}")
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "the body must be an object")
    return body


def reply(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def ok() -> web.Response:
    return reply({"ok": True})


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_default)


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if hasattr(value, "as_dict"):
        return value.as_dict()
    return str(value)
