"""Scenarios (on/off, trigger, level, traces), the autonomy policy, and assemblages."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from homeloom.house import check_config
from homeloom.orchestrator import Context, parse_level
from homeloom.scenarios import (
    Assemblages,
    Automation,
)

from ._auth import Principal, require
from ._errors import ApiError
from ._http import API, automations_of, policy_of, read_body, reply, runtime_of
from ._schemas import arr, ref
from ._traces import scenario_summary, traces_of

__all__: list[str] = []


def _context(principal: Principal) -> Context:
    return Context(user_id=principal.user.username, origin="user", source="ui")


def _scenario(request: web.Request) -> Automation:
    key = request.match_info["scenario"]
    found = automations_of(runtime_of(request)).find(key)
    if found is None:
        raise ApiError(404, "not_found", f"no scenario {key!r}")
    return found


@API.route(
    "GET",
    "/api/scenarios",
    "Every scenario with its level, last run and trust",
    tag="scenarios",
    response=arr(ref("Scenario")),
)
async def scenarios(request: web.Request) -> web.StreamResponse:
    require(request)
    runtime = runtime_of(request)
    manager = automations_of(runtime)
    return reply([scenario_summary(runtime, a) for a in manager.automations.values()])


@API.route(
    "GET", "/api/scenarios/{scenario}", "One scenario", tag="scenarios", response=ref("Scenario")
)
async def scenario(request: web.Request) -> web.StreamResponse:
    require(request)
    return reply(scenario_summary(runtime_of(request), _scenario(request)))


async def _automation_service(
    request: web.Request, service: str, data: dict[str, Any]
) -> web.StreamResponse:
    principal = require(request, "scenarios")
    automation = _scenario(request)
    runtime = runtime_of(request)
    await runtime.services.call(
        "automation",
        service,
        data,
        target={"entity_id": automation.entity_id},
        context=_context(principal),
    )
    return reply(scenario_summary(runtime, automation))


@API.route(
    "POST",
    "/api/scenarios/{scenario}/enable",
    "Turn a scenario on",
    tag="scenarios",
    response=ref("Scenario"),
)
async def enable(request: web.Request) -> web.StreamResponse:
    return await _automation_service(request, "turn_on", {})


@API.route(
    "POST",
    "/api/scenarios/{scenario}/disable",
    "Turn a scenario off",
    tag="scenarios",
    response=ref("Scenario"),
)
async def disable(request: web.Request) -> web.StreamResponse:
    return await _automation_service(request, "turn_off", {})


@API.route(
    "POST",
    "/api/scenarios/{scenario}/trigger",
    "Run a scenario now (its conditions skipped)",
    tag="scenarios",
    response=ref("Scenario"),
)
async def trigger(request: web.Request) -> web.StreamResponse:
    return await _automation_service(request, "trigger", {})


@API.route(
    "PUT",
    "/api/scenarios/{scenario}/level",
    "Set a scenario's autonomy level",
    tag="scenarios",
    response=ref("Scenario"),
    body=ref("Level"),
)
async def set_level(request: web.Request) -> web.StreamResponse:
    principal = require(request, "scenarios")
    body = await read_body(request, "Level")
    automation = _scenario(request)
    runtime = runtime_of(request)
    policy_of(runtime).set_level(
        "scenario", automation.label, parse_level(body["level"]), _context(principal)
    )
    return reply(scenario_summary(runtime, automation))


@API.route(
    "GET",
    "/api/scenarios/{scenario}/traces",
    "A scenario's kept runs, oldest first",
    tag="scenarios",
    response=arr(ref("Trace")),
)
async def traces(request: web.Request) -> web.StreamResponse:
    require(request)
    return reply(traces_of(_scenario(request)))


@API.route(
    "GET",
    "/api/scenarios/{scenario}/traces/{run_id}",
    "One run of a scenario: trigger, conditions, steps, timings, proposals",
    tag="scenarios",
    response=ref("Trace"),
)
async def trace(request: web.Request) -> web.StreamResponse:
    require(request)
    run_id = request.match_info["run_id"]
    for item in traces_of(_scenario(request)):
        if str(item.get("run_id")) == run_id:
            return reply(item)
    raise ApiError(404, "not_found", f"no run {run_id!r}")


@API.route(
    "GET",
    "/api/config/check",
    "Validate the configuration directory as `homeloom check` does",
    tag="scenarios",
    response=ref("ConfigCheck"),
)
async def config_check(request: web.Request) -> web.StreamResponse:
    require(request, "scenarios")
    root = runtime_of(request).config_dir
    if root is None:
        raise ApiError(404, "not_available", "this house has no configuration directory")
    report = await check_config(root)
    return reply(report.as_dict())


# --- autonomy ----------------------------------------------------------------------


@API.route(
    "GET",
    "/api/autonomy",
    "The household level, per-scenario levels and guards",
    tag="autonomy",
    response=ref("Autonomy"),
)
async def autonomy(request: web.Request) -> web.StreamResponse:
    require(request)
    return reply(dict(policy_of(runtime_of(request)).describe()))


@API.route(
    "PUT",
    "/api/autonomy",
    "Set the household's autonomy ceiling (admin)",
    tag="autonomy",
    response=ref("Autonomy"),
    body=ref("Level"),
)
async def set_household(request: web.Request) -> web.StreamResponse:
    principal = require(request, "admin")
    body = await read_body(request, "Level")
    policy = policy_of(runtime_of(request))
    policy.set_level("household", None, parse_level(body["level"]), _context(principal))
    return reply(dict(policy.describe()))


@API.route(
    "PUT",
    "/api/autonomy/guards/{entity_id}",
    "Lift or set again the guard on an entity (admin)",
    tag="autonomy",
    response=ref("Autonomy"),
    body=ref("Guard"),
)
async def set_guard(request: web.Request) -> web.StreamResponse:
    principal = require(request, "admin")
    body = await read_body(request, "Guard")
    runtime = runtime_of(request)
    entity_id = request.match_info["entity_id"]
    if entity_id not in runtime.states and entity_id not in runtime.registries.entities:
        raise ApiError(404, "not_found", f"no entity {entity_id}")
    policy = policy_of(runtime)
    policy.lift_guard(entity_id, bool(body["lifted"]), _context(principal))
    return reply(dict(policy.describe()))


def _assemblages(runtime: Any) -> Assemblages | None:
    found = runtime.components.get("assemblages")
    return found if isinstance(found, Assemblages) else None


@API.route(
    "GET",
    "/api/assemblages",
    "The assemblages of the house: members, roles, scenarios, derived state, level",
    tag="assemblages",
    response=arr(ref("Assemblage")),
)
async def assemblages(request: web.Request) -> web.StreamResponse:
    require(request)
    found = _assemblages(runtime_of(request))
    if found is None:
        return reply([])
    return reply([found.describe(item) for item in found.items.values()])


@API.route(
    "PUT",
    "/api/assemblages/{assemblage}/level",
    "Set an assemblage's autonomy level",
    tag="assemblages",
    response=ref("Assemblage"),
    body=ref("Level"),
)
async def set_assemblage_level(request: web.Request) -> web.StreamResponse:
    principal = require(request, "scenarios")
    body = await read_body(request, "Level")
    runtime = runtime_of(request)
    found = _assemblages(runtime)
    key = request.match_info["assemblage"]
    assemblage = found.get(key) if found is not None else None
    if found is None or assemblage is None:
        raise ApiError(404, "not_found", f"no assemblage {key!r}")
    policy_of(runtime).set_level(
        "assemblage", assemblage.id, parse_level(body["level"]), _context(principal)
    )
    return reply(found.describe(assemblage))
