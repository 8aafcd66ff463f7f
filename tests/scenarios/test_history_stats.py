"""History stats sensors (_history_stats.py): what Home Assistant 2024.3 refuses of
their configuration, reported where it is written, and their start from homeloom's
database after a restart. What they compute is checked against Home Assistant by the
cases in ``cases/corners_history_stats.yaml``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import TestClock
from homeloom.scenarios._provided import unsupported_keys

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)  # 20:00 in Paris
HEADER = "homeloom:\n  time_zone: Europe/Paris\nsensor:\n"
ITEM = (
    "  - platform: history_stats\n    name: Made\n    entity_id: switch.heater\n"
    '    state: "on"\n    start: "{{ today_at(\'00:00\') }}"\n    end: "{{ now() }}"\n'
)


async def _house(config_dir: Path, body: str, when: datetime, *, persist: bool = False) -> House:
    (config_dir / "configuration.yaml").write_text(HEADER + body, encoding="utf-8")
    house = House(config_dir, clock=TestClock(when), adapters=False, persist=persist)
    await house.setup()
    await house.start()
    return house


def _value(house: House) -> str:
    state = house.runtime.states.get("sensor.made")
    assert state is not None
    return state.state


async def test_a_good_item_makes_its_sensor(tmp_path: Path) -> None:
    house = await _house(tmp_path, ITEM, START)
    try:
        assert house.report.errors == []
        state = house.runtime.states.get("sensor.made")
        assert state is not None and state.state == "0.0"
        assert state.attributes["unit_of_measurement"] == "h"
    finally:
        await house.stop()


@pytest.mark.allow_error_logs
@pytest.mark.parametrize(
    ("body", "line", "key", "words"),
    [
        (ITEM + "    duration: 60\n", 4, "sensor[0]", "exactly 2 of the following"),
        (ITEM.replace('    end: "{{ now() }}"\n', ""), 4, "sensor[0]", "exactly 2 of"),
        (ITEM.replace('    state: "on"\n', ""), 4, "sensor[0].state", "'state' is required"),
        (ITEM.replace('"on"', "{on: 1}"), 7, "sensor[0].state", "must be a text"),
        (ITEM + "    type: hours\n", 10, "sensor[0].type", "one of time, ratio, count"),
        (ITEM.replace("now() }}", "now( }}"), 9, "sensor[0].end", "invalid template"),
        (ITEM.replace("switch.heater", "heater"), 6, "sensor[0].entity_id", "not an entity id"),
        (ITEM + "    precision: 2\n", 10, "sensor[0].precision", "unknown key"),
        (
            ITEM.replace('    end: "{{ now() }}"\n', "    duration: soon\n"),
            9,
            "sensor[0].duration",
            "soon",
        ),
    ],
)
async def test_a_bad_item_is_reported_at_its_line_and_makes_nothing(
    tmp_path: Path, body: str, line: int, key: str, words: str
) -> None:
    house = await _house(tmp_path, body, START)
    try:
        [issue] = house.report.errors
        assert issue.file is not None and issue.file.endswith("configuration.yaml")
        assert (issue.line, issue.key) == (line, key), issue
        assert words in issue.message
        assert house.runtime.states.get("sensor.made") is None
    finally:
        await house.stop()


def test_the_platform_is_not_named_as_not_provided() -> None:
    items: list[Any] = [{"platform": "history_stats"}, {"platform": "scrape"}]
    [warning] = unsupported_keys({"sensor": items})
    assert "'scrape'" in warning.message


async def _heat_for_half_an_hour(config_dir: Path, *, persist: bool) -> None:
    """A first run of the house: the heater off at 20:00, on from 20:10 to 20:40."""
    house = await _house(config_dir, ITEM, START, persist=persist)
    house.runtime.states.set("switch.heater", "off")
    await house.runtime.advance(600)
    house.runtime.states.set("switch.heater", "on")
    await house.runtime.advance(1800)
    house.runtime.states.set("switch.heater", "off")
    await house.runtime.advance(60)
    assert _value(house) == "0.5"
    await house.stop()


async def test_after_a_restart_the_time_before_it_is_read_from_the_database(
    tmp_path: Path,
) -> None:
    await _heat_for_half_an_hour(tmp_path, persist=True)
    again = await _house(tmp_path, ITEM, START + timedelta(hours=1), persist=True)
    try:
        assert _value(again) == "0.5"
        again.runtime.states.set("switch.heater", "on")
        await again.runtime.advance(900)
        assert _value(again) == "0.75"  # the quarter hour since, counted at each minute
    finally:
        await again.stop()


async def test_without_a_database_a_restart_starts_with_no_history(tmp_path: Path) -> None:
    await _heat_for_half_an_hour(tmp_path, persist=False)
    again = await _house(tmp_path, ITEM, START + timedelta(hours=1))
    try:
        assert _value(again) == "0.0"
    finally:
        await again.stop()


ROLLING = (
    "  - platform: history_stats\n    name: Made\n    entity_id: switch.heater\n"
    '    state: "on"\n    end: "{{ now() }}"\n'
    "    start: \"{{ now() - timedelta(minutes=states('sensor.window') | int(30)) }}\"\n"
)


async def test_a_start_moved_back_reads_the_rows_dropped_from_memory_again(
    tmp_path: Path,
) -> None:
    house = await _house(tmp_path, ROLLING, START, persist=True)
    try:
        # On 20:10-20:20 and 20:25-20:30, then from 21:00: the half-hour window has
        # moved past the first two by then, and their rows have left memory.
        for offset, state in ((0, "off"), (600, "on"), (1200, "off"), (1500, "on")):
            await house.runtime.advance(offset - _elapsed(house))
            house.runtime.states.set("switch.heater", state)
        await house.runtime.advance(1800 - _elapsed(house))
        house.runtime.states.set("switch.heater", "off")
        await house.runtime.advance(3600 - _elapsed(house))
        house.runtime.states.set("switch.heater", "on")
        house.runtime.states.set("sensor.window", "120")
        await house.runtime.advance(60)  # the next minute's update: the start is 19:01
        # 10 + 5 + 1 minutes on, as the database tells, not 20:30 back to 19:01 on.
        assert _value(house) == "0.27"
    finally:
        await house.stop()


def _elapsed(house: House) -> float:
    return (house.runtime.now() - START).total_seconds()
