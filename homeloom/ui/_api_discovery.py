"""Devices found on the network: list them; an admin adopts or ignores each one."""

from __future__ import annotations

from aiohttp import web

from homeloom.adapters import AdoptionRefused, Discovery, UnknownDevice
from homeloom.orchestrator import Runtime

from ._auth import require
from ._errors import ApiError
from ._http import API, reply, runtime_of
from ._schemas import arr, ref

__all__: list[str] = []


def _discovery(runtime: Runtime) -> Discovery:
    found = runtime.components.get("discovery")
    if not isinstance(found, Discovery):
        raise ApiError(404, "not_available", "this house does not look for devices")
    return found


@API.route(
    "GET",
    "/api/discovered",
    "Devices found on the network, waiting to be adopted",
    tag="house",
    response=arr(ref("Discovered")),
)
async def discovered(request: web.Request) -> web.StreamResponse:
    require(request, "scenarios")
    found = runtime_of(request).components.get("discovery")
    devices = found.list() if isinstance(found, Discovery) else []
    return reply([device.as_dict() for device in devices])


@API.route(
    "POST",
    "/api/discovered/{device_id}/adopt",
    "Adopt a discovered device: add its adapter to the configuration and start it (admin)",
    tag="house",
    response=ref("Adopted"),
)
async def adopt(request: web.Request) -> web.StreamResponse:
    principal = require(request, "admin")
    discovery = _discovery(runtime_of(request))
    try:
        slot = await discovery.adopt(request.match_info["device_id"], principal.user.username)
    except UnknownDevice as err:
        raise ApiError(404, "not_found", str(err)) from None
    except AdoptionRefused as err:
        raise ApiError(400, "cannot_adopt", str(err)) from None
    return reply({"ok": True, **slot.describe()})


@API.route(
    "GET",
    "/api/discovered/ignored",
    "Devices an admin ignored, to offer them again (admin)",
    tag="house",
    response=arr(ref("Ignored")),
)
async def ignored(request: web.Request) -> web.StreamResponse:
    require(request, "admin")
    return reply(_discovery(runtime_of(request)).ignored_devices())


@API.route(
    "POST",
    "/api/discovered/{device_id}/unignore",
    "Offer an ignored device again, the next time it announces itself (admin)",
    tag="house",
    response=ref("Ok"),
)
async def unignore(request: web.Request) -> web.StreamResponse:
    principal = require(request, "admin")
    try:
        _discovery(runtime_of(request)).unignore(
            request.match_info["device_id"], principal.user.username
        )
    except UnknownDevice as err:
        raise ApiError(404, "not_found", f"no ignored device {err.device_id!r}") from None
    return reply({"ok": True})


@API.route(
    "POST",
    "/api/discovered/{device_id}/ignore",
    "Ignore a discovered device: it is not offered again (admin)",
    tag="house",
    response=ref("Ok"),
)
async def ignore(request: web.Request) -> web.StreamResponse:
    principal = require(request, "admin")
    discovery = _discovery(runtime_of(request))
    try:
        discovery.ignore(request.match_info["device_id"], principal.user.username)
    except UnknownDevice as err:
        raise ApiError(404, "not_found", str(err)) from None
    return reply({"ok": True})
