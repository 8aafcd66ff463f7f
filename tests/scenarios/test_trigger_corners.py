"""State and numeric_state trigger corners the YAML cases cannot show: several ``for:``
waits of one entity (disabling ends them all; the next due one survives a restart), and
numeric checks that fail."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from homeloom.house import House
from tests.scenarios.notified import Sent, notified_house

CONFIG = """\
homeloom:
  time_zone: Europe/Paris
automation:
  - id: tv
    triggers: [{trigger: state, entity_id: media_player.tv, for: 60}]
    actions:
      - action: notify.notify
        data: {message: "tv {{ trigger.to_state.attributes.volume_level | default('-') }}"}
  - id: door
    triggers: [{trigger: state, entity_id: binary_sensor.d, from: [a, b], for: 60}]
    actions:
      - action: notify.notify
        data: {message: "door {{ trigger.from_state.state }} {{ trigger.to_state.state }}"}
  - id: co2
    triggers: [{trigger: numeric_state, entity_id: sensor.co2, above: 1000, for: 60}]
    actions:
      - action: notify.notify
        data: {message: "co2 {{ trigger.to_state.state }}"}
"""
START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


async def _house(config_dir: Path, at: datetime = START) -> tuple[House, Sent]:
    return await notified_house(config_dir, CONFIG, START, at)


async def _two_tv_waits(house: House) -> None:
    """The tv turned on at 0, then its volume changed at 30: waits due at 60 and 90."""
    states = house.runtime.states
    states.set("media_player.tv", "off")
    states.set("media_player.tv", "on")
    await house.runtime.advance(30)
    states.set("media_player.tv", "on", {"volume_level": 0.5})


async def test_each_attribute_change_of_a_bare_trigger_waits_on_its_own(tmp_path: Path) -> None:
    house, sent = await _house(tmp_path)
    await _two_tv_waits(house)
    await house.runtime.advance(100)
    # Each fires with the state that started it.
    assert sent == [(60, "tv -"), (90, "tv 0.5")]
    await house.stop()


async def test_a_change_of_state_ends_every_wait_of_the_entity(tmp_path: Path) -> None:
    house, sent = await _house(tmp_path)
    await _two_tv_waits(house)
    await house.runtime.advance(10)
    house.runtime.states.set("media_player.tv", "off", {"volume_level": 0.5})  # starts its own
    await house.runtime.advance(100)
    assert sent == [(100, "tv 0.5")]
    await house.stop()


async def test_disabling_ends_every_pending_wait(tmp_path: Path) -> None:
    house, sent = await _house(tmp_path)
    await _two_tv_waits(house)
    automation = house.automations.find("tv")
    assert automation is not None
    await automation.disable()
    await house.runtime.advance(100)
    assert sent == []
    await house.stop()


async def test_waits_from_a_list_of_states_end_on_their_own_return(tmp_path: Path) -> None:
    house, sent = await _house(tmp_path)
    states = house.runtime.states
    states.set("binary_sensor.d", "a")
    states.set("binary_sensor.d", "c")  # waits while not back to a
    await house.runtime.advance(10)
    states.set("binary_sensor.d", "b")
    states.set("binary_sensor.d", "d")  # waits while not back to b
    await house.runtime.advance(10)
    states.set("binary_sensor.d", "a")  # ends the first only
    await house.runtime.advance(100)
    assert sent == [(70, "door b d")]
    await house.stop()


async def test_the_next_due_wait_survives_a_restart(tmp_path: Path) -> None:
    house, _ = await _house(tmp_path)
    await _two_tv_waits(house)
    await house.runtime.advance(10)
    await house.stop()  # waits due at 60 and 90: the one at 60 is saved

    again, sent = await _house(tmp_path, START + timedelta(seconds=45))
    await again.runtime.advance(100)
    assert [offset for offset, _ in sent] == [60]
    await again.stop()


async def test_after_the_first_fires_the_second_is_the_one_saved(tmp_path: Path) -> None:
    house, _ = await _house(tmp_path)
    await _two_tv_waits(house)
    await house.runtime.advance(40)
    await house.stop()  # the first fired at 60: the one at 90 is saved

    again, sent = await _house(tmp_path, START + timedelta(seconds=75))
    await again.runtime.advance(100)
    assert [offset for offset, _ in sent] == [90]
    await again.stop()


async def test_a_numeric_value_that_is_no_number_ends_the_wait_and_keeps_the_arming(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    house, sent = await _house(tmp_path)
    states = house.runtime.states
    states.set("sensor.co2", "800")
    states.set("sensor.co2", "1100")
    await house.runtime.advance(30)
    with caplog.at_level(logging.WARNING):
        states.set("sensor.co2", "1200 ppm")  # an error: the wait ends, nothing armed
    assert "cannot be processed as a number" in caplog.text
    states.set("sensor.co2", "1150")
    await house.runtime.advance(100)
    assert sent == []
    states.set("sensor.co2", "unavailable")  # no number, no error: armed
    states.set("sensor.co2", "1300")
    await house.runtime.advance(100)
    assert sent == [(190, "co2 1300")]
    await house.stop()


async def test_a_numeric_wait_holds_through_changes_in_range(tmp_path: Path) -> None:
    house, sent = await _house(tmp_path)
    states = house.runtime.states
    states.set("sensor.co2", "800")
    states.set("sensor.co2", "1100")
    await house.runtime.advance(30)
    states.set("sensor.co2", "1200")
    await house.runtime.advance(100)
    assert sent == [(60, "co2 1100")]  # the state that started it
    await house.stop()


ATTRIBUTE_CONFIG = """\
homeloom:
  time_zone: Europe/Paris
