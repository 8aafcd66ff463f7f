"""The three blueprints Home Assistant writes into every new configuration, as a resident
who moves here has them: a motion light, a zone notification and a confirmable
notification script, with automations and scripts made from them and the phone they
tell kept in the copied ``.storage``.

The blueprint texts here are our own, of the same shape: the same inputs (residents'
automations name them), selectors, modes and steps. The YAML cases
(cases/builtin_blueprints.yaml) replay them against Home Assistant's engine; these
tests run what an events file cannot: the confirmable notification's answers, named
from the run's context id, which only the notification sent tells.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.cli import main
from homeloom.house import House
from homeloom.orchestrator import Event, TestClock

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
PHONE = "0d1a0000000000000000000000000001"
LAMP = "0d1a0000000000000000000000000002"
SERVICE = "notify.mobile_app_alice_s_pixel"

MOTION_LIGHT = """\
blueprint:
  name: Lamp on motion
  description: A light on while something moves, off a while after.
  domain: automation
  input:
    motion_entity:
      name: What sees motion
      selector:
        entity:
          filter:
            device_class: motion
            domain: binary_sensor
    light_target:
      name: What to light
      selector:
        target:
          entity:
            domain: light
    no_motion_wait:
      name: How long after
      default: 120
      selector:
        number:
          min: 0
          max: 3600
          unit_of_measurement: seconds
mode: restart
max_exceeded: silent
trigger:
  platform: state
  entity_id: !input motion_entity
  from: "off"
  to: "on"
action:
  - alias: Light up
    service: light.turn_on
    target: !input light_target
  - alias: Until nothing moves
    wait_for_trigger:
      platform: state
      entity_id: !input motion_entity
      from: "on"
      to: "off"
  - alias: A while longer
    delay: !input no_motion_wait
  - alias: Dark again
    service: light.turn_off
    target: !input light_target
"""

LEAVING_ZONE = """\
blueprint:
  name: Someone left
  description: Tell a phone when a person leaves a zone.
  domain: automation
  input:
    person_entity:
      name: Who
      selector:
        entity:
          filter:
            domain: person
    zone_entity:
      name: Which zone
      selector:
        entity:
          filter:
            domain: zone
    notify_device:
      name: Phone to tell
      description: A phone with the Home Assistant app.
      selector:
        device:
          filter:
            integration: mobile_app
trigger:
  platform: state
  entity_id: !input person_entity
variables:
  zone_entity: !input zone_entity
  zone_state: "{{ states[zone_entity].name }}"
  person_entity: !input person_entity
  person_name: "{{ states[person_entity].name }}"
condition:
  condition: template
  value_template: >-
    {{ zone_entity == 'zone.home' and trigger.from_state.state == 'home'
       and trigger.to_state.state != 'home'
       or trigger.from_state.state == zone_state and trigger.to_state.state != zone_state }}
action:
  - alias: Tell the phone
    domain: mobile_app
    type: notify
    device_id: !input notify_device
    message: "{{ person_name }} is no longer at {{ zone_state }}"
"""

CONFIRMABLE = """\
blueprint:
  name: Ask before doing
  description: >-
    Ask on a phone, with two buttons, before running one action or the other.
  domain: script
  input:
    notify_device:
      name: Phone to ask
      selector:
        device:
          filter:
            integration: mobile_app
    title:
      name: Title
      default: ""
      selector:
        text:
    message:
      name: Question
      selector:
        text:
    confirm_text:
      name: Yes button
      default: "Confirm"
      selector:
        text:
    confirm_action:
      name: On yes
      default: []
      selector:
        action:
    dismiss_text:
      name: No button
      default: "Dismiss"
      selector:
        text:
    dismiss_action:
      name: On no
      default: []
      selector:
        action:
mode: restart
sequence:
  - alias: Name this run's answers
    variables:
      action_confirm: "{{ 'CONFIRM_' ~ context.id }}"
      action_dismiss: "{{ 'DISMISS_' ~ context.id }}"
  - alias: Ask
    domain: mobile_app
    type: notify
    device_id: !input notify_device
    title: !input title
    message: !input message
    data:
      actions:
        - action: "{{ action_confirm }}"
          title: !input confirm_text
        - action: "{{ action_dismiss }}"
          title: !input dismiss_text
  - alias: Until answered
    wait_for_trigger:
      - platform: event
        event_type: mobile_app_notification_action
        event_data:
          action: "{{ action_confirm }}"
      - platform: event
        event_type: mobile_app_notification_action
        event_data:
          action: "{{ action_dismiss }}"
  - choose:
      - conditions: "{{ wait.trigger.event.data.action == action_confirm }}"
        sequence: !input confirm_action
      - conditions: "{{ wait.trigger.event.data.action == action_dismiss }}"
        sequence: !input dismiss_action
