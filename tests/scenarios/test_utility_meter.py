"""Utility meters: what Home Assistant 2024.3 refuses of the ``utility_meter:`` block
(each error with its file, line and key, and what is valid), and the cron patterns a
meter resets on. What the meters count is checked against Home Assistant by the cases
in ``cases/corners_utility_meter.yaml``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from homeloom.house import check_config
from homeloom.scenarios._provided import unsupported_keys
from homeloom.scenarios._utility_meter_cron import CronError, CronPattern
from tests.scenarios.config_files import config_errors

# check_config logs each configuration error it finds.
_LOGS_ITS_ERRORS = pytest.mark.allow_error_logs
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("option", "key", "words"),
    [
        ("cycle: fortnightly", "cycle", "not one of quarter-hourly, hourly, daily"),
        ("cycle: daily\n    cron: '0 7 * * *'", "cron", "use <cron> or <cycle>"),
        ("cron: '0 7 * * *'\n    offset: {hours: 1}", "offset", "<offset> has no meaning"),
        ("cycle: monthly\n    offset: {days: 28}", "offset", "28 days or more"),
        ("cycle: daily\n    offset: soon", "offset", "not a duration"),
        ("cron: '0 7 * *'", "cron", "expected five fields"),
        ("cron: '0 25 * * *'", "cron", "values must be 0 to 23"),
        ("cron: '0 7 * * MON'", "cron", "expected *, numbers, ranges"),
        ("tariffs: [day, day]", "tariffs", "tariffs must be unique"),
        ("net_consumption: maybe", "net_consumption", "expected a boolean"),
        ("period: daily", "period", "valid: always_available, cron, cycle"),
    ],
)
@_LOGS_ITS_ERRORS
async def test_a_bad_meter_option_is_an_error_at_its_line(
    tmp_path: Path, option: str, key: str, words: str
) -> None:
    block = f"utility_meter:\n  energy:\n    source: sensor.grid\n    {option}\n"
    [(line, found_key, message)] = await config_errors(tmp_path, block)
    assert found_key == f"utility_meter.energy.{key}"
    keys_by_line = [written.strip().split(":")[0] for written in option.splitlines()]
    assert line == 4 + keys_by_line.index(key)
    assert words in message


@_LOGS_ITS_ERRORS
async def test_a_meter_without_a_source_or_with_a_bad_key_is_an_error(tmp_path: Path) -> None:
    block = "utility_meter:\n  energy:\n    cycle: daily\n  Hot Water:\n    source: sensor.w\n"
    errors = await config_errors(tmp_path, block)
    assert [(line, key) for line, key, _ in errors] == [
        (2, "utility_meter.energy.source"),
        (4, "utility_meter.Hot Water"),
    ]
    assert "such as sensor.energy" in errors[0][2]
    assert "such as 'hot_water'" in errors[1][2]


@_LOGS_ITS_ERRORS
async def test_a_bad_meter_leaves_the_others_and_is_no_longer_warned_about(
    tmp_path: Path,
) -> None:
    block = "utility_meter:\n  good:\n    source: sensor.a\n  bad: 3\n"
    [(line, key, message)] = await config_errors(tmp_path, block)
    assert (line, key) == (4, "utility_meter.bad")
    assert "expected a mapping" in message
    assert not unsupported_keys({"utility_meter": {"good": {"source": "sensor.a"}}})


@pytest.mark.parametrize(
    ("pattern", "now", "expected"),
    [
        ("5/15 * * * *", "2026-06-01T20:05:00", "2026-06-01T20:20:00"),
        ("0 0 * * 1", "2026-06-01T20:00:00", "2026-06-08T00:00:00"),  # Monday to Monday
        ("0 0 * * 7", "2026-06-01T20:00:00", "2026-06-07T00:00:00"),  # 7 is Sunday
        ("0 0 1 */3 *", "2026-06-01T20:00:00", "2026-07-01T00:00:00"),
        ("0 0 1 1/12 *", "2026-06-01T20:00:00", "2027-01-01T00:00:00"),
        # both day fields restricted: either one matches
        ("0 12 15 * 5", "2026-06-01T20:00:00", "2026-06-05T12:00:00"),
        ("0 12 */10 * *", "2026-06-01T20:00:00", "2026-06-11T12:00:00"),
        ("30 2 29 2 *", "2026-06-01T20:00:00", "2028-02-29T02:30:00"),
        # the night clocks go forward, a wall-clock time is kept
        ("0 4 * * *", "2026-03-29T01:00:00", "2026-03-29T04:00:00"),
    ],
)
def test_the_next_reset_of_a_cron_pattern(pattern: str, now: str, expected: str) -> None:
    moment = datetime.fromisoformat(now).replace(tzinfo=PARIS)
    found = CronPattern.parse(pattern).next_after(moment)
    assert found == datetime.fromisoformat(expected).replace(tzinfo=PARIS)


def test_a_pattern_no_day_matches_has_no_next_reset() -> None:
    moment = datetime(2026, 6, 1, tzinfo=PARIS)
    assert CronPattern.parse("0 0 31 4 *").next_after(moment) is None


@pytest.mark.parametrize("pattern", ["@daily", "0 0 L * *", "0 0 * * 1#2", "*/0 * * * *"])
def test_what_homeloom_does_not_read_of_cron_is_refused(pattern: str) -> None:
    with pytest.raises(CronError):
        CronPattern.parse(pattern)


@_LOGS_ITS_ERRORS
async def test_a_bad_meter_made_in_the_ui_is_an_error_naming_its_entry_and_option(
    tmp_path: Path,
) -> None:
    storage = tmp_path / ".storage"
    storage.mkdir()
    entry = {
        "entry_id": "01hq00000000000000000000b1",
        "domain": "utility_meter",
        "title": "Heat pump",
        "options": {"source": "sensor.heat", "cycle": "fortnightly", "offset": 0, "tariffs": []},
    }
    envelope = {"version": 1, "minor_version": 1, "key": "core.config_entries"}
    (storage / "core.config_entries").write_text(
        json.dumps({**envelope, "data": {"entries": [entry]}}), encoding="utf-8"
    )
    (tmp_path / "configuration.yaml").write_text("homeassistant: {}\n", encoding="utf-8")
    report = await check_config(tmp_path)
    [issue] = report.errors
    assert issue.file == str(storage / "core.config_entries")
    assert issue.key == "data.entries[0].options.cycle"
    assert "'Heat pump'" in issue.message
    assert "not one of quarter-hourly" in issue.message
