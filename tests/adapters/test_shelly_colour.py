"""Shelly RGB and RGBW lights: colours both ways, brightness on Shelly's 0-100 scale."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from homeloom.adapters import AdapterManager
from homeloom.adapters.shelly import ShellyAdapter
from homeloom.orchestrator import Runtime
from tests.adapters.shelly_sim import ShellySim


@pytest.fixture
async def strip() -> AsyncIterator[ShellySim]:
    device = ShellySim(name="Kitchen strip")
    # The device in its rgbw profile: one colour light instead of the relays.
    device.status = {
        "sys": device.status["sys"],
        "rgbw:0": {
            "id": 0,
            "source": "init",
            "output": True,
            "brightness": 50,
            "rgb": [255, 128, 0],
            "white": 40,
        },
    }
    device.config = {"rgbw:0": {"id": 0, "name": "Cabinet light"}}
    await device.start()
    yield device
    await device.stop()


async def test_an_rgbw_light_reports_and_takes_colours(runtime: Runtime, strip: ShellySim) -> None:
    manager = AdapterManager(runtime)
    config = {"adapter": "shelly", "host": "127.0.0.1", "port": strip.port}
    assert await manager.setup([config], known={"shelly": ShellyAdapter}) == []
    light = runtime.states.get("light.cabinet_light")
    assert light is not None and light.state == "on"
    assert light.attributes["color_mode"] == "rgbw"
    assert light.attributes["rgbw_color"] == [255, 128, 0, 40]
    assert light.attributes["brightness"] == 128  # 50 of 100 is 128 of 255

    await runtime.services.call(
        "light",
        "turn_on",
        {"rgbw_color": [0, 0, 255, 200], "brightness_pct": 20},
        target={"entity_id": "light.cabinet_light"},
    )
    _, params = next(call for call in strip.calls if call[0] == "RGBW.Set")
    assert params == {"id": 0, "on": True, "brightness": 20, "rgb": [0, 0, 255], "white": 200}
    light = runtime.states.get("light.cabinet_light")
    assert light is not None and light.attributes["rgbw_color"] == [0, 0, 255, 200]

    await runtime.services.call("light", "turn_off", target={"entity_id": "light.cabinet_light"})
    light = runtime.states.get("light.cabinet_light")
    assert light is not None and light.state == "off"
    await manager.stop()
