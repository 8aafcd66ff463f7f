"""A house with devices, proposals and people, served by the dashboard on a test server.

Every response the tests receive is checked against the OpenAPI document: its
status must be declared for the route and its body must match the schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestServer

from homeloom.house import House
from homeloom.orchestrator import EntityEntry, Proposals, Runtime, TestClock, Thing
from homeloom.ui import Accounts, create_app, openapi_document

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
CONFIG = """\
homeloom:
  time_zone: Europe/Paris
assemblage:
  kitchen_evening:
    name: Kitchen evening
    roles: {lamp: light.kitchen}
    scenarios:
      - id: evening_lamp
        alias: Evening lamp
        triggers: [{trigger: event, event_type: evening}]
        actions:
          - action: light.turn_on
            target: {entity_id: "{{ roles.lamp }}"}
automation:
  - id: hall
    alias: Hall light
    autonomy: suggest
    triggers: [{trigger: state, entity_id: binary_sensor.hall_motion, to: "on"}]
    actions:
      - action: light.turn_on
        target: {entity_id: light.hall}
  - id: door
    alias: Let the cleaner in
    triggers: [{trigger: event, event_type: cleaner_arrived}]
    actions:
      - action: lock.unlock
        target: {entity_id: lock.front}
  - id: kitchen
    alias: Kitchen light
    triggers: [{trigger: event, event_type: cooking}]
    actions:
      - action: light.turn_on
        target: {entity_id: light.kitchen}
"""


def _devices(runtime: Runtime) -> None:
    registries = runtime.registries
    registries.add_area("Hall", "hall")
    registries.add_area("Kitchen", "kitchen")
    registries.add_thing(Thing("lamp", "Hall lamp", "test", area_id="hall", model="L1"))
    for entity_id, area, state, attributes in (
        ("binary_sensor.hall_motion", "hall", "off", {"friendly_name": "Hall motion"}),
        ("light.hall", "hall", "off", {"friendly_name": "Hall light"}),
        ("light.kitchen", "kitchen", "off", {"friendly_name": "Kitchen light"}),
        ("lock.front", "hall", "locked", {"friendly_name": "Front door"}),
        (
            "sensor.kitchen_temperature",
            "kitchen",
            "20.5",
            {"friendly_name": "Kitchen temperature", "unit_of_measurement": "°C"},
        ),
    ):
        thing = "lamp" if entity_id == "light.hall" else None
        registries.add_entity(EntityEntry(entity_id, area_id=area, thing_id=thing))
        runtime.states.set(entity_id, state, attributes)

    async def act(entity_id: str, service: str, data: Any, context: Any) -> None:
        new = {"turn_on": "on", "turn_off": "off", "unlock": "unlocked", "lock": "locked"}
        runtime.states.set(entity_id, new.get(service, "on"), context=context)

    runtime.services.default_provider = act


@pytest.fixture
async def house(tmp_path: Path) -> AsyncIterator[House]:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), adapters=False)
    report = await house.setup(before_scenarios=_devices)
    assert report.errors == []
    await house.start()
    yield house
    await house.stop()


@cache
def _document() -> dict[str, Any]:
    return openapi_document()


def _operation(method: str, path: str) -> dict[str, Any]:
    for template, operations in _document()["paths"].items():
        pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            operation: dict[str, Any] = operations[method.lower()]
            return operation
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def check_against_document(method: str, path: str, status: int, body: Any) -> None:
    """The response's status is declared for the route and its body matches the schema."""
    path = path.split("?", 1)[0]
    operation = _operation(method, path)
    declared = operation["responses"].get(str(status))
    assert declared is not None, f"{method} {path}: status {status} is not documented"
    schema = declared["content"]["application/json"]["schema"]
    resolver_doc = {**schema, "components": _document()["components"]}
    jsonschema.validate(body, resolver_doc, cls=jsonschema.Draft202012Validator)


class Api:
    """One person's client: a cookie jar of its own, every answer checked by the document."""

    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.session = ClientSession(cookie_jar=CookieJar(unsafe=True))
        self.csrf: str | None = None
        self.token: str | None = None

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        csrf: bool = True,
    ) -> Any:
        sent = dict(headers or {})
        if self.token is not None:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        if csrf and self.csrf is not None and method != "GET":
            sent.setdefault("X-CSRF-Token", self.csrf)
        async with self.session.request(
            method,
            self.server.make_url(path),
            json=body,
            headers=sent,
            allow_redirects=False,
        ) as response:
            text = await response.text()
            assert response.content_type == "application/json", text
            data = json.loads(text)
            assert response.status == status, f"{method} {path}: {response.status} {data}"
            assert "Traceback" not in text
            check_against_document(method, path, response.status, data)
            return data

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return await self.request("POST", path, {} if body is None else body, **kwargs)

    async def login(self, username: str, password: str = PASSWORD) -> dict[str, Any]:
        data: dict[str, Any] = await self.post(
            "/api/auth/login", {"username": username, "password": password}
        )
        self.csrf = data["csrf_token"]
        return data

    async def close(self) -> None:
        await self.session.close()


MakeApi = Callable[..., Awaitable[Api]]


@pytest.fixture
async def server(house: House) -> AsyncIterator[TestServer]:
    app = create_app(house.runtime)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    yield test_server
    await test_server.close()


@pytest.fixture
def accounts(house: House) -> Accounts:
    found = house.runtime.components["accounts"]
    assert isinstance(found, Accounts)
    return found


@pytest.fixture
async def people(server: TestServer, accounts: Accounts) -> AsyncIterator[dict[str, Any]]:
    """An admin, a resident and a guest (shared the kitchen light), each logged in."""
    accounts.create_user("alice", "Alice", PASSWORD, "admin")
    accounts.create_user("bob", "Bob", PASSWORD, "resident")
    accounts.create_user("gus", "Gus", PASSWORD, "guest", shared=["light.kitchen"])
    clients = {}
    for name in ("alice", "bob", "gus"):
        api = Api(server)
        await api.login(name)
        clients[name] = api
    anonymous = Api(server)
    clients["anonymous"] = anonymous
    yield clients
    for api in clients.values():
        await api.close()


def proposals_of(house: House) -> Proposals:
    found = house.runtime.components["proposals"]
    assert isinstance(found, Proposals)
    return found
