"""Generic thermostats and hygrostats: what Home Assistant 2024.3 refuses of their
items (each error with its file, line and key, and what is valid), and what they keep
across a restart of the house. How they switch their heater or humidifier is checked
against Home Assistant by ``cases/corners_generic_thermostat.yaml`` and
``cases/corners_generic_hygrostat.yaml``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House
from homeloom.orchestrator import TestClock
from homeloom.scenarios._generic_hygrostat import DOMAIN
from homeloom.scenarios._provided import unsupported_keys
from tests.scenarios.config_files import config_errors

# check_config logs each configuration error it finds.
_LOGS_ITS_ERRORS = pytest.mark.allow_error_logs
START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
ITEM = """\
climate:
  - platform: generic_thermostat
    name: Study
    heater: input_boolean.heater
    target_sensor: sensor.study_temp
"""


@pytest.mark.parametrize(
    ("option", "key", "words"),
    [
        ("initial_hvac_mode: auto", "initial_hvac_mode", "one of cool, heat, off"),
        ("precision: 0.25", "precision", "one of 0.1, 0.5, 1.0"),
        ("target_temp_step: 2", "target_temp_step", "one of 0.1, 0.5, 1.0"),
        ("ac_mode: maybe", "ac_mode", "expected a boolean"),
        ("min_temp: cold", "min_temp", "must be a number"),
        ("eco_temp: [17]", "eco_temp", "must be a number"),
        ("keep_alive: soon", "keep_alive", "not a duration"),
        ("min_cycle_duration: -10", "min_cycle_duration", "must not be negative"),
        ("target_temperature: 20", "target_temperature", "valid: ac_mode, activity_temp"),
    ],
)
@_LOGS_ITS_ERRORS
async def test_a_bad_option_is_an_error_at_its_line(
    tmp_path: Path, option: str, key: str, words: str
) -> None:
    [(line, found_key, message)] = await config_errors(tmp_path, f"{ITEM}    {option}\n")
    assert (line, found_key) == (6, f"climate[0].{key}")
    assert words in message


@_LOGS_ITS_ERRORS
async def test_a_missing_or_bad_entity_is_an_error_and_the_others_stay(tmp_path: Path) -> None:
    text = (
        "climate:\n"
        "  - platform: generic_thermostat\n"
        "    target_sensor: sensor.t\n"
        "  - platform: generic_thermostat\n"
        "    heater: a heater\n"
        "    target_sensor: sensor.t\n"
        "  - platform: generic_thermostat\n"
        "    heater: switch.h\n"
        "    target_sensor: sensor.t\n"
    )
    errors = await config_errors(tmp_path, text)
    assert [(line, key) for line, key, _ in errors] == [
        (2, "climate[0].heater"),
        (5, "climate[1].heater"),
    ]
    assert "'heater' missing" in errors[0][2]
    assert "is not an entity id" in errors[1][2]


def test_the_platform_is_no_longer_warned_about() -> None:
    item = {"platform": "generic_thermostat", "heater": "switch.h", "target_sensor": "sensor.t"}
    assert not unsupported_keys({"climate": [item]})


async def _house(config_dir: Path, clock: TestClock) -> House:
    house = House(config_dir, clock=clock, adapters=False)
    assert (await house.setup()).errors == []
    await house.start()
    return house


async def test_mode_target_and_preset_survive_a_restart(tmp_path: Path) -> None:
    text = f"homeloom:\n  time_zone: Europe/Paris\ninput_boolean:\n  heater: {{}}\n{ITEM}"
    text += "    target_temp: 20\n    away_temp: 16\n  - platform: generic_thermostat\n"
    text += "    name: Hall\n    heater: input_boolean.heater\n    target_sensor: sensor.t\n"
    (tmp_path / "configuration.yaml").write_text(text, encoding="utf-8")
    clock = TestClock(START)
    house = await _house(tmp_path, clock)
    call = house.runtime.services.call
    study, hall = {"entity_id": "climate.study"}, {"entity_id": "climate.hall"}
    await call("climate", "set_hvac_mode", {"hvac_mode": "heat"}, target=study)
    await call("climate", "set_preset_mode", {"preset_mode": "away"}, target=study)
    await call("climate", "set_temperature", {"temperature": 22.5}, target=hall)
    await house.runtime.idle()
    await house.stop()

    again = await _house(tmp_path, clock)
    study_state = again.runtime.states.get("climate.study")
    hall_state = again.runtime.states.get("climate.hall")
    assert study_state is not None and hall_state is not None
    # The target written in the configuration beats the saved one; the preset comes back.
    assert (study_state.state, study_state.attributes["temperature"]) == ("heat", 20.0)
    assert study_state.attributes["preset_mode"] == "away"
    assert (hall_state.state, hall_state.attributes["temperature"]) == ("off", 22.5)
    # ``none`` goes back to the configured target, not to the preset's.
    await again.runtime.services.call(
        "climate", "set_preset_mode", {"preset_mode": "none"}, target=study
    )
    study_state = again.runtime.states.get("climate.study")
    assert study_state is not None and study_state.attributes["temperature"] == 20.0
    await again.stop()


HYGROSTAT = """\
generic_hygrostat:
  - name: Bedroom
    humidifier: input_boolean.humidifier
    target_sensor: sensor.h
