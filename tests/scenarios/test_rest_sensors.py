"""RESTful sensors (``rest:`` and ``platform: rest``) against a real HTTP server on
loopback; their polls are driven by the test clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from homeloom.house import House
from homeloom.orchestrator import ConfigIssue, TestClock

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


@dataclass
class Device:
    """A device on the home network: what it answers on each path, what it was asked."""

    url: str = ""
    replies: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    hang: asyncio.Event = field(default_factory=asyncio.Event)

    async def answer(self, request: web.Request) -> web.StreamResponse:
        self.received.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "body": await request.text(),
                "headers": dict(request.headers),
            }
        )
        if request.path == "/hang":
            await self.hang.wait()
        if (
            request.path == "/secret"
            and request.headers.get("Authorization") != "Basic aG9tZTpwdw=="
        ):
            return web.Response(status=401, text="who are you")
        status, body, content_type = self.replies.get(
            request.path, (404, "not found", "text/plain")
        )
        return web.Response(status=status, text=body, content_type=content_type)


@pytest.fixture
async def device() -> AsyncIterator[Device]:
    found = Device()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", found.answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    found.url = f"http://127.0.0.1:{server.port}"
    try:
        yield found
    finally:
        found.hang.set()
        await server.close()


async def _house(config_dir: Path, configuration: str) -> tuple[House, list[ConfigIssue]]:
    (config_dir / "configuration.yaml").write_text(configuration, encoding="utf-8")
    house = House(config_dir, clock=TestClock(START), adapters=False, persist=False)
    report = await house.setup()
    await house.start()
    return house, report.errors


def _state(house: House, entity_id: str) -> str | None:
    state = house.runtime.states.get(entity_id)
    return None if state is None else state.state


def _attributes(house: House, entity_id: str) -> dict[str, Any]:
    state = house.runtime.states.get(entity_id)
    assert state is not None
    return dict(state.attributes)


async def test_a_platform_sensor_reads_its_resource_and_polls(
    tmp_path: Path, device: Device
) -> None:
    device.replies["/temp"] = (
        200,
        '{"temp": 21.5, "room": {"name": "hall", "floor": 1}}',
        "application/json",
    )
    house, errors = await _house(
        tmp_path,
        f"""\
sensor:
  - platform: rest
    name: Hall temperature
    resource: {device.url}/temp
    value_template: "{{{{ value_json.temp }}}}"
    unit_of_measurement: "°C"
    device_class: temperature
    state_class: measurement
    json_attributes_path: "$.room"
    json_attributes: [name, floor, missing]
    icon: "{{{{ 'mdi:fire' if value_json.temp > 25 else 'mdi:snowflake' }}}}"
""",
    )
    assert errors == []
    assert _state(house, "sensor.hall_temperature") == "21.5"
    attributes = _attributes(house, "sensor.hall_temperature")
    assert attributes == {
        "unit_of_measurement": "°C",
        "device_class": "temperature",
        "state_class": "measurement",
        "name": "hall",
        "floor": 1,
        "icon": "mdi:snowflake",  # rendered at once: the second write shows it
        "friendly_name": "Hall temperature",
    }
    device.replies["/temp"] = (200, '{"temp": 26, "room": {}}', "application/json")
    await house.runtime.advance(29)
    assert _state(house, "sensor.hall_temperature") == "21.5"
    await house.runtime.advance(1)
    await house.runtime.idle()
    assert _state(house, "sensor.hall_temperature") == "26"
    assert _attributes(house, "sensor.hall_temperature")["icon"] == "mdi:fire"
    assert len(device.received) == 2
    await house.stop()


async def test_a_rest_block_asks_once_for_all_its_entities(tmp_path: Path, device: Device) -> None:
    device.replies["/status"] = (200, '{"door": "open", "power": 120, "on": 1}', "application/json")
    house, errors = await _house(
        tmp_path,
        f"""\