"""

CONFIGURATION = """\
homeassistant:
  name: Home
  time_zone: Europe/Paris
  latitude: 48.8566
  longitude: 2.3522
zone:
  - {name: Office, latitude: 48.87, longitude: 2.33, radius: 200}
automation: !include automations.yaml
script: !include scripts.yaml
"""

AUTOMATIONS = f"""\
- id: "1717000000001"
  alias: Hall light
  use_blueprint:
    path: homeassistant/motion_light.yaml
    input:
      motion_entity: binary_sensor.hall_motion
      light_target: {{entity_id: light.hall}}
- id: "1717000000002"
  alias: Alice left the office
  use_blueprint:
    path: homeassistant/notify_leaving_zone.yaml
    input:
      person_entity: person.alice
      zone_entity: zone.office
      notify_device: {PHONE}
"""

SCRIPTS = f"""\
lock_up:
  alias: Lock up?
  use_blueprint:
    path: homeassistant/confirmable_notification.yaml
    input:
      notify_device: {PHONE}
      title: Front door
      message: Lock the front door?
      confirm_text: Lock it
      confirm_action:
        - service: notify.notify
          data: {{message: locking}}
      dismiss_action:
        - service: notify.notify
          data: {{message: left open}}
"""

REGISTRATION = {
    "app_data": {"push_token": "token-alice", "push_url": "http://127.0.0.1:9/push"},
    "app_id": "io.homeassistant.companion.android",
    "app_name": "Home Assistant",
    "app_version": "2024.3.0",
    "device_id": "pixel-8-alice",
    "device_name": "Alice's Pixel",
    "manufacturer": "Google",
    "model": "Pixel 8",
    "os_name": "Android",
    "os_version": "14",
    "supports_encryption": False,
    "webhook_id": "hook-alice-pixel",
}


def _storage(name: str, data: dict[str, Any]) -> str:
    return json.dumps({"version": 1, "minor_version": 1, "key": name, "data": data})


def write_house(config_dir: Path, scripts: str = SCRIPTS) -> None:
    """A configuration as Home Assistant leaves it: its blueprints folder, automations
    and scripts made from them, and the phone in its device registry and config entries."""
    blueprints = config_dir / "blueprints"
    files = {
        config_dir / "configuration.yaml": CONFIGURATION,
        config_dir / "automations.yaml": AUTOMATIONS,
        config_dir / "scripts.yaml": scripts,
        blueprints / "automation/homeassistant/motion_light.yaml": MOTION_LIGHT,
        blueprints / "automation/homeassistant/notify_leaving_zone.yaml": LEAVING_ZONE,
        blueprints / "script/homeassistant/confirmable_notification.yaml": CONFIRMABLE,
        config_dir / ".storage/core.config_entries": _storage(
            "core.config_entries",
            {
                "entries": [
                    {
                        "entry_id": "01hq00000000000000000000p1",
                        "domain": "mobile_app",
                        "title": "Alice's Pixel",
                        "data": REGISTRATION,
                        "options": {},
                        "source": "registration",
                        "disabled_by": None,
                    }
                ]
            },
        ),
        config_dir / ".storage/core.device_registry": _storage(
            "core.device_registry",
            {
                "devices": [
                    {
                        "id": PHONE,
                        "config_entries": ["01hq00000000000000000000p1"],
                        "identifiers": [["mobile_app", "pixel-8-alice"]],
                        "name": "Alice's Pixel",
                        "manufacturer": "Google",
                        "model": "Pixel 8",
                    },
                    {
                        "id": LAMP,
                        "config_entries": ["01hq00000000000000000000h1"],
                        "identifiers": [["hue", "lamp-1"]],
                        "name": "Hall lamp",
                    },
                ],
                "deleted_devices": [],
            },
        ),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _check(config_dir: Path, capsys: Any) -> dict[str, Any]:
    code = main(["check", "--config", str(config_dir), "--json"])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    report["exit_code"] = code
    return report


def test_the_three_blueprints_load_without_errors(tmp_path: Path, capsys: Any) -> None:
    write_house(tmp_path)
    report = _check(tmp_path, capsys)
    assert report["errors"] == [], report["errors"]
    assert report["exit_code"] == 0
    assert report["scenarios"] == {"loaded": 3, "failed": 0}


@pytest.mark.allow_error_logs
def test_a_phone_unknown_to_the_registry_is_an_error_naming_the_input(
    tmp_path: Path, capsys: Any
) -> None:
    """Without the copied ``.storage`` the phone cannot be found: the automation and the
    script are refused, each error naming the device and where to find it."""
    write_house(tmp_path)
    for name in ("core.config_entries", "core.device_registry"):
        (tmp_path / ".storage" / name).unlink()
    report = _check(tmp_path, capsys)
    messages = [error["message"] for error in report["errors"]]
    assert len(messages) == 2, messages
    assert all(f"Unknown device '{PHONE}'" in message for message in messages), messages
    assert all(".storage" in message for message in messages), messages
    assert report["scenarios"] == {"loaded": 1, "failed": 2}


class _Phone:
    """What the phone was sent: each notification's title, message and data."""

    def __init__(self, house: House) -> None:
        self.sent: list[dict[str, Any]] = []
        self.others: list[str] = []
        house.runtime.bus.listen("homeloom_notification", self._record)

    def _record(self, event: Event) -> None:
        if event.data["channel"] == SERVICE:
            self.sent.append(event.data)
        else:
            self.others.append(str(event.data["message"]))

    def answers(self, index: int = -1) -> tuple[str, str]:
        actions = self.sent[index]["data"]["actions"]
        assert [action["title"] for action in actions] == ["Lock it", "Dismiss"]
        return actions[0]["action"], actions[1]["action"]