"""


@pytest.mark.parametrize(
    ("option", "key", "words"),
    [
        ("device_class: dryer", "device_class", "one of humidifier, dehumidifier"),
        ("target_humidity: '45.5'", "target_humidity", "must be a whole number"),
        ("initial_state: maybe", "initial_state", "expected a boolean"),
        ("sensor_stale_duration: -5", "sensor_stale_duration", "must not be negative"),
        ("keep_alive: 0.5", "keep_alive", "at least a second"),
        ("heater: switch.h", "heater", "valid: away_fixed, away_humidity"),
    ],
)
@_LOGS_ITS_ERRORS
async def test_a_bad_hygrostat_option_is_an_error_at_its_line(
    tmp_path: Path, option: str, key: str, words: str
) -> None:
    [(line, found_key, message)] = await config_errors(tmp_path, f"{HYGROSTAT}    {option}\n")
    assert (line, found_key) == (5, f"generic_hygrostat[0].{key}")
    assert words in message


@_LOGS_ITS_ERRORS
async def test_a_hygrostat_platform_item_is_read_too(tmp_path: Path) -> None:
    text = "humidifier:\n  - platform: generic_hygrostat\n    target_sensor: sensor.h\n"
    [(line, key, message)] = await config_errors(tmp_path, text)
    assert (line, key) == (2, "humidifier[0].humidifier")
    assert "'humidifier' missing" in message
    assert not unsupported_keys({"generic_hygrostat": [], "humidifier": [{"platform": DOMAIN}]})


async def test_a_hygrostat_keeps_its_state_and_target_across_a_restart(tmp_path: Path) -> None:
    text = f"homeloom:\n  time_zone: Europe/Paris\ninput_boolean:\n  humidifier: {{}}\n{HYGROSTAT}"
    (tmp_path / "configuration.yaml").write_text(text, encoding="utf-8")
    clock = TestClock(START)
    house = await _house(tmp_path, clock)
    house.runtime.states.set("sensor.h", "40")
    bedroom = {"entity_id": "humidifier.bedroom"}
    await house.runtime.services.call("humidifier", "turn_on", target=bedroom)
    await house.runtime.services.call(
        "humidifier", "set_humidity", {"humidity": 45}, target=bedroom
    )
    await house.runtime.idle()
    await house.stop()

    again = await _house(tmp_path, clock)
    state = again.runtime.states.get("humidifier.bedroom")
    # The sensor's saved state is read again too: on, at the target set.
    assert state is not None
    assert (state.state, state.attributes["humidity"]) == ("on", 45)
    await again.stop()
