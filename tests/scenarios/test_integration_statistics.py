"""Integration (Riemann sum) and statistics sensors: what Home Assistant 2024.3 refuses
of their configuration, reported where it is written (_integration.py,
_statistics.py). What they compute is checked against Home Assistant by the cases in
``cases/corners_integration_statistics.yaml``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import Runtime, TestClock
from homeloom.scenarios._ha_config_entries import setup_config_entry_helpers
from homeloom.scenarios._provided import unsupported_keys
from tests.scenarios.config_files import numbered_entries, write_config_entries

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
HEADER = "homeloom:\n  time_zone: Europe/Paris\nsensor:\n"
INTEGRATION = "  - platform: integration\n    name: Made\n    source: sensor.power\n"
STATISTICS = (
    "  - platform: statistics\n    name: Made\n    entity_id: sensor.power\n"
    "    state_characteristic: mean\n    sampling_size: 5\n"
)


async def _house(config_dir: Path, body: str) -> House:
    (config_dir / "configuration.yaml").write_text(HEADER + body, encoding="utf-8")
    house = House(config_dir, clock=TestClock(START), adapters=False)
    await house.setup()
    await house.start()
    return house


@pytest.mark.parametrize("item", [INTEGRATION, STATISTICS])
async def test_a_good_item_makes_its_sensor(tmp_path: Path, item: str) -> None:
    house = await _house(tmp_path, item)
    try:
        assert house.report.errors == []
        state = house.runtime.states.get("sensor.made")
        assert state is not None
        # An integral is unknown until its first area; statistics unavailable until a sample.
        assert state.state == ("unknown" if "integration" in item else "unavailable")
    finally:
        await house.stop()


@pytest.mark.allow_error_logs
@pytest.mark.parametrize(
    ("body", "line", "key", "words"),
    [
        (INTEGRATION + "    unit: kWh\n", 7, "sensor[0].unit", "'unit' option has been removed"),
        (INTEGRATION + "    method: simpson\n", 7, "sensor[0].method", "trapezoidal, left, right"),
        (INTEGRATION + "    unit_prefix: m\n", 7, "sensor[0].unit_prefix", "one of k, M, G, T"),
        (INTEGRATION + "    unit_time: hours\n", 7, "sensor[0].unit_time", "one of s, min, h, d"),
        (INTEGRATION + "    round: two\n", 7, "sensor[0].round", "a whole number"),
        (
            INTEGRATION + "    max_sub_interval: 60\n",
            7,
            "sensor[0].max_sub_interval",
            "unknown key",
        ),
        (INTEGRATION.replace("sensor.power", "power"), 6, "sensor[0].source", "not an entity id"),
        (
            STATISTICS.replace("mean", "count_on"),
            7,
            "sensor[0].state_characteristic",
            "'count_on' is not supported for a sensor source",
        ),
        (
            STATISTICS.replace("sensor.power", "binary_sensor.door").replace("mean", "sum"),
            7,
            "sensor[0].state_characteristic",
            "valid: average_step, average_timeless, count, count_off",
        ),
        (STATISTICS.replace("5", "0"), 8, "sensor[0].sampling_size", "at least 1"),
        (STATISTICS + "    percentile: 100\n", 9, "sensor[0].percentile", "from 1 to 99"),
        (STATISTICS + "    max_age: soon\n", 9, "sensor[0].max_age", "soon"),
        (STATISTICS + "    keep_last_sample: true\n", 9, "sensor[0].keep_last_sample", "needs"),
        (STATISTICS.replace("    sampling_size: 5\n", ""), 4, "sensor[0]", "'max_age' and/or"),
    ],
)
async def test_a_bad_item_is_reported_at_its_line_and_makes_nothing(
    tmp_path: Path, body: str, line: int, key: str, words: str
) -> None:
    house = await _house(tmp_path, body)
    try:
        [issue] = house.report.errors
        assert issue.file is not None and issue.file.endswith("configuration.yaml")
        assert (issue.line, issue.key) == (line, key)
        assert words in issue.message
        assert house.runtime.states.get("sensor.made") is None
    finally:
        await house.stop()


def test_the_platforms_are_not_named_as_not_provided() -> None:
    items: list[Any] = [{"platform": "integration"}, {"platform": "statistics"}]
    [warning] = unsupported_keys({"sensor": [*items, {"platform": "scrape"}]})
    assert "'scrape'" in warning.message


def test_bad_integral_entries_are_errors_and_the_good_ones_are_made(
    runtime: Runtime, tmp_path: Path
) -> None:
    runtime.config_dir = tmp_path
    good = {"source": "sensor.a", "method": "left", "round": 2.0, "unit_time": "h"}
    entries = [
        {k: v for k, v in good.items() if k != "method"},
        {**good, "unit_prefix": "m"},
        {**good, "source": "no such registry id"},
        {**good, "unit_prefix": "none"},
        {**good, "method": "simpson"},  # not checked by Home Assistant: it adds nothing
    ]
    write_config_entries(
        tmp_path, *numbered_entries("Helper", (("integration", o) for o in entries))
    )
    errors, warnings = setup_config_entry_helpers(runtime)
    assert warnings == []
    assert [issue.key for issue in errors] == [
        "data.entries[0].options.method",
        "data.entries[1].options.unit_prefix",
        "data.entries[2].options.source",
    ]
    made = [runtime.states.get(f"sensor.helper_{n}") is not None for n in range(5)]
    assert made == [False, False, False, True, True]
