"""Template controls' configuration: what each problem names (file:line, key, what is
valid), and that the switch and lock platforms are no longer warned about."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeloom.house import House, check_config
from homeloom.orchestrator import Context, ServiceValidationError, TestClock

CORE = "homeassistant:\n  time_zone: Europe/Paris\n"


async def _report(tmp_path: Path, text: str) -> tuple[list[str], list[str]]:
    (tmp_path / "configuration.yaml").write_text(CORE + text, encoding="utf-8")
    report = await check_config(tmp_path)
    return [str(issue) for issue in report.errors], [str(issue) for issue in report.warnings]


async def test_template_switches_and_locks_are_not_warned_about(tmp_path: Path) -> None:
    text = (
        "switch:\n  - platform: template\n    switches:\n      fan:\n"
        "        turn_on: []\n        turn_off: []\n"
        "lock:\n  - platform: template\n    value_template: 'on'\n    lock: []\n    unlock: []\n"
    )
    assert await _report(tmp_path, text) == ([], [])


@pytest.mark.allow_error_logs
async def test_a_switch_lacking_actions_or_with_a_stray_key_is_refused(tmp_path: Path) -> None:
    text = (
        "switch:\n  - platform: template\n    switches:\n      fan:\n"
        "        turn_on: []\n        attribute_templates: {a: b}\n"
    )
    errors, _ = await _report(tmp_path, text)
    assert errors == [
        "configuration.yaml:8:9: switch[0].switches.fan.attribute_templates: unknown key "
        "'attribute_templates'; valid: availability_template, entity_id, "
        "entity_picture_template, friendly_name, icon_template, turn_off, turn_on, unique_id, "
        "value_template",
        "configuration.yaml:6:7: switch[0].switches.fan: missing 'turn_off'",
    ]


@pytest.mark.allow_error_logs
async def test_a_switch_with_an_invalid_object_id_is_refused(tmp_path: Path) -> None:
    text = (
        "switch:\n  - platform: template\n    switches:\n      Big Fan:\n"
        "        turn_on: []\n        turn_off: []\n"
    )
    errors, _ = await _report(tmp_path, text)
    assert errors == [
        "configuration.yaml:6:7: switch[0].switches: invalid object id 'Big Fan' (try 'big_fan')"
    ]


@pytest.mark.allow_error_logs
async def test_a_lock_lacking_its_value_template_is_refused(tmp_path: Path) -> None:
    text = "lock:\n  - platform: template\n    lock: []\n    unlock: []\n    optimistic: maybe\n"
    errors, _ = await _report(tmp_path, text)
    assert errors == ["configuration.yaml:4:5: lock[0]: missing 'value_template'"]


@pytest.mark.allow_error_logs
async def test_optimistic_must_be_a_boolean(tmp_path: Path) -> None:
    text = (
        "template:\n  - select:\n      - state: a\n        options: \"{{ ['a'] }}\"\n"
        "        select_option: []\n        optimistic: maybe\n"
    )
    errors, _ = await _report(tmp_path, text)
    assert errors == [
        "configuration.yaml:8:9: template[0].select[0].optimistic: expected a boolean "
        "(true or false)"
    ]


@pytest.mark.allow_error_logs
async def test_a_number_names_its_missing_and_unknown_keys(tmp_path: Path) -> None:
    text = "template:\n  - number:\n      - state: '1'\n        set_value: []\n        unit: W\n"
    errors, _ = await _report(tmp_path, text)
    assert errors == [
        "configuration.yaml:7:9: template[0].number[0].unit: unknown key 'unit'; valid: "
        "availability, icon, max, min, name, optimistic, set_value, state, step, unique_id",
        "configuration.yaml:5:9: template[0].number[0]: missing 'step'",
    ]


@pytest.mark.allow_error_logs
async def test_a_broken_action_names_where_it_is(tmp_path: Path) -> None:
    text = "template:\n  - button:\n      - press: {delay: soon}\n"
    errors, _ = await _report(tmp_path, text)
    assert len(errors) == 1
    assert errors[0].startswith("configuration.yaml:5:"), errors
    assert "template[0].button[0].press" in errors[0]


async def test_trigger_based_controls_are_made(tmp_path: Path) -> None:
    # Their behaviour: tests/scenarios/cases/corners_template_weather_triggered.yaml.
    text = (
        "template:\n  - trigger: {platform: event, event_type: x}\n"
        "    number:\n      - state: '1'\n        step: 1\n        set_value: []\n"
    )
    errors, _ = await _report(tmp_path, text)
    assert errors == []


@pytest.mark.allow_error_logs
async def test_a_weather_without_trigger_is_reported(tmp_path: Path) -> None:
    errors, _ = await _report(tmp_path, "template:\n  - weather: []\n")
    assert errors == [
        "configuration.yaml:4:5: template[0].weather: a template 'weather' needs a 'trigger' "
        "in its block: Home Assistant 2024.3 fails to set up a state-based one here; use a "
        "'weather:' item with 'platform: template'"
    ]


async def test_lock_open_is_refused_by_a_template_lock(tmp_path: Path) -> None:
    # Home Assistant 2024.3's template lock has no open action (and lock.open is a
    # guarded service in homeloom, so a case cannot call it without an approval).
    text = (
        "lock:\n  - platform: template\n    value_template: locked\n    lock: []\n    unlock: []\n"
    )
    (tmp_path / "configuration.yaml").write_text(CORE + text, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(), persist=False, adapters=False)
    report = await house.setup()
    assert report.ok, report.errors
    provider = house.runtime.services.provider_of("lock.template_lock")
    assert provider is not None
    with pytest.raises(ServiceValidationError, match="does not support this service"):
        provider("lock.template_lock", "open", {}, Context())
    await house.stop()
