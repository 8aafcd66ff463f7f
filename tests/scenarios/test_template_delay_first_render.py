"""A state-based template binary sensor's templated ``delay_on``/``delay_off``: as in Home
Assistant 2024.3, a change takes the delay rendered before it, so the first render (no
delay rendered yet) gives the state at once; a fixed delay holds it from the start."""

from __future__ import annotations

from pathlib import Path

from homeloom.house import House
from homeloom.orchestrator import TestClock

CORE = "homeassistant:\n  time_zone: Europe/Paris\n"
TEXT = (
    "input_number:\n  hold:\n    min: 0\n    max: 60\n    initial: 4\n"
    "template:\n  - binary_sensor:\n"
    "      - name: Templated\n        state: \"{{ states('sensor.door') }}\"\n"
    "        delay_off: \"{{ states('input_number.hold') | int }}\"\n"
    "      - name: Fixed\n        state: \"{{ states('sensor.door') }}\"\n"
    "        delay_off: 4\n"
)


def _state(house: House, entity_id: str) -> str:
    state = house.runtime.states.get(entity_id)
    assert state is not None
    return state.state


async def test_a_templated_delay_waits_only_once_rendered(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CORE + TEXT, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(), persist=False, adapters=False)
    report = await house.setup(before_scenarios=lambda rt: rt.states.set("sensor.door", "off"))
    assert report.ok, report.errors
    runtime = house.runtime
    # First render: the templated delay has no value yet, the fixed one holds.
    assert _state(house, "binary_sensor.templated") == "off"
    assert _state(house, "binary_sensor.fixed") == "unknown"
    await runtime.advance(5)
    assert _state(house, "binary_sensor.fixed") == "off"
    # Later changes wait for the delay rendered meanwhile (4 s).
    runtime.states.set("sensor.door", "on")
    await runtime.idle()
    runtime.states.set("sensor.door", "off")
    await runtime.idle()
    await runtime.advance(3)
    assert _state(house, "binary_sensor.templated") == "on"
    await runtime.advance(2)
    assert _state(house, "binary_sensor.templated") == "off"
    await house.stop()


async def test_a_sensor_reading_itself_waits_out_one_delay_only(tmp_path: Path) -> None:
    # Its first write (unknown, the delay pending) makes it render again for ``this``:
    # that render must find the delay pending, not start a second one that would write
    # the older attributes again once the state has settled.
    text = (
        "template:\n  - binary_sensor:\n"
        "      - name: Held\n        state: \"{{ is_state('sensor.motion', 'on') }}\"\n"
        "        delay_on: 5\n        attributes:\n          was: '{{ this.state }}'\n"
    )
    (tmp_path / "configuration.yaml").write_text(CORE + text, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(), persist=False, adapters=False)
    report = await house.setup(before_scenarios=lambda rt: rt.states.set("sensor.motion", "on"))
    assert report.ok, report.errors
    assert _state(house, "binary_sensor.held") == "unknown"
    await house.runtime.advance(6)
    held = house.runtime.states.get("binary_sensor.held")
    assert held is not None
    assert (held.state, held.attributes["was"]) == ("on", "on")
    await house.stop()
