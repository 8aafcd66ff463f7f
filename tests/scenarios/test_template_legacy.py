"""Legacy template entities (``sensor:`` items with ``platform: template``) and the
warning for each ``sensor:``/``binary_sensor:`` item of a platform homeloom does not provide."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeloom.house import House, check_config
from homeloom.orchestrator import TestClock

CORE = "homeassistant:\n  time_zone: Europe/Paris\n"
LEGACY_SENSOR = (
    "  - platform: template\n    sensors:\n      doubled:\n"
    "        value_template: \"{{ states('sensor.t') | int(0) * 2 }}\"\n"
)


async def _warnings(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "configuration.yaml").write_text(CORE + text, encoding="utf-8")
    report = await check_config(tmp_path)
    assert report.ok, report.errors
    return [str(issue) for issue in report.warnings]


async def test_each_item_of_another_platform_is_warned_about(tmp_path: Path) -> None:
    text = (
        "sensor:\n" + LEGACY_SENSOR + "  - platform: mqtt\n    name: a\n"
        "  - platform: scrape\n    resource: http://x\n"
        "binary_sensor old:\n  - platform: ping\n    host: x\n"
    )
    assert await _warnings(tmp_path, text) == [
        "configuration.yaml:8:5: sensor[1]: 'sensor' platform 'mqtt' is refused by Home "
        "Assistant (it does not support platform setup): move the item under "
        "'mqtt: sensor:'; it is ignored",
        "configuration.yaml:10:5: sensor[2]: 'sensor' platform 'scrape' is not provided by "
        "homeloom: it is ignored, and the entities it would make will not exist",
        "configuration.yaml:13:5: binary_sensor old[0]: 'binary_sensor old' platform 'ping' "
        "is not provided by homeloom: it is ignored, and the entities it would make will "
        "not exist",
    ]


async def test_template_items_alone_are_not_warned_about(tmp_path: Path) -> None:
    binary = (
        "binary_sensor:\n  platform: template\n  sensors:\n    door:\n      value_template: 'on'\n"
    )
    assert await _warnings(tmp_path, "sensor:\n" + LEGACY_SENSOR + binary) == []


async def test_an_item_without_a_platform_is_warned_about(tmp_path: Path) -> None:
    warnings = await _warnings(tmp_path, "sensor:\n  - name: x\n")
    assert warnings == [
        "configuration.yaml:4:5: sensor[0]: 'sensor' platform None is not provided by "
        "homeloom: it is ignored, and the entities it would make will not exist"
    ]


@pytest.mark.allow_error_logs
async def test_problems_name_the_legacy_keys_where_written(tmp_path: Path) -> None:
    text = (
        "sensor:\n  - platform: template\n    sensors:\n      a:\n"
        "        value_template: '{{ 1 +'\n"
        "binary_sensor:\n  - platform: template\n    sensors:\n      b:\n"
        "        friendly_name_template: x\n"
    )
    (tmp_path / "configuration.yaml").write_text(CORE + text, encoding="utf-8")
    errors = [str(issue) for issue in (await check_config(tmp_path)).errors]
    assert errors[0].startswith("configuration.yaml:7:9: sensor[0].sensors.a.value_template: ")
    assert errors[1:] == [
        "configuration.yaml:12:9: binary_sensor[0].sensors.b.friendly_name_template: "
        "unknown key 'friendly_name_template'; valid: attribute_templates, "
        "availability_template, delay_off, delay_on, device_class, entity_id, "
        "entity_picture_template, friendly_name, icon_template, unique_id, value_template",
        "configuration.yaml:11:7: binary_sensor[0].sensors.b: missing 'value_template'",
    ]


async def test_a_legacy_sensor_exists_after_setup_and_follows_its_source(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CORE + "sensor:\n" + LEGACY_SENSOR, "utf-8")
    house = House(tmp_path, clock=TestClock(), persist=False, adapters=False)
    report = await house.setup(before_scenarios=lambda rt: rt.states.set("sensor.t", "10"))
    assert report.ok, report.errors
    state = house.runtime.states.get("sensor.doubled")
    assert state is not None
    assert (state.state, state.attributes["friendly_name"]) == ("20", "doubled")
    house.runtime.states.set("sensor.t", "4")
    state = house.runtime.states.get("sensor.doubled")
    assert state is not None and state.state == "8"
    await house.stop()
