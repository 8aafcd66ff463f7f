"""Loading residents' automations and scripts as Home Assistant 2024.3 loads them: what
is accepted, and for what is refused, an error naming the file, line, key and what is
valid. Each configuration is our own reduction of a pattern found in public ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeloom.house import check_config

pytestmark = pytest.mark.allow_error_logs  # each refused item is logged as an error

CORE = "homeassistant:\n  time_zone: Europe/Paris\n  latitude: 48.85\n  longitude: 2.35\n"


async def _check(folder: Path, automations: str, scripts: str | None = None) -> list[dict]:
    configuration = CORE + "automation: !include automations.yaml\n"
    (folder / "automations.yaml").write_text(automations, encoding="utf-8")
    if scripts is not None:
        configuration += "script: !include scripts.yaml\n"
        (folder / "scripts.yaml").write_text(scripts, encoding="utf-8")
    (folder / "configuration.yaml").write_text(configuration, encoding="utf-8")
    report = await check_config(folder)
    return [issue.as_dict() for issue in report.errors]


@pytest.mark.parametrize(
    ("step", "line", "key", "words"),
    [
        # A step with a key its kind lacks, one per kind HA checks.
        ("- service: light.turn_on\n      brightness: 40", 5, "brightness", "valid: action"),
        ("- delay: 5\n      seconds: 5", 5, "seconds", "valid: alias, continue_on_error"),
        ("- event: door_rang\n      data: {x: 1}", 5, "data", "event_data, event_data_template"),
        ("- wait_template: '{{ true }}'\n      for: 5", 5, "for", "continue_on_timeout"),
        ("- service: light.turn_on\n      action: light.turn_off", 4, "service", "named once"),
        ("- scene: light.attic", 4, "scene", "such as scene.evening"),
        ("- event: attic\n      event_data: '{{ {} }}'", 5, "event_data", "must be a mapping"),
        ("- service: notify.notify\n      response_variable: 5", 5, "response_variable", "name"),
    ],
)
async def test_a_step_is_checked_as_home_assistant_checks_it(
    tmp_path: Path, step: str, line: int, key: str, words: str
) -> None:
    automations = (
        f"- id: hall\n  trigger: {{platform: event, event_type: go}}\n  action:\n    {step}\n"
    )
    errors = await _check(tmp_path, automations)
    assert len(errors) == 1, errors
    error = errors[0]
    assert (error["file"], error["line"], error["scenario"]) == ("automations.yaml", line, "hall")
    assert error["key"].endswith(key), error
    assert words in error["message"], error


@pytest.mark.parametrize(
    ("trigger", "key", "words"),
    [
        ("{platform: state, entity_id: light.a, state: 'on'}", "state", "valid: alias, attribute"),
        ("{platform: time, at: '07:00', weekday: mon}", "weekday", "valid: alias, at, enabled"),
        ("{platform: sun, event: sunset, after: 5}", "after", "event, id, offset"),
        ("{platform: state, entity_id: light.a, id: 3}", "id", "must be text, got 3: quote it"),
        ("{platform: state, entity_id: light.a, enabled: maybe}", "enabled", "true or false"),
        ("{platform: time, at: 7:30:00}", "at", "quote the time"),
        ("{platform: numeric_state, entity_id: sensor.t, above: light.a}", "above", "sensor"),
        ("{platform: state, entity_id: light.a, for: -5}", "for", "must not be negative"),
        ("{platform: time_pattern}", "triggers[0]", "one of hours, minutes, seconds"),
        ("{platform: numeric_state, entity_id: sensor.t}", "triggers[0]", "'above', 'below'"),
    ],
)
async def test_a_trigger_is_checked_as_home_assistant_checks_it(
    tmp_path: Path, trigger: str, key: str, words: str
) -> None:
    errors = await _check(tmp_path, f"- id: hall\n  trigger:\n  - {trigger}\n  action: []\n")
    assert len(errors) == 1, errors
    assert (errors[0]["file"], errors[0]["line"]) == ("automations.yaml", 3)
    assert errors[0]["key"].endswith(key), errors
    assert words in errors[0]["message"], errors


async def test_an_unknown_condition_key_names_the_valid_ones(tmp_path: Path) -> None:
    automations = (
        "- id: hall\n  trigger: {platform: event, event_type: go}\n  condition:\n"
        "  - condition: time\n    after: '10:00'\n    at: '11:00'\n  action: []\n"
    )
    errors = await _check(tmp_path, automations)
    assert [(e["line"], e["key"]) for e in errors] == [(6, "condition/0.at")]
    assert "valid: after, alias, before, condition, enabled, weekday" in errors[0]["message"]


async def test_what_home_assistant_accepts_loads_without_errors(tmp_path: Path) -> None:
    # YAML's texts for numbers, times and booleans, empty lists, any-case sun events,
    # an empty target and the old condition keys, all read as Home Assistant reads them.
    automations = """
- id: dusk
  initial_state: 'off'
  trigger:
  - {platform: numeric_state, entity_id: sun.sun, attribute: elevation, below: '-4.0'}
  - {platform: time, at: '7:30'}
  - {platform: sun, event: SUNSET, enabled: 'off'}
  condition:
  - {condition: time, after: '6:00:00', before: '23:00'}
  - {condition: numeric_state, entity_id: sensor.lux, above: '40.5'}
  - {condition: zone, entity_id: person.ann, zone: zone.home, event: enter}
  - {condition: state, entity_id: light.a, state: 'on', match: ANY, from: 'off'}
  action:
  - {service: light.turn_on, target: {entity_id: }, enabled: 0}
- id: placeholder
  trigger:
  action:
"""
    scripts = "empty_steps:\n  sequence:\n"
    assert await _check(tmp_path, automations, scripts) == []


async def test_an_integrations_own_device_trigger_says_it_is_not_supported(
    tmp_path: Path,
) -> None:
    automations = (
        "- id: remote\n  trigger:\n  - platform: device\n    device_id: 0a1b\n"
        "    domain: zha\n    type: remote_button_short_press\n    subtype: turn_on\n"
        "  action: []\n"
    )
    errors = await _check(tmp_path, automations)
    assert [(e["line"], e["key"]) for e in errors] == [(5, "triggers[0].domain")]
    assert "device triggers of domain 'zha' are not supported" in errors[0]["message"]


async def test_an_automation_id_written_as_a_number_says_to_quote_it(tmp_path: Path) -> None:
    errors = await _check(tmp_path, "- id: 1234\n  trigger: []\n  action: []\n")
    assert [(e["line"], e["key"]) for e in errors] == [(1, "id")]
    assert "got 1234: quote it" in errors[0]["message"]


async def test_script_fields_are_checked_as_home_assistant_checks_them(tmp_path: Path) -> None:
    scripts = (
        "announce:\n  fields:\n    message: some text\n    volume:\n      selector: {number: }\n"
        "      hint: loud\n  sequence: []\n"
    )
    errors = await _check(tmp_path, "[]\n", scripts)
    assert [(e["file"], e["line"], e["key"]) for e in errors] == [
        ("scripts.yaml", 3, "script.announce.fields.message"),
        ("scripts.yaml", 6, "script.announce.fields.volume.hint"),
    ]
    assert "valid keys: advanced, default, description" in errors[1]["message"]