automation:
  - id: warm
    triggers:
      - {trigger: numeric_state, entity_id: climate.living, attribute: current_temperature,
         above: 22, for: 60}
      - {trigger: numeric_state, entity_id: sensor.t, below: 10}
    actions:
      - action: notify.notify
        data: {message: "{{ trigger.idx }} {{ trigger.attribute is defined }}"}
"""


async def test_numeric_trigger_variables_name_no_attribute_even_after_a_restart(
    tmp_path: Path,
) -> None:
    # As Home Assistant's: only its value_template's trigger variable names the attribute.
    house, sent = await notified_house(tmp_path, ATTRIBUTE_CONFIG, START)
    states = house.runtime.states
    states.set("sensor.t", "12")
    states.set("sensor.t", "8")
    states.set("climate.living", "heat", {"current_temperature": 20})
    states.set("climate.living", "heat", {"current_temperature": 23})
    await house.runtime.advance(30)
    await house.stop()  # the wait due at 60 is saved

    again, sent_again = await notified_house(
        tmp_path, ATTRIBUTE_CONFIG, START, START + timedelta(seconds=45)
    )
    await again.runtime.advance(30)
    assert sent == [(0, "1 False")]
    assert sent_again == [(60, "0 False")]
    await again.stop()


DEFAULTS_CONFIG = """\
homeloom:
  time_zone: Europe/Paris
automation:
  - id: bedtime
    trigger_variables: {room: house}
    variables: {level: 0, trigger: none, this: none, label: "{{ room }} {{ level }}"}
    triggers:
      - {trigger: event, event_type: kids, variables: {room: kids_room, level: 5}}
      - {trigger: event, event_type: adults}
    actions:
      - action: notify.notify
        data:
          message: "{{ room }} {{ level }} {{ label }} {{ trigger.platform }} {{ this.state }}"
"""


async def test_automation_variables_are_defaults_of_the_triggers_own(tmp_path: Path) -> None:
    # As Home Assistant: the automation's variables (and trigger_variables) fill only
    # what the trigger, its own ``variables`` and ``this`` leave unset.
    house, sent = await notified_house(tmp_path, DEFAULTS_CONFIG, START)
    house.runtime.bus.fire("kids")
    house.runtime.bus.fire("adults")
    await house.runtime.advance(1)
    assert sent == [(0, "kids_room 5 kids_room 5 event on"), (0, "house 0 house 0 event on")]
    await house.stop()


EMPTY_LISTS_CONFIG = """\
homeloom:
  time_zone: Europe/Paris
automation:
  - id: state_none
    triggers:
      - {trigger: state, entity_id: [], to: "on"}
      - {trigger: event, event_type: go}
    conditions:  # all of no entities: both pass
      - {condition: state, entity_id: [], state: "on"}
      - {condition: numeric_state, entity_id: [], above: 1}
    actions: [{action: notify.notify, data: {message: state}}]
  - id: numeric_none
    triggers:
      - {trigger: numeric_state, entity_id: [], above: 5}
      - {trigger: event, event_type: go}
    actions: [{action: notify.notify, data: {message: numeric}}]
  - id: zone_none
    triggers:
      - {trigger: zone, entity_id: person.a, zone: [], event: leave}
      - {trigger: event, event_type: go}
    actions: [{action: notify.notify, data: {message: zone}}]
"""


@pytest.mark.allow_error_logs  # the zone trigger's refusal
async def test_an_empty_entity_list_is_a_trigger_that_never_fires(tmp_path: Path) -> None:
    # As Home Assistant (cv.entity_ids_or_uuids): ``entity_id: []``, which an optional
    # blueprint input's ``default: []`` leaves, watches nothing; the automation still
    # loads, and state or numeric_state conditions on it pass (all of none). A zone
    # trigger's ``zone`` is one entity id, so an empty list stays refused.
    house, sent = await notified_house(tmp_path, EMPTY_LISTS_CONFIG, START)
    house.runtime.states.set("sensor.x", "on")
    house.runtime.bus.fire("go")
    await house.runtime.advance(1)
    assert sent == [(0, "state"), (0, "numeric")]
    await house.stop()


TWICE_LISTED_CONFIG = """\
homeloom:
  time_zone: Europe/Paris
automation:
  - id: twice
    mode: parallel
    triggers:
      - trigger: state
        entity_id: [binary_sensor.a, binary_sensor.b, Binary_Sensor.A]
        to: "on"
      - trigger: state
        entity_id: [binary_sensor.c, binary_sensor.c]
        to: "on"
        for: 5
    actions:
      - action: notify.notify
        data: {message: "{{ trigger.entity_id }}"}
"""


async def test_an_entity_listed_twice_fires_twice_until_turned_off(tmp_path: Path) -> None:
    # As Home Assistant, which listens once per id written (case aside): each change
    # fires twice, a ``for:`` counts twice; turning the automation off ends both.
    house, sent = await notified_house(tmp_path, TWICE_LISTED_CONFIG, START)
    states = house.runtime.states
    states.set("binary_sensor.a", "on")
    states.set("binary_sensor.b", "on")
    states.set("binary_sensor.c", "on")
    await house.runtime.advance(10)
    assert (
        sent
        == [(0, "binary_sensor.a")] * 2 + [(0, "binary_sensor.b")] + [(5, "binary_sensor.c")] * 2
    )
    automation = house.automations.find("twice")
    assert automation is not None
    await automation.disable()
    states.set("binary_sensor.a", "off")
    states.set("binary_sensor.a", "on")
    await house.runtime.advance(10)
    assert len(sent) == 5
    await house.stop()
