"""Template covers', lights' and fans' configuration: what each problem names
(file:line, key, what is valid), and that these platforms are no longer warned about."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeloom.house import check_config

CORE = "homeassistant:\n  time_zone: Europe/Paris\n"


async def _report(tmp_path: Path, text: str) -> tuple[list[str], list[str]]:
    (tmp_path / "configuration.yaml").write_text(CORE + text, encoding="utf-8")
    report = await check_config(tmp_path)
    return [str(issue) for issue in report.errors], [str(issue) for issue in report.warnings]


async def test_template_covers_lights_and_fans_are_not_warned_about(tmp_path: Path) -> None:
    text = (
        "cover:\n  - platform: template\n    covers:\n      blind:\n"
        "        open_cover: []\n        close_cover: []\n"
        "light:\n  - platform: template\n    lights:\n      lamp:\n"
        "        turn_on: []\n        turn_off: []\n"
        "fan:\n  - platform: template\n    fans:\n      vent:\n"
        "        turn_on: []\n        turn_off: []\n"
    )
    assert await _report(tmp_path, text) == ([], [])


@pytest.mark.allow_error_logs
async def test_a_cover_needs_open_and_close_together_or_a_position_action(tmp_path: Path) -> None:
    text = (
        "cover:\n  - platform: template\n    covers:\n"
        "      half:\n        open_cover: []\n"
        "  - platform: template\n    covers:\n"
        "      none:\n        stop_cover: []\n"
    )
    errors, _ = await _report(tmp_path, text)
    assert errors == [
        "configuration.yaml:6:7: cover[0].covers.half: 'open_cover' and 'close_cover' go together",
        "configuration.yaml:10:7: cover[1].covers.none: needs 'open_cover' or 'set_cover_position'",
    ]


@pytest.mark.allow_error_logs
async def test_a_cover_names_its_unknown_device_class_and_keys(tmp_path: Path) -> None:
    text = (
        "cover:\n  - platform: template\n    covers:\n      door:\n"
        "        set_cover_position: []\n        device_class: trapdoor\n"
        "  - platform: template\n    covers:\n      gate:\n"
        "        set_cover_position: []\n        speed: 3\n"
    )
    errors, _ = await _report(tmp_path, text)
    assert errors[0].startswith(
        "configuration.yaml:8:9: cover[0].covers.door.device_class: unknown device class "
        "'trapdoor'; valid: awning, blind,"
    )
    assert errors[1].startswith(
        "configuration.yaml:13:9: cover[1].covers.gate.speed: unknown key 'speed'; valid: "
        "availability_template, close_cover, device_class,"
    )


@pytest.mark.allow_error_logs
async def test_a_light_refuses_part_of_the_effect_keys_and_both_colour_actions(
    tmp_path: Path,
) -> None:
    text = (
        "light:\n  - platform: template\n    lights:\n      fx:\n"
        "        turn_on: []\n        turn_off: []\n        set_effect: []\n"
        "  - platform: template\n    lights:\n      both:\n"
        "        turn_on: []\n        turn_off: []\n        set_color: []\n        set_hs: []\n"
        "  - platform: template\n    lights:\n      bare:\n        turn_on: []\n"
    )
    errors, _ = await _report(tmp_path, text)
    assert errors == [
        "configuration.yaml:9:9: light[0].lights.fx.set_effect: 'set_effect', "
        "'effect_list_template', 'effect_template' go together: 'effect_list_template', "
        "'effect_template' missing",
        "configuration.yaml:16:9: light[1].lights.both.set_hs: 'set_color' or 'set_hs', not both",
        "configuration.yaml:19:7: light[2].lights.bare: missing 'turn_off'",
    ]


@pytest.mark.allow_error_logs
async def test_a_fan_names_a_speed_count_that_is_no_number(tmp_path: Path) -> None:
    text = (
        "fan:\n  - platform: template\n    fans:\n      vent:\n"
        "        turn_on: []\n        turn_off: []\n        speed_count: many\n"
    )
    errors, _ = await _report(tmp_path, text)
    assert errors == [
        "configuration.yaml:9:9: fan[0].fans.vent.speed_count: expected a whole number"
    ]


async def test_other_cover_platforms_stay_not_provided(tmp_path: Path) -> None:
    text = "cover:\n  - platform: rflink\n    name: x\n"
    _, warnings = await _report(tmp_path, text)
    assert warnings == [
        "configuration.yaml:4:5: cover[0]: 'cover' platform 'rflink' is not provided by homeloom: "
        "it is "
        "ignored, and the entities it would make will not exist"
    ]
