"""The shipped JSON Schema is current, valid, and agrees with the loader."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from homeloom.scenarios import load_yaml_text
from homeloom.scenarios._automation_config import AutomationConfigError, parse_automation
from homeloom.scenarios._schema import SCHEMA_FILE, automation_schema

VALIDATOR = jsonschema.Draft202012Validator(automation_schema())

GOOD = [
    """
- id: old_style
  alias: Hall light
  trigger:
    - platform: state
      entity_id: binary_sensor.hall_motion
      to: "on"
      for: "00:01:00"
  condition:
    - condition: numeric_state
      entity_id: sensor.hall_lux
      below: 50
    - "{{ is_state('input_boolean.guest', 'off') }}"
  action:
    - service: light.turn_on
      target: {entity_id: light.hall}
      data_template: {brightness: "{{ 200 }}"}
  mode: restart
""",
    """
id: new_style
triggers:
  - trigger: time
    at: "07:30:00"
  - trigger: event
    event_type: [a, b]
conditions:
  - or:
      - condition: state
        entity_id: person.alice
        state: home
      - not:
          - condition: sun
            after: sunset
actions:
  - action: notify.notify
    data: {message: hi}
  - delay: {minutes: 5}
  - choose:
      - conditions: "{{ true }}"
        sequence: [{event: done}]
    default: [{stop: nothing to do}]
mode: queued
max: 3
mode_scope: trigger_entity
autonomy: suggest
""",
    """
- alias: from a blueprint
  use_blueprint:
    path: motion_light.yaml
    input: {motion: binary_sensor.hall_motion}
""",
]

BAD = [
    ("id: x\ntriggers: []\nactions: []\nbogus: 1\n", "bogus"),
    ("id: x\ntriggers: []\n", "actions"),
    ("id: x\ntriggers: []\nactions: []\nmode: sometimes\n", "mode"),
    ("id: x\ntriggers: []\nactions: []\nmax: 0\n", "max"),
    ("id: x\ntriggers: []\nactions: []\nmode_scope: per_room\n", "mode_scope"),
]


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def test_schema_file_is_current_and_valid() -> None:
    shipped = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert shipped == automation_schema(), "run: python -m homeloom.scenarios._schema"
    jsonschema.Draft202012Validator.check_schema(shipped)


@pytest.mark.parametrize("text", GOOD)
def test_schema_and_loader_accept_the_same_documents(text: str) -> None:
    document = load_yaml_text(text)
    assert not list(VALIDATOR.iter_errors(_plain(document)))
    items = document if isinstance(document, list) else [document]
    for item in items:
        if "use_blueprint" not in item:
            parse_automation(item, config_dir=None)


@pytest.mark.parametrize(("text", "key"), BAD)
def test_schema_and_loader_refuse_the_same_documents(text: str, key: str) -> None:
    document = load_yaml_text(text)
    assert list(VALIDATOR.iter_errors(_plain(document)))
    with pytest.raises(AutomationConfigError) as refused:
        parse_automation(document, config_dir=None)
    assert any(key in (issue.key or "") + issue.message for issue in refused.value.issues)
    assert all(issue.line is not None for issue in refused.value.issues)


def test_a_trigger_with_a_misspelt_key_is_refused_by_the_schema() -> None:
    document = load_yaml_text(
        "id: x\ntriggers: [{trigger: state, entity: light.x}]\nactions: [{delay: 1}]\n"
    )
    assert list(VALIDATOR.iter_errors(_plain(document)))
