"""``homeassistant: customize:`` where the cases cannot show it: on an adapter's devices,
on raw writes, its errors' places, packages, and ``reload_core_config``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House
from homeloom.orchestrator import State, TestClock
from homeloom.scenarios._core_services import ConfigRefused

NIGHT = datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
CORE = """\
homeassistant:
  name: Home
  latitude: 48.8566
  longitude: 2.3522
  time_zone: Europe/Paris
"""
CUSTOMIZE = """\
  customize:
    light.hall: {friendly_name: Entrance, icon: "mdi:ceiling-light"}
  customize_glob:
    "sensor.*_power": {icon: "mdi:flash"}
"""


async def _house(tmp_path: Path, text: str, *, adapters: bool = False) -> House:
    (tmp_path / "configuration.yaml").write_text(text, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(NIGHT), adapters=adapters, persist=False)
    await house.setup()
    return house


def _state(house: House, entity_id: str) -> State:
    state = house.runtime.states.get(entity_id)
    assert state is not None, entity_id
    return state


def _attributes(house: House, entity_id: str) -> dict[str, object]:
    return dict(_state(house, entity_id).attributes)


async def test_a_virtual_device_shows_its_customized_name_and_icon(tmp_path: Path) -> None:
    adapters = "adapters:\n  - {adapter: virtual, seed: 1}\n"
    house = await _house(tmp_path, CORE + CUSTOMIZE + adapters, adapters=True)
    assert house.report.errors == []
    await house.start()
    runtime = house.runtime
    await runtime.services.call("light", "turn_on", target={"entity_id": "light.hall"})
    hall = runtime.states.get("light.hall")
    assert hall is not None and hall.state == "on"
    assert hall.name == "Entrance" and hall.attributes["icon"] == "mdi:ceiling-light"
    assert _attributes(house, "sensor.house_power")["icon"] == "mdi:flash"
    assert "icon" not in _attributes(house, "sensor.hall_illuminance")
    await house.stop()


async def test_only_an_entitys_own_writes_are_customized(tmp_path: Path) -> None:
    house = await _house(tmp_path, CORE + CUSTOMIZE)
    states = house.runtime.states
    states.set("light.hall", "on", {"brightness": 3}, raw=True)  # as the events file
    assert _attributes(house, "light.hall") == {"brightness": 3}
    states.set("light.hall", "on", {"brightness": 3})  # as the device's entity
    assert _attributes(house, "light.hall") == {
        "brightness": 3,
        "friendly_name": "Entrance",
        "icon": "mdi:ceiling-light",
    }
    states.set("light.hall", "on", {"friendly_name": "Hall", "brightness": 4})
    assert _state(house, "light.hall").name == "Entrance"
    await house.runtime.stop()


@pytest.mark.allow_error_logs
async def test_wrong_entries_are_reported_at_their_place(tmp_path: Path) -> None:
    text = CORE + (
        "  customize:\n"
        "    Not-An-Id: {icon: x}\n"
        "    light.hall: [1]\n"
        "    light.porch: {assumed_state: maybe}\n"
        "    light.kept: {friendly_name: 7}\n"
        "  customize_domain: [light]\n"
    )
    house = await _house(tmp_path, text)
    found = sorted((issue.line, issue.key) for issue in house.report.errors)
    assert found == [
        (7, "homeassistant.customize.Not-An-Id"),
        (8, "homeassistant.customize.light.hall"),
        (9, "homeassistant.customize.light.porch"),
        (11, "homeassistant.customize_domain"),
    ]
    assert all(issue.file == "configuration.yaml" for issue in house.report.errors)
    house.runtime.states.set("light.kept", "on", {})
    assert _attributes(house, "light.kept") == {"friendly_name": "7"}  # a text, as cv.string
    await house.runtime.stop()


@pytest.mark.allow_error_logs
async def test_a_package_with_a_wrong_entry_brings_none_of_its_values(tmp_path: Path) -> None:
    text = CORE + (
        "  packages:\n"
        "    good:\n"
        "      homeassistant:\n"
        "        customize_domain: {light: {icon: 'mdi:good'}}\n"
        "    bad:\n"
        "      homeassistant:\n"
        "        customize: {light.a: {friendly_name: A}, light.b: nothing}\n"
        "    settings:\n"
        "      homeassistant: {name: Elsewhere}\n"
    )
    house = await _house(tmp_path, text)
    keys = sorted(str(issue.key) for issue in house.report.errors)
    assert keys == [
        "homeassistant.packages.bad.homeassistant.customize.light.b",
        "homeassistant.packages.settings.homeassistant",  # core settings, refused as before
    ]
    house.runtime.states.set("light.a", "on", {})
    assert _attributes(house, "light.a") == {"icon": "mdi:good"}
    await house.runtime.stop()


@pytest.mark.allow_error_logs
async def test_reload_core_config_customizes_the_next_writes(tmp_path: Path) -> None:
    house = await _house(tmp_path, CORE + CUSTOMIZE)
    runtime = house.runtime
    runtime.states.set("light.hall", "on", {})
    text = CORE + "  customize:\n    light.hall: {friendly_name: Lobby}\n"
    (tmp_path / "configuration.yaml").write_text(text, encoding="utf-8")
    await runtime.services.call("homeassistant", "reload_core_config")
    assert _state(house, "light.hall").name == "Entrance"
    runtime.states.set("light.hall", "off", {})
    assert _attributes(house, "light.hall") == {"friendly_name": "Lobby"}
    (tmp_path / "configuration.yaml").write_text(CORE + "  customize: [x]\n", encoding="utf-8")
    with pytest.raises(ConfigRefused, match="customize"):
        await runtime.services.call("homeassistant", "reload_core_config")
    runtime.states.set("light.hall", "on", {})  # the refused reload changed nothing
    assert _attributes(house, "light.hall") == {"friendly_name": "Lobby"}
    (tmp_path / "configuration.yaml").write_text(CORE, encoding="utf-8")
    await runtime.services.call("homeassistant", "reload_core_config")
    runtime.states.set("light.hall", "off", {})
    assert _attributes(house, "light.hall") == {}
    await runtime.stop()
