"""Template alarm panels' and vacuums' configuration: what each problem names (file:line,
key, what is valid), that these platforms are no longer warned about, and disarming (a
guarded service, which the cases in ``cases/corners_template_alarm_vacuum.yaml`` cannot
run from an automation)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House, check_config
from homeloom.orchestrator import ServiceValidationError, TestClock

CORE = "homeassistant:\n  time_zone: Europe/Paris\n"
PANEL = "alarm_control_panel.door"

# check_config logs each configuration error it finds.
_LOGS_ITS_ERRORS = pytest.mark.allow_error_logs


async def _report(tmp_path: Path, text: str) -> tuple[list[str], list[str]]:
    (tmp_path / "configuration.yaml").write_text(CORE + text, encoding="utf-8")
    report = await check_config(tmp_path)
    return [str(issue) for issue in report.errors], [str(issue) for issue in report.warnings]


async def test_template_alarm_panels_and_vacuums_are_not_warned_about(tmp_path: Path) -> None:
    text = (
        "alarm_control_panel:\n  - platform: template\n    panels:\n      door:\n"
        "        value_template: disarmed\n"
        "vacuum:\n  - platform: template\n    vacuums:\n      robo:\n        start: []\n"
    )
    assert await _report(tmp_path, text) == ([], [])


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (
            "availability_template: '{{ true }}'",
            "configuration.yaml:7:9: alarm_control_panel[0].panels.door.availability_template: "
            "unknown key 'availability_template'; valid: arm_away, arm_custom_bypass, arm_home, "
            "arm_night, arm_vacation, code_arm_required, code_format, disarm, name, trigger, "
            "unique_id, value_template",
        ),
        (
            "code_format: digits",
            "configuration.yaml:7:9: alarm_control_panel[0].panels.door.code_format: unknown "
            "code format 'digits'; valid: number, text, no_code",
        ),
        (
            "code_arm_required: maybe",
            "configuration.yaml:7:9: alarm_control_panel[0].panels.door.code_arm_required: "
            "expected a boolean (true or false)",
        ),
        (
            "name: [a, b]",
            "configuration.yaml:7:9: alarm_control_panel[0].panels.door.name: expected a "
            "template (a text)",
        ),
        (
            "value_template: '{{ oops'",
            "configuration.yaml:7:9: alarm_control_panel[0].panels.door.value_template:",
        ),
    ],
)
@_LOGS_ITS_ERRORS
async def test_a_bad_panel_option_is_an_error_at_its_line(
    tmp_path: Path, option: str, expected: str
) -> None:
    text = (
        "alarm_control_panel:\n  - platform: template\n    panels:\n      door:\n"
        f"        {option}\n"
    )
    errors, _ = await _report(tmp_path, text)
    assert len(errors) == 1
    assert errors[0].startswith(expected)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "value_template: docked\n",
            "configuration.yaml:6:7: vacuum[0].vacuums.robo: missing 'start'",
        ),
        (
            "start: []\n        icon_template: mdi:robot\n",
            "configuration.yaml:8:9: vacuum[0].vacuums.robo.icon_template: unknown key "
            "'icon_template'; valid: attribute_templates, availability_template, "
            "battery_level_template, clean_spot, entity_id, fan_speed_template, fan_speeds, "
            "friendly_name, locate, pause, return_to_base, set_fan_speed, start, stop, "
            "unique_id, value_template",
        ),
        (
            "start: []\n        attribute_templates: room\n",
            "configuration.yaml:8:9: vacuum[0].vacuums.robo.attribute_templates: expected a "
            "mapping of attribute name: template",
        ),
        (
            "start: []\n        attribute_templates:\n          room: '{{ oops'\n",
            "configuration.yaml:9:11: vacuum[0].vacuums.robo.attribute_templates.room:",
        ),
    ],
)
@_LOGS_ITS_ERRORS
async def test_a_bad_vacuum_option_is_an_error_at_its_line(
    tmp_path: Path, entry: str, expected: str
) -> None:
    text = f"vacuum:\n  - platform: template\n    vacuums:\n      robo:\n        {entry}"
    errors, _ = await _report(tmp_path, text)
    assert len(errors) == 1
    assert errors[0].startswith(expected)


@_LOGS_ITS_ERRORS
async def test_a_vacuum_needs_a_slug_as_object_id(tmp_path: Path) -> None:
    text = "vacuum:\n  - platform: template\n    vacuums:\n      Robo One:\n        start: []\n"
    errors, _ = await _report(tmp_path, text)
    assert errors == [
        "configuration.yaml:6:7: vacuum[0].vacuums: invalid object id 'Robo One' (try 'robo_one')"
    ]


PANELS = """\
input_text:
  said: {}
alarm_control_panel:
  - platform: template
    panels:
      door:
        arm_away: []
        disarm:
          service: input_text.set_value
          target: {entity_id: input_text.said}
          data: {value: "disarm {{ code }} from {{ this.state }}"}
      porch:
        arm_away: []
"""


async def _house(config_dir: Path) -> House:
    (config_dir / "configuration.yaml").write_text(CORE + PANELS, encoding="utf-8")
    clock = TestClock(datetime(2026, 6, 1, 18, 0, tzinfo=UTC))
    house = House(config_dir, clock=clock, adapters=False, persist=False)
    assert (await house.setup()).errors == []
    await house.start()
    return house


async def _command(house: House, entity_id: str, service: str, **data: str) -> None:
    await house.runtime.services.call(
        "alarm_control_panel", service, data, target={"entity_id": entity_id}
    )
    await house.runtime.idle()


def _state(house: House, entity_id: str) -> str:
    state = house.runtime.states.get(entity_id)
    assert state is not None
    return state.state


async def test_an_optimistic_panel_disarms_with_the_code_after_its_action(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    await _command(house, PANEL, "alarm_arm_away")
    await _command(house, PANEL, "alarm_disarm", code="1234")
    assert _state(house, "input_text.said") == "disarm 1234 from armed_away"
    assert _state(house, PANEL) == "disarmed"
    await house.stop()


async def test_disarming_a_panel_without_a_disarm_action_fails(tmp_path: Path) -> None:
    house = await _house(tmp_path)
    await _command(house, "alarm_control_panel.porch", "alarm_arm_away")
    # Home Assistant has no script to run: the call fails, and the state is not written.
    with pytest.raises(ServiceValidationError, match="has no 'disarm' action") as failed:
        await _command(house, "alarm_control_panel.porch", "alarm_disarm")
    assert failed.value.invalid_data  # not gone past by continue_on_error
    assert _state(house, "alarm_control_panel.porch") == "armed_away"
    await house.stop()
