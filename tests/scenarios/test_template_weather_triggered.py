"""Template weathers, trigger-based template numbers and selects, and template images:
the problems their configuration reports (file:line, key, what is valid), and what a
house with them sets up."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeloom.house import House, check_config
from homeloom.orchestrator import TestClock

CORE = "homeassistant:\n  time_zone: Europe/Paris\n"
WEATHER = (
    "weather:\n  - platform: template\n    name: Home\n"
    "    condition_template: sunny\n    temperature_template: '{{ 20 }}'\n"
    "    humidity_template: '{{ 50 }}'\n"
)


async def _errors(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "configuration.yaml").write_text(CORE + text, encoding="utf-8")
    return [str(issue) for issue in (await check_config(tmp_path)).errors]


@pytest.mark.allow_error_logs
async def test_a_weather_item_names_its_unknown_key_missing_key_and_bad_unit(
    tmp_path: Path,
) -> None:
    text = (
        "weather:\n  - platform: template\n    name: Home\n"
        "    condition_template: sunny\n    temperature_template: '{{ 20 }}'\n"
        "    temperature_unit: C\n    colour_template: grey\n"
    )
    errors = await _errors(tmp_path, text)
    assert errors[0].startswith(
        "configuration.yaml:9:5: weather[0].colour_template: unknown key 'colour_template'; "
        "valid: apparent_temperature_template, attribution_template, cloud_coverage_template,"
    )
    assert errors[1:] == [
        "configuration.yaml:4:5: weather[0]: missing 'humidity_template'",
        "configuration.yaml:8:5: weather[0].temperature_unit: 'C' is not a unit of this "
        "kind; valid: °C, °F, K",
    ]


@pytest.mark.allow_error_logs
async def test_a_weather_in_a_template_block_needs_a_trigger(tmp_path: Path) -> None:
    text = (
        "template:\n  - weather:\n      - name: Home\n        condition_template: sunny\n"
        "        temperature_template: '{{ 20 }}'\n        humidity_template: '{{ 50 }}'\n"
    )
    assert await _errors(tmp_path, text) == [
        "configuration.yaml:4:5: template[0].weather: a template 'weather' needs a 'trigger' "
        "in its block: Home Assistant 2024.3 fails to set up a state-based one here; use a "
        "'weather:' item with 'platform: template'"
    ]


@pytest.mark.allow_error_logs
async def test_a_button_in_a_trigger_block_is_reported_and_the_rest_made(tmp_path: Path) -> None:
    text = (
        "template:\n  - trigger: {platform: event, event_type: go}\n"
        "    button: [{name: Ring, press: []}]\n"
        "    number: [{name: Level, state: '{{ 1 }}', step: 1, set_value: []}]\n"
    )
    (tmp_path / "configuration.yaml").write_text(CORE + text, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(), persist=False, adapters=False)
    report = await house.setup()
    assert [str(issue) for issue in report.errors] == [
        "configuration.yaml:5:5: template[0].button: a template 'button' cannot be "
        "trigger-based (Home Assistant 2024.3 refuses it): it is not made; move it to a "
        "template: block without 'trigger'"
    ]
    assert house.runtime.states.get("button.ring") is None
    level = house.runtime.states.get("number.level")
    assert level is not None and level.state == "unknown"
    await house.stop()


@pytest.mark.allow_error_logs
async def test_a_trigger_based_number_names_its_missing_and_unknown_keys(tmp_path: Path) -> None:
    text = (
        "template:\n  - trigger: {platform: event, event_type: go}\n"
        "    number:\n      - state: '{{ 1 }}'\n        colour: red\n"
    )
    assert await _errors(tmp_path, text) == [
        "configuration.yaml:7:9: template[0].number[0].colour: unknown key 'colour'; valid: "
        "availability, icon, max, min, name, optimistic, set_value, state, step, unique_id",
        "configuration.yaml:6:9: template[0].number[0]: missing 'set_value'",
        "configuration.yaml:6:9: template[0].number[0]: missing 'step'",
    ]


@pytest.mark.allow_error_logs
async def test_an_image_names_its_missing_url_and_bad_verify_ssl(tmp_path: Path) -> None:
    text = "template:\n  - image:\n      - name: Cam\n        verify_ssl: maybe\n"
    assert await _errors(tmp_path, text) == [
        "configuration.yaml:5:9: template[0].image[0]: missing 'url'",
        "configuration.yaml:6:9: template[0].image[0].verify_ssl: expected a boolean "
        "(true or false)",
    ]


@pytest.mark.parametrize(
    ("unit_system", "expected"),
    [
        ("metric", (20.0, "°C", "hPa", "km/h", "km", "mm")),
        ("us_customary", (20, "°F", "inHg", "mph", "mi", "in")),
    ],
)
async def test_a_weather_shows_its_values_in_the_house_units(
    tmp_path: Path, unit_system: str, expected: tuple[object, ...]
) -> None:
    core = CORE + f"  unit_system: {unit_system}\n"
    (tmp_path / "configuration.yaml").write_text(core + WEATHER, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(), persist=False, adapters=False)
    report = await house.setup()
    assert report.ok, report.errors
    state = house.runtime.states.get("weather.home")
    assert state is not None and state.state == "sunny"
    keys = (
        "temperature",
        "temperature_unit",
        "pressure_unit",
        "wind_speed_unit",
        "visibility_unit",
        "precipitation_unit",
    )
    assert tuple(state.attributes[key] for key in keys) == expected
    await house.stop()
