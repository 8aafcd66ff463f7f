"""What a notify group, ``notify.persistent_notification`` and ``logbook.log`` make of
values a template rendered to something other than text, as Home Assistant 2024.3 reads
them: a message rendered to a list or mapping fails the call (their schema takes a
template, which is text); a logbook entry's name or message rendered to a number is that
number's text. The oracle carries out the notify calls (``resident_mix_69.yaml``) but
stubs ``logbook.log``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House
from homeloom.orchestrator import Notifications, TestClock

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
HOUSE = """\
homeassistant:
  name: Home
  latitude: 48.8566
  longitude: 2.3522
  time_zone: Europe/Paris
notify:
  - platform: group
    name: family
    services:
      - service: ann_phone
automation:
  - id: open_windows
    triggers: [{trigger: event, event_type: list}]
    actions:
      - action: notify.family
        data:
          message: "{{ ['binary_sensor.kitchen_window', 'binary_sensor.bath_window'] }}"
      - action: input_boolean.turn_on
        target: {entity_id: input_boolean.reached}
  - id: card
    triggers: [{trigger: event, event_type: card}]
    actions:
      - action: notify.persistent_notification
        data:
          message: "{{ {'door': 'open'} }}"
      - action: input_boolean.turn_on
        target: {entity_id: input_boolean.reached}
  - id: temperature_log
    triggers: [{trigger: state, entity_id: sensor.temperature}]
    actions:
      - action: logbook.log
        data:
          name: "{{ trigger.to_state.state }}"
          message: "{{ trigger.to_state.state }}"
      - action: input_boolean.turn_on
        target: {entity_id: input_boolean.logged}
input_boolean:
  reached:
  logged:
"""


async def _house(tmp_path: Path) -> House:
    (tmp_path / "configuration.yaml").write_text(HOUSE, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), adapters=False, persist=False)
    report = await house.setup()
    assert report.errors == []
    await house.start()
    return house


@pytest.mark.allow_error_logs
async def test_a_group_message_rendered_to_a_list_fails_the_call(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    runtime = house.runtime
    runtime.bus.fire("list", {})
    await runtime.idle()
    notifications = runtime.components["notifications"]
    assert isinstance(notifications, Notifications)
    assert [n.channel for n in notifications.items] == []
    assert runtime.states.is_state("input_boolean.reached", "off")
    await house.stop()


@pytest.mark.allow_error_logs
async def test_a_persistent_notification_rendered_to_a_mapping_fails_the_call(
    tmp_path: Path,
) -> None:
    house = await _house(tmp_path)
    runtime = house.runtime
    runtime.bus.fire("card", {})
    await runtime.idle()
    notifications = runtime.components["notifications"]
    assert isinstance(notifications, Notifications)
    assert notifications.persistent == {}
    assert runtime.states.is_state("input_boolean.reached", "off")
    await house.stop()


async def test_a_logbook_name_and_message_rendered_to_numbers_are_their_text(
    tmp_path: Path,
) -> None:
    house = await _house(tmp_path)
    runtime = house.runtime
    runtime.states.set("sensor.temperature", "21.5")
    await runtime.idle()
    assert runtime.states.is_state("input_boolean.logged", "on")
    [entry] = runtime.components["logbook"].entries
    assert (entry["name"], entry["message"]) == ("21.5", "21.5")
    await house.stop()
