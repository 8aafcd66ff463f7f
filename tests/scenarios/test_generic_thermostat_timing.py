"""When a generic thermostat writes and switches its heater, as Home Assistant 2024.3
does: its first reading of the sensor at start is done before the automations listen,
and a climate service that switches the heater ends once the heater has switched."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from homeloom.house import House
from homeloom.orchestrator import Context, TestClock

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
CONFIG = """\
homeloom:
  time_zone: Europe/Paris
input_boolean:
  heater: {}
  seen: {}
  heater_was_on: {}
climate:
  - platform: generic_thermostat
    name: Living
    heater: input_boolean.heater
    target_sensor: sensor.living_temp
    target_temp: 21
automation:
  - id: watch
    trigger: {platform: state, entity_id: climate.living}
    action:
      service: input_boolean.turn_on
      target: {entity_id: input_boolean.seen}
  - id: go
    trigger: {platform: event, event_type: go}
    action:
      - service: climate.turn_on
        target: {entity_id: climate.living}
      - if: "{{ is_state('input_boolean.heater', 'on') }}"
        then:
          - service: input_boolean.turn_on
            target: {entity_id: input_boolean.heater_was_on}
      - service: climate.turn_off
        target: {entity_id: climate.living}
"""


async def _house(config_dir: Path) -> House:
    (config_dir / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(config_dir, clock=TestClock(START), adapters=False)
    house.runtime.states.set("sensor.living_temp", "18")  # known before the thermostat
    assert (await house.setup()).errors == []
    await house.start()
    await house.runtime.idle()
    return house


async def test_the_start_reading_sets_off_no_automation(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    states = house.runtime.states
    living = states.get("climate.living")
    assert living is not None and living.attributes["current_temperature"] == 18.0
    assert states.is_state("input_boolean.seen", "off")
    await house.stop()


async def test_the_next_step_reads_the_heater_switched(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    runtime = house.runtime
    runtime.bus.fire("go", {}, context=Context())
    await runtime.idle()
    states = runtime.states
    assert states.is_state("input_boolean.heater_was_on", "on")
    # turn_off found the heater on and turned it off: it does not stay on, mode off.
    assert states.is_state("climate.living", "off")
    assert states.is_state("input_boolean.heater", "off")
    await house.stop()
