"""The house: states, areas, things, services and calling them, history, and "why"."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from homeloom.orchestrator import (
    Context,
    HomeloomError,
    Runtime,
    ServiceNotFound,
    State,
    valid_entity_id,
)

from ._auth import Principal, require, visible
from ._errors import ApiError
from ._http import API, automations_of, persistence_of, read_body, reply, runtime_of
from ._schemas import arr, ref
from ._traces import find_trace, scenario_summary

__all__ = ["state_body"]

MAX_HISTORY = timedelta(days=31)


def state_body(runtime: Runtime, state: State) -> dict[str, Any]:
    return {**state.as_dict(), "area_id": runtime.registries.area_of(state.entity_id)}


def _visible_state(request: web.Request, principal: Principal, entity_id: str) -> State:
    runtime = runtime_of(request)
    state = runtime.states.get(entity_id)
    if state is None or not visible(runtime, principal, entity_id):
        raise ApiError(404, "not_found", f"no entity {entity_id}")
    return state


@API.route(
    "GET", "/api/states", "Every entity's current state", tag="house", response=arr(ref("State"))
)
async def states(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    runtime = runtime_of(request)
    shown = [
        state_body(runtime, s)
        for s in sorted(runtime.states.all(), key=lambda s: s.entity_id)
        if visible(runtime, principal, s.entity_id)
    ]
    return reply(shown)


@API.route(
    "GET",
    "/api/states/{entity_id}",
    "One entity's current state",
    tag="house",
    response=ref("State"),
)
async def state(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    found = _visible_state(request, principal, request.match_info["entity_id"])
    return reply(state_body(runtime_of(request), found))


@API.route(
    "GET", "/api/areas", "The areas and their entities", tag="house", response=arr(ref("Area"))
)
async def areas(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    runtime = runtime_of(request)
    found = []
    for area in runtime.registries.areas.values():
        entities = [
            e
            for e in sorted(runtime.registries.entities_in_area(area.id))
            if e in runtime.states and visible(runtime, principal, e)
        ]
        if principal.role == "guest" and not entities:
            continue
        found.append({"id": area.id, "name": area.name, "floor": area.floor, "entities": entities})
    return reply(found)


@API.route("GET", "/api/things", "The connected objects", tag="house", response=arr(ref("Thing")))
async def things(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    runtime = runtime_of(request)
    found = []
    for thing in runtime.registries.things.values():
        entities = [
            e
            for e in runtime.registries.entities_of_thing(thing.id)
            if visible(runtime, principal, e)
        ]
        if principal.role == "guest" and not entities:
            continue
        found.append(
            {
                "id": thing.id,
                "name": thing.name,
                "adapter": thing.adapter,
                "area_id": thing.area_id,
                "manufacturer": thing.manufacturer,
                "model": thing.model,
                "entities": sorted(entities),
            }
        )
    return reply(found)


@API.route(
    "GET",
    "/api/services",
    "Every service, by domain",
    tag="house",
    response={
        "type": "object",
        "additionalProperties": {"type": "object", "additionalProperties": ref("Service")},
    },
)
async def services(request: web.Request) -> web.StreamResponse:
    require(request)
    listed = {
        domain: {name: service.describe() for name, service in items.items()}
        for domain, items in runtime_of(request).services.all().items()
    }
    return reply(listed)


def _target_ids(target: dict[str, Any]) -> list[str]:
    value = target.get("entity_id")
    items = value if isinstance(value, list) else [value] if value else []
    return [str(item).strip().lower() for item in items]


async def call_service(
    runtime: Runtime,
    principal: Principal,
    domain: str,
    service: str,
    data: dict[str, Any],
    target: dict[str, Any],
) -> dict[str, Any]:
    """Call a service for a person; a guest only on the entities shared with them."""
    if principal.role == "guest":
        ids = _target_ids(target)
        if not ids or set(target) - {"entity_id"}:
            raise ApiError(403, "forbidden", "a guest names the entities to act on")
        hidden = [e for e in ids if not visible(runtime, principal, e)]
        if hidden:
            raise ApiError(403, "forbidden", f"not shared with you: {', '.join(hidden)}")
        if domain in ("automation", "homeloom", "script"):
            raise ApiError(403, "forbidden", f"a guest may not call {domain} services")
    for entity_id in _target_ids(target):
        if not valid_entity_id(entity_id):
            raise ApiError(400, "invalid", f"{entity_id!r} is not an entity id")
    context = Context(user_id=principal.user.username, origin="user", source="ui")
    try:
        # What answers (conversation.process, a script) answers the person too.
        answers = runtime.services.get(domain, service).supports_response != "none"
        response = await runtime.services.call(
            domain, service, data, target=target or None, context=context, return_response=answers
        )
    except ServiceNotFound as err:
        raise ApiError(404, "service_not_found", str(err)) from None
    except HomeloomError as err:
        raise ApiError(400, "invalid", str(err)) from None
    return {"ok": True, "response": response, "context": context.as_dict()}


@API.route(
    "POST",
    "/api/services/{domain}/{service}",
    "Call a service with data and a target",
    tag="house",
    response=ref("CallResult"),
    body=ref("Call"),
)
async def call(request: web.Request) -> web.StreamResponse:
    principal = require(request, "control")
    body = await read_body(request, "Call")
    result = await call_service(
        runtime_of(request),
        principal,
        request.match_info["domain"],
        request.match_info["service"],
        dict(body.get("data") or {}),
        dict(body.get("target") or {}),
    )
    return reply(result)


def _time_arg(request: web.Request, name: str, default: datetime) -> datetime:
    text = request.query.get(name)
    if not text:
        return default
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, "invalid", f"{name}: not an ISO 8601 time: {text!r}") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=default.tzinfo)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@API.route(
    "GET",
    "/api/history/{entity_id}",
    "An entity's states over a period (default: the last 24 hours)",
    tag="house",
    response=ref("History"),
    query=(
        ("start", {"type": "string", "format": "date-time"}, False),
        ("end", {"type": "string", "format": "date-time"}, False),
    ),
)
async def history(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    runtime = runtime_of(request)
    entity_id = request.match_info["entity_id"]
    current = _visible_state(request, principal, entity_id)
    end = _time_arg(request, "end", runtime.now())
    start = _time_arg(request, "start", end - timedelta(hours=24))
    if not start < end or end - start > MAX_HISTORY:
        raise ApiError(400, "invalid", "start must come before end, at most 31 days apart")
    states = persistence_of(runtime).history(entity_id, start, end)
    points = [
        {"state": s.state, "value": _number(s.state), "time": s.last_updated.isoformat()}
        for s in states
    ]
    unit = current.attributes.get("unit_of_measurement")
    return reply(
        {
            "entity_id": entity_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "unit": str(unit) if unit is not None else None,
            "points": points,
        }
    )


@API.route(
    "GET",
    "/api/why/{entity_id}",
    "Why an entity is in its state: who or which run changed it last, with the run's trace",
    tag="house",
    response=ref("Why"),
)
async def why(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    runtime = runtime_of(request)
    current = _visible_state(request, principal, request.match_info["entity_id"])
    found = find_trace(automations_of(runtime), current.context)
    scenario = None
    trace = None
    if found is not None:
        automation, trace = found
        scenario = scenario_summary(runtime, automation)
    return reply(
        {
            "entity_id": current.entity_id,
            "state": state_body(runtime, current),
            "scenario": scenario,
            "trace": trace,
            "user_id": current.context.user_id,
            "origin": current.context.origin,
        }
    )
