"""State trigger corners the events file cannot show: an entity removed (its new state
None). As Home Assistant's state trigger (``components/homeassistant/triggers/state.py``)
takes it: a change to the value None, which fires unless a ``to:`` lists the states to
reach or a ``from:``/``not_from:`` rejects the value left."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from homeloom.house import House
from tests.scenarios.notified import Sent, notified_house

CONFIG = """\
homeloom:
  time_zone: Europe/Paris
automation:
  - id: bare
    triggers: [{trigger: state, entity_id: sensor.a}]
    actions:
      - action: notify.notify
        data: {message: "bare {{ trigger.from_state.state }} {{ trigger.to_state is none }}"}
  - id: from_on
    triggers: [{trigger: state, entity_id: [sensor.a, sensor.b], from: "on"}]
    actions: [{action: notify.notify, data: {message: "from_on {{ trigger.entity_id }}"}}]
  - id: to_off
    triggers: [{trigger: state, entity_id: sensor.a, to: "off"}]
    actions: [{action: notify.notify, data: {message: to_off}}]
  - id: not_to
    triggers: [{trigger: state, entity_id: sensor.a, not_to: unavailable}]
    actions: [{action: notify.notify, data: {message: not_to}}]
  - id: not_from
    triggers: [{trigger: state, entity_id: sensor.a, not_from: "on"}]
    actions: [{action: notify.notify, data: {message: not_from}}]
  - id: attribute
    triggers: [{trigger: state, entity_id: [sensor.a, sensor.b], attribute: level}]
    actions: [{action: notify.notify, data: {message: "attribute {{ trigger.entity_id }}"}}]
  - id: lasting
    triggers: [{trigger: state, entity_id: sensor.c, to: null, for: 60}]
    actions:
      - action: notify.notify
        data: {message: "lasting {{ trigger.to_state is none }} {{ trigger.for.seconds }}"}
"""
START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


async def _house(config_dir: Path) -> tuple[House, Sent]:
    return await notified_house(config_dir, CONFIG, START)


async def test_removing_an_entity_fires_the_triggers_that_accept_no_value(
    tmp_path: Path,
) -> None:
    house, sent = await _house(tmp_path)
    states = house.runtime.states
    states.set("sensor.a", "on", {"level": 3})
    states.set("sensor.b", "off")
    await house.runtime.advance(1)
    sent.clear()
    states.remove("sensor.a")
    states.remove("sensor.b")  # no level, and not "on": nothing
    await house.runtime.advance(1)
    assert sorted(message for _, message in sent) == [
        "attribute sensor.a",
        "bare on True",
        "from_on sensor.a",
        "not_to",
    ]
    await house.stop()


async def test_a_removal_that_lasts_fires_its_for(tmp_path: Path) -> None:
    house, sent = await _house(tmp_path)
    states = house.runtime.states
    states.set("sensor.c", "1")
    await house.runtime.advance(10)
    states.remove("sensor.c")  # at 10: due at 70
    await house.runtime.advance(100)
    assert sent == [(70, "lasting True 60")]
    sent.clear()
    states.set("sensor.c", "2")  # at 110: a change of state, due at 170
    await house.runtime.advance(20)
    states.remove("sensor.c")  # at 130: ends it, starts its own, due at 190
    await house.runtime.advance(10)
    states.set("sensor.c", "3")  # at 140: back before it lasted: ends it, due at 200
    await house.runtime.advance(100)
    assert sent == [(200, "lasting False 60")]
    await house.stop()