rest:
  - resource: {device.url}/status
    method: POST
    payload: '{{"ask": "all"}}'
    headers: {{X-Token: "{{{{ 'abc' }}}}"}}
    params: {{room: hall, level: "{{{{ 2 + 1 }}}}"}}
    scan_interval: 60
    sensor:
      - {{name: Power, value_template: "{{{{ value_json.power }}}}", unique_id: power}}
    binary_sensor:
      - {{name: Door, value_template: "{{{{ value_json.door }}}}", device_class: door}}
      - {{name: Relay, value_template: "{{{{ value_json.on }}}}"}}
      - name: Raw
""",
    )
    assert errors == []
    assert (_state(house, "sensor.power"), _state(house, "binary_sensor.door")) == ("120", "on")
    assert _state(house, "binary_sensor.relay") == "on"
    assert _state(house, "binary_sensor.raw") == "off"  # a JSON text is no word for on
    assert _attributes(house, "binary_sensor.door")["device_class"] == "door"
    (request,) = device.received
    assert request["method"] == "POST"
    assert request["body"] == '{"ask": "all"}'
    assert request["query"] == {"room": "hall", "level": "3"}
    assert request["headers"]["X-Token"] == "abc"
    # update_entity asks at once; the next poll is then an interval after it.
    await house.runtime.advance(30)
    await house.runtime.services.call(
        "homeassistant", "update_entity", {"entity_id": "sensor.power"}
    )
    assert len(device.received) == 2
    await house.runtime.advance(59)
    await house.runtime.idle()
    assert len(device.received) == 2
    await house.runtime.advance(1)
    await house.runtime.idle()
    assert len(device.received) == 3
    await house.stop()


@pytest.mark.allow_error_logs  # the failure is logged, once
async def test_a_failing_resource_makes_its_entities_unavailable_and_logs_once(
    tmp_path: Path, device: Device, caplog: pytest.LogCaptureFixture
) -> None:
    device.replies["/on"] = (200, "ON", "text/plain")
    house, _ = await _house(
        tmp_path,
        "binary_sensor:\n"
        f"  - {{platform: rest, name: Pump, resource: {device.url}/on, scan_interval: 10}}\n",
    )
    assert _state(house, "binary_sensor.pump") == "on"
    await device_down(house, caplog)
    assert _state(house, "binary_sensor.pump") == "unavailable"
    failures = [r for r in caplog.records if r.message.startswith("Error fetching data")]
    assert [r.levelname for r in failures] == ["ERROR", "DEBUG", "DEBUG"]
    device.replies["/on"] = (200, "off", "text/plain")
    (source,) = house.runtime.components["rest"]
    source.resource.url = f"{device.url}/on"
    await house.runtime.advance(10)
    await house.runtime.idle()
    assert _state(house, "binary_sensor.pump") == "off"
    await house.stop()


async def device_down(house: House, caplog: pytest.LogCaptureFixture) -> None:
    """Point the pump's resource at a closed port and let three polls fail."""
    (source,) = house.runtime.components["rest"]
    source.resource.url = "http://127.0.0.1:9/on"
    with caplog.at_level(logging.DEBUG, logger="homeloom.scenarios._rest"):
        for _ in range(3):
            await house.runtime.advance(10)
            await house.runtime.idle()


@pytest.mark.allow_error_logs
async def test_a_resource_down_at_start_is_not_ready_and_asked_again(
    tmp_path: Path, device: Device, caplog: pytest.LogCaptureFixture
) -> None:
    house, errors = await _house(
        tmp_path,
        f"sensor:\n  - {{platform: rest, name: Meter, resource: {device.url}/later}}\n",
    )
    assert errors == []
    # A 404 page is a reply: the sensor shows it.
    assert _state(house, "sensor.meter") == "not found"
    await house.stop()
    house, errors = await _house(
        tmp_path,
        "sensor:\n  - {platform: rest, name: Meter, resource: 'http://127.0.0.1:9/x'}\n",
    )
    assert _state(house, "sensor.meter") is None  # not ready: no entity yet
    assert "not ready yet" in caplog.text
    (source,) = house.runtime.components["rest"]
    source.resource.url = f"{device.url}/later"
    device.replies["/later"] = (200, "42", "text/plain")
    await house.runtime.advance(30)
    await house.runtime.idle()
    assert _state(house, "sensor.meter") == "42"
    await house.stop()


