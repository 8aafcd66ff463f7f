"""Helpers keep their values across a restart of the house, unless configured with ``initial``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from homeloom.house import House
from homeloom.orchestrator import TestClock

CONFIG = """\
homeloom:
  time_zone: Europe/Paris
input_boolean:
  guests: {}
  always_off: {initial: false}
input_number:
  target: {min: 15, max: 25, step: 0.5}
input_select:
  scene: {options: [calm, bright, movie]}
input_text:
  greeting: {}
input_datetime:
  wake: {has_date: false, has_time: true}
counter:
  visits: {step: 2}
"""
START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


async def _house(config_dir: Path) -> House:
    house = House(config_dir, clock=TestClock(START), adapters=False)
    assert (await house.setup()).errors == []
    await house.start()
    return house


async def test_helper_values_survive_a_restart(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = await _house(tmp_path)
    call = house.runtime.services.call
    await call("input_boolean", "turn_on", target={"entity_id": "input_boolean.guests"})
    await call("input_boolean", "turn_on", target={"entity_id": "input_boolean.always_off"})
    await call(
        "input_number", "set_value", {"value": 21.5}, target={"entity_id": "input_number.target"}
    )
    await call(
        "input_select",
        "select_option",
        {"option": "movie"},
        target={"entity_id": "input_select.scene"},
    )
    await call(
        "input_text", "set_value", {"value": "hello"}, target={"entity_id": "input_text.greeting"}
    )
    await call(
        "input_datetime",
        "set_datetime",
        {"time": "06:45:00"},
        target={"entity_id": "input_datetime.wake"},
    )
    await call("counter", "increment", target={"entity_id": "counter.visits"})
    await house.runtime.idle()
    await house.stop()

    again = await _house(tmp_path)
    values = {
        entity_id: again.runtime.states.get(entity_id)
        for entity_id in (
            "input_boolean.guests",
            "input_boolean.always_off",
            "input_number.target",
            "input_select.scene",
            "input_text.greeting",
            "input_datetime.wake",
            "counter.visits",
        )
    }
    assert {entity_id: state.state for entity_id, state in values.items() if state} == {
        "input_boolean.guests": "on",
        "input_boolean.always_off": "off",  # initial wins over the stored value
        "input_number.target": "21.5",
        "input_select.scene": "movie",
        "input_text.greeting": "hello",
        "input_datetime.wake": "06:45:00",
        "counter.visits": "2",
    }
    scene = values["input_select.scene"]
    assert scene is not None and scene.attributes["options"] == ["calm", "bright", "movie"]
    await again.stop()
