"""``platform: time_date`` sensors on a real runtime, with the test clock: when they
update across a change of daylight saving time, and ids already held."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from homeloom.house import House
from homeloom.orchestrator import TestClock

# 2026-03-29 01:59:00 UTC: a minute before Paris moves from UTC+1 to UTC+2.
BEFORE_SPRING_CHANGE = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)


async def _house(
    config_dir: Path, configuration: str, start: datetime, *, held: str | None = None
) -> House:
    core = "homeassistant: {time_zone: Europe/Paris}\n"
    (config_dir / "configuration.yaml").write_text(core + configuration, encoding="utf-8")
    house = House(config_dir, clock=TestClock(start), adapters=False, persist=False)
    if held is not None:  # a device's entity, there before the house sets up
        house.runtime.states.set(held, "mine")
    report = await house.setup()
    assert report.errors == []
    await house.start()
    return house


def _state(house: House, entity_id: str) -> str:
    state = house.runtime.states.get(entity_id)
    assert state is not None
    return state.state


async def test_times_follow_the_spring_change_and_the_date_its_midnight(tmp_path: Path) -> None:
    options = "[time, time_utc, date, date_time_iso]"
    house = await _house(
        tmp_path,
        f"sensor:\n  - {{platform: time_date, display_options: {options}}}\n",
        BEFORE_SPRING_CHANGE,
    )
    try:
        assert _state(house, "sensor.time") == "01:59"
        await house.runtime.advance(60)
        assert _state(house, "sensor.time") == "03:00"  # 02:00 local does not exist
        assert _state(house, "sensor.time_utc") == "01:00"
        assert _state(house, "sensor.date_time_iso") == "2026-03-29T03:00:00"
        # The next local midnight is 22 hours of wall time, 21 of real time, away.
        await house.runtime.advance(timedelta(hours=20, minutes=59, seconds=59).total_seconds())
        assert _state(house, "sensor.date") == "2026-03-29"
        await house.runtime.advance(1)
        assert _state(house, "sensor.date") == "2026-03-30"
        assert _state(house, "sensor.time") == "00:00"
    finally:
        await house.stop()


@pytest.mark.allow_error_logs  # Home Assistant logs the entity it refuses
async def test_an_id_another_entity_holds_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    configuration = "sensor:\n  - {platform: time_date, display_options: [time, date]}\n"
    with caplog.at_level(logging.ERROR):
        house = await _house(tmp_path, configuration, BEFORE_SPRING_CHANGE, held="sensor.time")
    try:
        assert "Entity id already exists - ignoring: sensor.time" in caplog.text
        await house.runtime.advance(120)
        assert _state(house, "sensor.time") == "mine"
        assert _state(house, "sensor.date") == "2026-03-29"
    finally:
        await house.stop()