@pytest.mark.allow_error_logs
async def test_a_timeout_makes_the_sensor_unavailable(
    tmp_path: Path, device: Device, caplog: pytest.LogCaptureFixture
) -> None:
    device.replies["/ok"] = (200, "7", "text/plain")
    house, _ = await _house(
        tmp_path,
        f"sensor:\n  - {{platform: rest, name: Slow, resource: {device.url}/ok, timeout: 1}}\n",
    )
    assert _state(house, "sensor.slow") == "7"
    (source,) = house.runtime.components["rest"]
    source.resource.url = f"{device.url}/hang"
    await house.runtime.services.call(
        "homeassistant", "update_entity", {"entity_id": "sensor.slow"}
    )
    assert _state(house, "sensor.slow") == "unavailable"
    assert "Timeout while fetching data" in caplog.text
    await house.stop()


async def test_basic_login_availability_and_force_update(tmp_path: Path, device: Device) -> None:
    device.replies["/secret"] = (200, '{"level": 0}', "application/json")
    house, errors = await _house(
        tmp_path,
        f"""\
sensor:
  - platform: rest
    name: Level
    resource_template: "{device.url}/{{{{ 'secret' }}}}"
    username: home
    password: pw
    value_template: "{{{{ value_json.level }}}}"
    availability: "{{{{ value_json.level > 0 }}}}"
    force_update: true
""",
    )
    assert errors == []
    assert _state(house, "sensor.level") == "unavailable"
    changes: list[str] = []
    house.runtime.bus.listen("state_changed", lambda e: changes.append(e.data["entity_id"]))
    device.replies["/secret"] = (200, '{"level": 3}', "application/json")
    await house.runtime.advance(30)
    await house.runtime.idle()
    assert _state(house, "sensor.level") == "3"
    await house.runtime.advance(30)
    await house.runtime.idle()
    # Forced: every write is a change, the same state or not (two writes an update).
    assert len(changes) == 4
    await house.stop()


@pytest.mark.allow_error_logs  # house setup logs each configuration error
@pytest.mark.parametrize(
    ("configuration", "key"),
    [
        ("sensor:\n  - {platform: rest, name: A}\n", "sensor[0]"),
        ("sensor:\n  - {platform: rest, resource: 'ftp://x'}\n", "sensor[0].resource"),
        ("sensor:\n  - {platform: rest, resource: 'http://x', method: get}\n", "sensor[0].method"),
        ("rest:\n  - {resource: 'http://x', colour: red}\n", "rest[0].colour"),
        (
            "rest:\n  - {resource: 'http://x', sensor: [{name: A, payload_on: x}]}\n",
            "rest[0].sensor[0].payload_on",
        ),
        (
            "binary_sensor:\n  - {platform: rest, resource: 'http://x', unit_of_measurement: W}\n",
            "binary_sensor[0].unit_of_measurement",
        ),
        ("rest:\n  - {sensor: [{name: A}]}\n", "rest[0]"),
    ],
)
async def test_items_the_schema_refuses_are_reported(
    tmp_path: Path, configuration: str, key: str
) -> None:
    house, errors = await _house(tmp_path, configuration)
    assert [error.key for error in errors] == [key]
    await house.stop()


async def test_reload_makes_the_entities_anew(tmp_path: Path, device: Device) -> None:
    device.replies["/a"] = (200, "1", "text/plain")
    house, _ = await _house(
        tmp_path, f"rest:\n  - resource: {device.url}/a\n    sensor: [{{name: One}}]\n"
    )
    assert _state(house, "sensor.one") == "1"
    (tmp_path / "configuration.yaml").write_text(
        f"rest:\n  - resource: {device.url}/a\n    sensor: [{{name: Two}}]\n", encoding="utf-8"
    )
    await house.runtime.services.call("rest", "reload", {})
    assert (_state(house, "sensor.one"), _state(house, "sensor.two")) == (None, "1")
    await house.stop()
