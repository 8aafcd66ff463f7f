"""Shelly RGB and RGBW lights and venetian blinds: colours and slats, both ways."""

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


@pytest.fixture
async def blinds() -> AsyncIterator[ShellySim]:
    device = ShellySim(name="Office blinds")
    device.status = {
        "sys": device.status["sys"],
        "cover:0": {
            "id": 0,
            "source": "init",
            "state": "stopped",
            "current_pos": 60,
            "slat_pos": 30,
        },
    }
    device.config = {"cover:0": {"id": 0, "name": "Venetian blind"}}
    await device.start()
    yield device
    await device.stop()


async def test_venetian_blinds_tilt_their_slats(runtime: Runtime, blinds: ShellySim) -> None:
    manager = AdapterManager(runtime)
    config = {"adapter": "shelly", "host": "127.0.0.1", "port": blinds.port}
    assert await manager.setup([config], known={"shelly": ShellyAdapter}) == []
    cover = runtime.states.get("cover.venetian_blind")
    assert cover is not None and cover.attributes["current_tilt_position"] == 30

    target = {"entity_id": "cover.venetian_blind"}
    await runtime.services.call(
        "cover", "set_cover_tilt_position", {"tilt_position": 75}, target=target
    )
    await runtime.services.call("cover", "close_cover_tilt", target=target)
    moves = [params for method, params in blinds.calls if method == "Cover.GoToPosition"]
    assert moves == [{"id": 0, "slat_pos": 75}, {"id": 0, "slat_pos": 0}]
    cover = runtime.states.get("cover.venetian_blind")
    assert cover is not None and cover.attributes["current_tilt_position"] == 0
    assert cover.attributes["current_position"] == 60  # the blind itself did not move
    await manager.stop()
