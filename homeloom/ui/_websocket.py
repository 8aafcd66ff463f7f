"""The WebSocket: live state changes, proposals and runs, and commands, as JSON messages.

Client messages carry an ``id`` and a ``type``: ``subscribe`` (``what``: states,
proposals or traces; ``entity_ids`` to narrow states), ``unsubscribe``
(``subscription``: the id of the subscribe), ``call_service`` (``domain``,
``service``, ``data``, ``target``), ``decide`` (``proposal``, ``approve``) and
``ping``. Each is answered by a ``result`` (or ``pong``); subscriptions then
send ``event`` messages with the subscribe's id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from homeloom.orchestrator import (
    EVENT_PROPOSAL_CHANGED,
    EVENT_STATE_CHANGED,
    Event,
    ProposalError,
    Runtime,
)
from homeloom.scenarios import EVENT_AUTOMATION_TRIGGERED, EVENT_GATED_CALL

from ._api_house import call_service, state_body
from ._api_proposals import decide, proposal_body, proposal_visible
from ._auth import Principal, allow, require, visible
from ._errors import ApiError
from ._http import API, proposals_of, runtime_of
from ._keys import SOCKETS

__all__: list[str] = []

_LOGGER = logging.getLogger(__name__)
QUEUE_LIMIT = 1000
HEARTBEAT_S = 30.0


class _Connection:
    def __init__(self, runtime: Runtime, principal: Principal, ws: web.WebSocketResponse) -> None:
        self.runtime = runtime
        self.principal = principal
        self.ws = ws
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_LIMIT)
        self.subscriptions: dict[int, list[Callable[[], None]]] = {}

    def send(self, message: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            _LOGGER.warning("a WebSocket client is too slow: closing it")
            self.queue = asyncio.Queue(1)
            self.queue.put_nowait(None)

    def result(self, msg_id: Any, result: Any = None) -> None:
        self.send({"id": msg_id, "type": "result", "success": True, "result": result})

    def error(self, msg_id: Any, code: str, message: str) -> None:
        self.send(
            {
                "id": msg_id,
                "type": "result",
                "success": False,
                "error": {"code": code, "message": message},
            }
        )

    async def writer(self) -> None:
        while True:
            message = await self.queue.get()
            if message is None:
                await self.ws.close()
                return
            await self.ws.send_str(json.dumps(message, default=str))

    def close(self) -> None:
        for undo in self.subscriptions.values():
            for unsubscribe in undo:
                unsubscribe()
        self.subscriptions.clear()

    # --- commands ------------------------------------------------------------------

    async def handle(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("id"), int):
            self.error(None, "invalid", "a message is an object with an integer id")
            return
        msg_id, kind = message["id"], message.get("type")
        try:
            if kind == "ping":
                self.send({"id": msg_id, "type": "pong"})
            elif kind == "subscribe":
                self.subscribe(msg_id, message)
            elif kind == "unsubscribe":
                undo = self.subscriptions.pop(int(message.get("subscription", -1)), None)
                if undo is None:
                    raise ApiError(404, "not_found", "no such subscription")
                for unsubscribe in undo:
                    unsubscribe()
                self.result(msg_id)
            elif kind == "call_service":
                allow(self.principal, "control")
                result = await call_service(
                    self.runtime,
                    self.principal,
                    str(message.get("domain", "")),
                    str(message.get("service", "")),
                    dict(message.get("data") or {}),
                    dict(message.get("target") or {}),
                )
                self.result(msg_id, result)
            elif kind == "decide":
                allow(self.principal, "decide")
                decided = decide(
                    self.runtime,
                    self.principal,
                    str(message.get("proposal", "")),
                    bool(message.get("approve")),
                    "dashboard" if self.principal.via == "session" else "api",
                )
                self.result(msg_id, proposal_body(self.runtime, self.principal, decided))
            else:
                raise ApiError(400, "unknown_command", f"unknown message type {kind!r}")
        except ApiError as err:
            self.error(msg_id, err.code, err.message)
        except (ProposalError, TypeError, ValueError) as err:
            self.error(msg_id, "invalid", str(err))

    def subscribe(self, msg_id: int, message: dict[str, Any]) -> None:
        what = message.get("what")
        bus = self.runtime.bus
        if msg_id in self.subscriptions:
            raise ApiError(409, "conflict", f"id {msg_id} is already a subscription")
        if what == "states":
            wanted = message.get("entity_ids")
            only = {str(e) for e in wanted} if isinstance(wanted, list) else None

            def on_state(event: Event) -> None:
                entity_id = str(event.data.get("entity_id"))
                if only is not None and entity_id not in only:
                    return
                if not visible(self.runtime, self.principal, entity_id):
                    return
                new = event.data.get("new_state")
                body = state_body(self.runtime, new) if new is not None else None
                self.event(msg_id, "states", {"entity_id": entity_id, "new_state": body})

            undo = [bus.listen(EVENT_STATE_CHANGED, on_state)]
        elif what == "proposals":
            inbox = proposals_of(self.runtime)

            def on_proposal(event: Event) -> None:
                try:
                    proposal = inbox.get(str(event.data.get("id")))
                except ProposalError:
                    return
                if proposal_visible(self.runtime, self.principal, proposal):
                    body = proposal_body(self.runtime, self.principal, proposal)
                    self.event(msg_id, "proposals", body)

            undo = [bus.listen(EVENT_PROPOSAL_CHANGED, on_proposal)]
        elif what == "traces":

            def on_run(event: Event) -> None:
                self.event(
                    msg_id,
                    "traces",
                    {"event_type": event.event_type, **_plain(event.data)},
                )

            undo = [
                bus.listen(EVENT_AUTOMATION_TRIGGERED, on_run),
                bus.listen(EVENT_GATED_CALL, on_run),
            ]
        else:
            raise ApiError(400, "invalid", "what is states, proposals or traces")
        self.subscriptions[msg_id] = undo
        self.result(msg_id)

    def event(self, msg_id: int, what: str, data: dict[str, Any]) -> None:
        self.send({"id": msg_id, "type": "event", "what": what, "data": data})


def _plain(data: Any) -> dict[str, Any]:
    plain = json.loads(json.dumps(dict(data), default=str))
    return plain if isinstance(plain, dict) else {}


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser: a script, with its token or cookie
    return urlsplit(origin).netloc == request.host


@API.route(
    "GET",
    "/api/websocket",
    "The WebSocket: subscribe to states, proposals and runs; call services; decide",
    tag="live",
    response=None,
    errors=(401, 403),
)
async def websocket(request: web.Request) -> web.StreamResponse:
    principal = require(request)
    if principal.via == "session" and not _same_origin(request):
        raise ApiError(403, "forbidden", "a page of another origin may not open the WebSocket")
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=256 * 1024)
    await ws.prepare(request)
    connection = _Connection(runtime_of(request), principal, ws)
    sockets = request.app[SOCKETS]
    sockets.add(ws)
    writer = asyncio.create_task(connection.writer(), name="websocket writer")
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            try:
                message = json.loads(msg.data)
            except ValueError:
                connection.error(None, "invalid_json", "messages are JSON")
                continue
            await connection.handle(message)
    finally:
        connection.close()
        sockets.discard(ws)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
    return ws