async def _started(config_dir: Path) -> tuple[House, _Phone]:
    write_house(config_dir)
    house = House(config_dir, clock=TestClock(START), adapters=False)
    report = await house.setup()
    assert report.errors == []
    phone = _Phone(house)
    await house.start()
    return house, phone


async def _ask(house: House) -> None:
    await house.runtime.services.call("script", "turn_on", {"entity_id": "script.lock_up"})
    await house.runtime.advance(1)


async def _answer(house: House, action: str) -> None:
    house.runtime.bus.fire("mobile_app_notification_action", {"action": action})
    await house.runtime.advance(1)


async def test_a_confirmed_notification_runs_the_confirm_action(tmp_path: Path) -> None:
    house, phone = await _started(tmp_path)
    await _ask(house)
    assert len(phone.sent) == 1
    assert (phone.sent[0]["title"], phone.sent[0]["message"]) == (
        "Front door",
        "Lock the front door?",
    )
    confirm, dismiss = phone.answers()
    # Both answers are named from one run's context id.
    assert confirm.startswith("CONFIRM_") and dismiss.startswith("DISMISS_")
    assert confirm.removeprefix("CONFIRM_") == dismiss.removeprefix("DISMISS_") != ""
    await _answer(house, "CONFIRM_someone_else")
    assert phone.others == []
    await _answer(house, confirm)
    assert phone.others == ["locking"]
    await _answer(house, dismiss)  # answered already: the script is over
    assert phone.others == ["locking"]
    await house.stop()


async def test_a_dismissed_notification_runs_the_dismiss_action(tmp_path: Path) -> None:
    house, phone = await _started(tmp_path)
    await _ask(house)
    _, dismiss = phone.answers()
    await house.runtime.advance(3600)  # no timeout: it waits as long as it takes
    await _answer(house, dismiss)
    assert phone.others == ["left open"]
    await house.stop()


async def test_asking_again_restarts_and_the_first_answers_are_stale(tmp_path: Path) -> None:
    """``mode: restart``: the second question replaces the first, whose buttons name
    another run's context and so answer nothing."""
    house, phone = await _started(tmp_path)
    await _ask(house)
    first_confirm, _ = phone.answers()
    await _ask(house)
    second_confirm, _ = phone.answers()
    assert len(phone.sent) == 2 and first_confirm != second_confirm
    await _answer(house, first_confirm)
    assert phone.others == []
    await _answer(house, second_confirm)
    assert phone.others == ["locking"]
    await house.stop()


async def test_leaving_the_zone_tells_the_phone(tmp_path: Path) -> None:
    house, phone = await _started(tmp_path)
    states = house.runtime.states
    states.set("person.alice", "Office", {"friendly_name": "Alice"})
    await house.runtime.advance(1)
    states.set("person.alice", "not_home", {"friendly_name": "Alice"})
    await house.runtime.advance(1)
    assert [item["message"] for item in phone.sent] == ["Alice is no longer at Office"]
    await house.stop()
