"""Template entities and the warning for top-level keys homeloom does not provide."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeloom.house import House, check_config
from homeloom.orchestrator import TestClock

CORE = "homeassistant:\n  time_zone: Europe/Paris\n"


async def _check(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "configuration.yaml").write_text(CORE + text, encoding="utf-8")
    report = await check_config(tmp_path)
    assert report.ok, report.errors
    return [str(issue) for issue in report.warnings]


async def test_an_unsupported_key_is_a_warning_naming_its_place(tmp_path: Path) -> None:
    warnings = await _check(tmp_path, "water_heater:\n  - platform: generic\nrflink:\n  port: x\n")
    assert warnings == [
        "configuration.yaml:3:1: water_heater: 'water_heater' is not provided by homeloom: it is "
        "ignored, "
        "and the entities and services it would make will not exist",
        "configuration.yaml:5:1: rflink: 'rflink' is not provided by homeloom: it is ignored, "
        "and the entities and services it would make will not exist",
    ]


async def test_provided_quiet_and_labelled_keys_are_accepted_silently(tmp_path: Path) -> None:
    text = (
        "default_config:\nlogger:\n  default: info\nrecorder:\nsun:\n"
        "template:\n  - sensor:\n      - name: A\n        state: '1'\n"
        "automation manual: []\ninput_boolean:\n  guest:\n"
    )
    assert await _check(tmp_path, text) == []


async def test_a_package_key_is_checked_too(tmp_path: Path) -> None:
    text = "  packages:\n    extra:\n      camera:\n        - platform: generic\n"
    warnings = await _check(tmp_path, text)
    assert len(warnings) == 1
    assert "'camera' is not provided by homeloom" in warnings[0]


@pytest.mark.allow_error_logs
async def test_an_unknown_template_key_is_an_error_and_an_image_is_not(tmp_path: Path) -> None:
    text = (
        "template:\n  - image:\n      - name: N\n        url: http://camera/still\n  - camera: []\n"
    )
    (tmp_path / "configuration.yaml").write_text(CORE + text, encoding="utf-8")
    report = await check_config(tmp_path)
    errors = [str(issue) for issue in report.errors]
    assert len(errors) == 1
    assert errors[0].startswith("configuration.yaml:7:5: template[1].camera: unknown key 'camera'")


@pytest.mark.allow_error_logs  # the refused value is logged, as Home Assistant does
async def test_a_sensor_exists_after_setup_and_follows_its_source(tmp_path: Path) -> None:
    text = (
        "template:\n  - sensor:\n      - name: Feels like\n"
        "        state: \"{{ states('sensor.t') | float(0) * 2 }}\"\n"
        "        unit_of_measurement: °C\n"
        "      - name: Raw\n        state: \"{{ states('sensor.t') }}\"\n"
        "        state_class: measurement\n"
    )
    (tmp_path / "configuration.yaml").write_text(CORE + text, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(), persist=False, adapters=False)
    report = await house.setup(before_scenarios=lambda rt: rt.states.set("sensor.t", "10"))
    assert report.ok, report.errors
    states = house.runtime.states
    feels = states.get("sensor.feels_like")
    assert feels is not None
    assert (feels.state, feels.attributes["unit_of_measurement"]) == ("20.0", "°C")
    states.set("sensor.t", "11.5")
    feels = states.get("sensor.feels_like")
    assert feels is not None and feels.state == "23.0"
    # A non-numeric value where a number is expected is refused: the last state stays.
    states.set("sensor.t", "hot")
    raw = states.get("sensor.raw")
    assert raw is not None and raw.state == "11.5"
    await house.stop()


async def test_renders_for_its_own_change_stop_after_one_per_template(tmp_path: Path) -> None:
    # As Home Assistant: a sensor reading itself renders again for its own change only
    # as many times as it has templates (alike texts counted once), then logs a loop.
    text = (
        "template:\n  - sensor:\n"
        '      - name: Alone\n        state: "{{ this.state | int(0) + 1 }}"\n'
        '      - name: With attribute\n        state: "{{ this.state | int(0) + 1 }}"\n'
        '        attributes:\n          was: "{{ this.state }}"\n'
        '          also: "{{ this.state }}"\n'
    )
    (tmp_path / "configuration.yaml").write_text(CORE + text, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(), persist=False, adapters=False)
    report = await house.setup()
    assert report.ok, report.errors
    states = house.runtime.states
    alone, with_attribute = states.get("sensor.alone"), states.get("sensor.with_attribute")
    assert alone is not None and alone.state == "2"
    assert with_attribute is not None and with_attribute.state == "3"
    await house.stop()
