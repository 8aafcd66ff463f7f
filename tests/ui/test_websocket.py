"""The WebSocket: live states and proposals, commands, decisions, and who may open it."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import WSServerHandshakeError
from aiohttp.test_utils import TestServer

from homeloom.house import House

from .conftest import Api, proposals_of


class Socket:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict[str, Any]] = []  # received while waiting for a result

    async def send(self, **message: Any) -> int:
        self.next_id += 1
        await self.ws.send_json({"id": self.next_id, **message})
        return self.next_id

    async def receive(self) -> dict[str, Any]:
        async with asyncio.timeout(10):
            data: dict[str, Any] = await self.ws.receive_json()
        return data

    async def result(self, **message: Any) -> dict[str, Any]:
        msg_id = await self.send(**message)
        while True:
            reply = await self.receive()
            if reply.get("id") == msg_id and reply["type"] in ("result", "pong"):
                return reply
            if reply["type"] == "event":
                self.events.append(reply)

    async def event(self, what: str) -> dict[str, Any]:
        while True:
            message = self.events.pop(0) if self.events else await self.receive()
            if message["type"] == "event" and message["what"] == what:
                data: dict[str, Any] = message["data"]
                return data


async def _open(api: Api, **kwargs: Any) -> Socket:
    ws = await api.session.ws_connect(api.server.make_url("/api/websocket"), **kwargs)
    return Socket(ws)


async def test_states_are_pushed_and_services_called(people: dict[str, Api]) -> None:
    socket = await _open(people["bob"])
    assert (await socket.result(type="ping"))["type"] == "pong"
    subscribed = await socket.result(type="subscribe", what="states", entity_ids=["light.hall"])
    assert subscribed["success"] is True
    called = await socket.result(
        type="call_service", domain="light", service="turn_on", target={"entity_id": "light.hall"}
    )
    assert called["success"] is True
    pushed = await socket.event("states")
    assert pushed["entity_id"] == "light.hall" and pushed["new_state"]["state"] == "on"
    unknown = await socket.result(type="call_service", domain="light", service="explode")
    assert unknown["error"]["code"] == "service_not_found"
    done = await socket.result(type="unsubscribe", subscription=subscribed["id"])
    assert done["success"] is True
    missing = await socket.result(type="unsubscribe", subscription=99)
    assert missing["success"] is False
    nonsense = await socket.result(type="dance")
    assert nonsense["error"]["code"] == "unknown_command"
    await socket.ws.close()


async def test_proposals_arrive_live_and_are_decided(people: dict[str, Api], house: House) -> None:
    socket = await _open(people["bob"])
    await socket.result(type="subscribe", what="proposals")
    await socket.result(type="subscribe", what="traces")
    house.runtime.states.set("binary_sensor.hall_motion", "on")
    proposal = await socket.event("proposals")
    assert proposal["status"] == "pending" and proposal["may_decide"] is True
    decided = await socket.result(type="decide", proposal=proposal["id"], approve=True)
    assert decided["result"]["status"] == "approved"
    assert (await socket.event("proposals"))["status"] == "approved"
    await house.runtime.idle()
    state = house.runtime.states.get("light.hall")
    assert state is not None and state.state == "on"
    again = await socket.result(type="decide", proposal=proposal["id"], approve=True)
    assert again["error"]["code"] == "decided"
    await socket.ws.close()


async def test_a_guest_hears_only_what_is_shared(people: dict[str, Api], house: House) -> None:
    socket = await _open(people["gus"])
    await socket.result(type="subscribe", what="states")
    house.runtime.states.set("light.hall", "on")
    house.runtime.states.set("light.kitchen", "on")
    pushed = await socket.event("states")
    assert pushed["entity_id"] == "light.kitchen"
    refused = await socket.result(
        type="call_service", domain="light", service="turn_off", target={"entity_id": "light.hall"}
    )
    assert refused["error"]["code"] == "forbidden"
    inbox = proposals_of(house)
    guarded = inbox.create(
        scenario=None,
        calls=[{"service": "lock.unlock", "target": {"entity_id": "lock.front"}}],
        sentence="Unlock",
        roles=["admin", "resident", "guest"],
        guarded=True,
    )
    refused = await socket.result(type="decide", proposal=guarded.id, approve=True)
    assert refused["error"]["code"] == "forbidden"
    await socket.ws.close()


async def test_opening_needs_an_account_and_the_same_origin(
    people: dict[str, Api], server: TestServer
) -> None:
    for api, headers in (
        (people["anonymous"], {}),
        (people["bob"], {"Origin": "http://evil.example"}),
    ):
        try:
            await api.session.ws_connect(server.make_url("/api/websocket"), headers=headers)
        except WSServerHandshakeError as err:
            assert err.status in (401, 403)
        else:
            raise AssertionError("the WebSocket opened")
    token = await people["bob"].post("/api/tokens", {"name": "ws"}, status=201)
    script = Api(server)
    socket = await _open(script, headers={"Authorization": f"Bearer {token['token']}"})
    assert (await socket.result(type="ping"))["type"] == "pong"
    await socket.ws.close()
    await script.close()
