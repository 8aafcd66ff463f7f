"""Workday sensors, read from Home Assistant's ``workday`` config entries: what goes
wrong, the defaults, the year's turn and the lazy import (_workday.py). What they show
and answer is checked by the cases in ``cases/corners_workday.yaml``."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.orchestrator import Runtime
from homeloom.scenarios._ha_config_entries import setup_config_entry_helpers
from tests.scenarios.config_files import numbered_entries, write_config_entries

GOOD = {
    "name": "Workday Sensor",
    "country": "FR",
    "language": "fr",
    "workdays": ["mon", "tue", "wed", "thu", "fri"],
    "excludes": ["sat", "sun", "holiday"],
    "days_offset": 0,
    "add_holidays": [],
    "remove_holidays": [],
    "province": None,
}


def _entries(folder: Path, *options: dict[str, Any]) -> Path:
    return write_config_entries(
        folder, *numbered_entries("Days", (("workday", o) for o in options))
    )


def _state(runtime: Runtime, entity_id: str = "binary_sensor.workday_sensor") -> str | None:
    state = runtime.states.get(entity_id)
    return None if state is None else state.state


@pytest.mark.parametrize(
    ("changed", "key", "words"),
    [
        ({"country": "XX"}, "country", "country 'XX' is not known; valid: AD, AE,"),
        ({"country": ["FR"]}, "country", "not known"),
        ({"province": "ZZ"}, "province", "not one of FR's; valid: BL, GES, GP"),
        ({"country": "IS", "province": "1"}, "province", "valid: none"),
        ({"workdays": ["monday"]}, "workdays[0]", "'monday' is not one of mon, tue"),
        ({"excludes": "sat"}, "excludes", "must be a list of texts, got 'sat'"),
        ({"add_holidays": ["24/12/2026"]}, "add_holidays[0]", "is not a date (YYYY-MM-DD)"),
        ({"add_holidays": ["2026-12-24,soon"]}, "add_holidays[0]", "or a range of two"),
        ({"remove_holidays": ["2026-12-24", "x,y"]}, "remove_holidays[1]", "'x,y' is not"),
        ({"days_offset": "tomorrow"}, "days_offset", "must be a whole number"),
        ({"days_offset": 11.0}, "days_offset", "must be from -10 to 10, got 11"),
        ({"language": ["fr"]}, "language", "'language' must be a text"),
    ],
)
def test_a_bad_entry_is_an_error_naming_file_entry_and_key_and_the_others_are_made(
    runtime: Runtime, tmp_path: Path, changed: dict[str, Any], key: str, words: str
) -> None:
    runtime.config_dir = tmp_path
    path = _entries(tmp_path, {**GOOD, **changed}, GOOD)
    errors, warnings = setup_config_entry_helpers(runtime)
    assert warnings == []
    assert len(errors) == 1, errors
    assert errors[0].file == str(path)
    assert errors[0].key == f"data.entries[0].options.{key}"
    assert errors[0].message.startswith("workday entry 'Days 0' (e0): ")
    assert words in errors[0].message
    assert _state(runtime, "binary_sensor.workday_sensor_2") is None
    assert _state(runtime) == "on"  # a Monday


def test_a_removal_matching_no_holiday_is_only_logged(
    runtime: Runtime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Home Assistant warns of it (a repair issue) and sets the sensor up all the same."""
    runtime.config_dir = tmp_path
    _entries(tmp_path, {**GOOD, "remove_holidays": ["2026-06-02", "Nowhere day"]})
    assert setup_config_entry_helpers(runtime) == ([], [])
    logged = [record.getMessage() for record in caplog.records]
    assert "workday entry e0: no holiday found matching 2026-06-02" in logged
    assert "workday entry e0: no holiday found matching Nowhere day" in logged
    assert runtime.states.get("binary_sensor.workday_sensor") is not None


def test_the_options_left_out_take_the_ui_defaults_and_the_title_names_it(
    runtime: Runtime, tmp_path: Path
) -> None:
    runtime.config_dir = tmp_path
    _entries(tmp_path, {"country": "FR"})
    assert setup_config_entry_helpers(runtime) == ([], [])
    made = runtime.states.get("binary_sensor.days_0")
    assert made is not None and made.state == "on"
    assert made.attributes == {
        "workdays": ["mon", "tue", "wed", "thu", "fri"],
        "excludes": ["sat", "sun", "holiday"],
        "days_offset": 0,
        "friendly_name": "Days 0",
    }


async def test_the_new_year_holiday_counts_though_the_sensor_began_the_year_before(
    runtime: Runtime, tmp_path: Path
) -> None:
    """The holidays of a year after the first are filled in when asked for."""
    runtime.clock.set(datetime(2026, 12, 31, 12, 0, tzinfo=UTC))  # a Thursday
    runtime.config_dir = tmp_path
    _entries(tmp_path, GOOD)
    assert setup_config_entry_helpers(runtime) == ([], [])
    assert _state(runtime) == "on"
    # The first 30-second poll from the setup after midnight (UTC here).
    await runtime.advance_to(datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC))
    assert _state(runtime) == "off"
    await runtime.advance_to(datetime(2027, 1, 2, 0, 0, 0, tzinfo=UTC))  # a Saturday
    await runtime.advance_to(datetime(2027, 1, 4, 0, 0, 0, tzinfo=UTC))  # a Monday
    assert _state(runtime) == "on"


def test_a_house_without_a_workday_entry_does_not_import_holidays() -> None:
    """The package is large: only houses with a workday sensor pay for its import."""
    code = (
        "import sys, homeloom.house, homeloom.scenarios._ha_config_entries; "
        "print('holidays' in sys.modules)"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "False"


def test_check_date_is_registered_once_for_two_sensors(runtime: Runtime, tmp_path: Path) -> None:
    runtime.config_dir = tmp_path
    _entries(tmp_path, GOOD, {**GOOD, "name": "Other"})
    assert setup_config_entry_helpers(runtime) == ([], [])
    assert runtime.services.has("workday", "check_date")
    assert runtime.states.get("binary_sensor.other") is not None
