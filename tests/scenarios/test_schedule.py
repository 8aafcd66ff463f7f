"""The ``schedule`` helper: its configuration errors, its clock and ``schedule.reload``.

Its states and switching are checked against Home Assistant in
``cases/corners_schedule.yaml``; here are what those cases cannot show: where a bad
block is reported, and reloading (the oracle keeps ``reload`` a stub).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House
from homeloom.orchestrator import TestClock

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)  # Monday 20:00 in Paris
HEADER = "homeloom:\n  time_zone: Europe/Paris\nschedule:\n  heat:\n    name: Heating\n"


async def _house(config_dir: Path, body: str) -> House:
    (config_dir / "configuration.yaml").write_text(HEADER + body, encoding="utf-8")
    house = House(config_dir, clock=TestClock(START), adapters=False)
    await house.setup()
    await house.start()
    return house


@pytest.mark.allow_error_logs
@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        (
            '    monday:\n      - {from: "19:00", to: "21:00"}\n'
            '      - {from: "20:30", to: "22:00"}\n',
            "schedule.heat.monday",
            "the blocks 19:00:00-21:00:00 and 20:30:00-22:00:00 overlap",
        ),
        (
            '    monday: [{from: "21:00", to: "20:00"}]\n',
            "schedule.heat.monday",
            "'to' must be later than 'from' (24:00 for midnight)",
        ),
        (
            '    tuesday: [{from: "24:00", to: "24:00"}]\n',
            "schedule.heat.tuesday",
            '\'24:00\' is not a time as "HH:MM" or "HH:MM:SS"',
        ),
        (
            '    monday: [{from: "7h", to: "24:00"}]\n',
            "schedule.heat.monday",
            "'7h' is not a time",
        ),
        (
            '    monday: [{from: "07:00", to: "25:00"}]\n',
            "schedule.heat.monday",
            "or 24:00",
        ),
        (
            '    monday: [{from: "07:00", to: "08:00", data: {level: 1}}]\n',
            "schedule.heat.monday",
            "a block takes only 'from' and 'to', not data",
        ),
        (
            '    monday: [{from: "07:00"}]\n',
            "schedule.heat.monday",
            "'to' is missing",
        ),
        (
            "    monday: [{from: 20:30, to: 08:00:00}]\n",
            "schedule.heat.monday",
            "1230 is not a time",
        ),
        (
            "    monday: [{from: [7], to: 08:00:00}]\n",
            "schedule.heat.monday",
            "[7] is not a time",
        ),
        (
            "    fridays: []\n",
            "schedule.heat.fridays",
            "unknown option 'fridays'",
        ),
    ],
)
async def test_a_bad_schedule_is_reported_where_it_is_and_not_made(
    tmp_path: Path, body: str, key: str, words: str
) -> None:
    house = await _house(tmp_path, body)
    try:
        [issue] = house.report.errors
        assert issue.file is not None and issue.file.endswith("configuration.yaml")
        assert issue.line == 6  # the weekday's line, under the header's five
        assert issue.key == key
        assert words in issue.message
        assert house.runtime.states.get("schedule.heat") is None
    finally:
        await house.stop()


@pytest.mark.allow_error_logs
async def test_a_schedule_needs_a_name(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(
        'schedule:\n  heat:\n    monday: [{from: "07:00", to: "08:00"}]\n', encoding="utf-8"
    )
    house = House(tmp_path, clock=TestClock(START), adapters=False)
    report = await house.setup()
    assert [(issue.key, issue.line) for issue in report.errors] == [("schedule.heat.name", 2)]
    assert not any("schedule" in issue.message for issue in report.warnings)


async def test_it_follows_the_test_clock_and_reload_updates_it_in_place(tmp_path: Path) -> None:
    house = await _house(tmp_path, "    monday: [{from: '20:30', to: '21:00:00'}]\n")
    try:
        assert house.report.errors == []
        assert not any("schedule" in str(issue) for issue in house.report.warnings)
        states = house.runtime.states
        assert states.get("schedule.heat").state == "off"  # type: ignore[union-attr]
        await house.runtime.advance(1800)
        heat = states.get("schedule.heat")
        assert heat is not None and heat.state == "on"
        assert str(heat.attributes["next_event"]) == "2026-06-01 21:00:00+02:00"

        (tmp_path / "configuration.yaml").write_text(
            HEADER + '    icon: mdi:fire\n    monday: [{from: "20:00", to: "20:20"}]\n'
            "  extra:\n    name: Extra\n",
            encoding="utf-8",
        )
        await house.runtime.services.call("schedule", "reload")
        heat = states.get("schedule.heat")
        assert heat is not None and heat.state == "off"
        assert heat.attributes["icon"] == "mdi:fire"
        assert states.get("schedule.extra") is not None
        # The old block's end is no longer a wake-up: the state stays as reloaded.
        await house.runtime.advance(1800)
        assert states.get("schedule.heat").state == "off"  # type: ignore[union-attr]

        (tmp_path / "configuration.yaml").write_text(
            HEADER + '    monday: [{from: "22:00", to: "21:00"}]\n', encoding="utf-8"
        )
        with pytest.raises(
            ValueError, match=r"schedule\.heat\.monday: .*does not end after it starts"
        ):
            await house.runtime.services.call("schedule", "reload")
        assert states.get("schedule.extra") is not None  # a bad block changes nothing

        (tmp_path / "configuration.yaml").write_text(HEADER, encoding="utf-8")
        await house.runtime.services.call("schedule", "reload")
        assert states.get("schedule.extra") is None
        heat = states.get("schedule.heat")
        assert heat is not None and heat.attributes["next_event"] is None
    finally:
        await house.stop()
