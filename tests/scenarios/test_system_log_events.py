"""``system_log: {fire_event: true}``: ``system_log_event`` for each warning or error."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House
from homeloom.orchestrator import Event, TestClock
from homeloom.scenarios._system_log import EVENT_SYSTEM_LOG, SystemLogEvents

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
CORE = "homeassistant:\n  name: Home\n  time_zone: Europe/Paris\n"


async def _house(tmp_path: Path, block: str) -> House:
    (tmp_path / "configuration.yaml").write_text(CORE + block, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), adapters=False, persist=False)
    report = await house.setup()
    assert report.errors == []
    assert report.warnings == []  # the block is read: no "not provided" warning
    await house.start()
    return house


def _ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if isinstance(h, SystemLogEvents)]


def _record(house: House) -> list[Event]:
    events: list[Event] = []
    house.runtime.bus.listen(EVENT_SYSTEM_LOG, events.append)
    return events


@pytest.mark.allow_error_logs
async def test_an_error_fires_the_event_with_home_assistant_keys(tmp_path: Path) -> None:
    house = await _house(tmp_path, "system_log:\n  fire_event: true\n")
    events = _record(house)
    await house.runtime.services.call(
        "system_log", "write", {"message": "pump stalled", "logger": "house.pump"}
    )
    (event,) = events
    data = dict(event.data)
    source = data.pop("source")
    assert source == ("scenarios/_system_log.py", source[1])  # where write logs it
    assert data == {
        "name": "house.pump",
        "message": ["pump stalled"],
        "level": "ERROR",
        "timestamp": START.timestamp(),
        "exception": "",
        "count": 1,
        "first_occurred": START.timestamp(),
    }
    await house.stop()


@pytest.mark.allow_error_logs
async def test_only_warnings_and_above_fire(tmp_path: Path) -> None:
    house = await _house(tmp_path, "system_log:\n  fire_event: true\n")
    events = _record(house)
    logger = logging.getLogger("house.levels")
    logger.info("said")
    logger.warning("warned")
    try:
        raise ValueError("broken")
    except ValueError:
        logger.exception("failed")
    assert [(e.data["level"], e.data["message"]) for e in events] == [
        ("WARNING", ["warned"]),
        ("ERROR", ["failed"]),
    ]
    assert "ValueError: broken" in events[1].data["exception"]
    assert events[1].data["source"][0] == __file__  # raised outside homeloom: its file
    await house.stop()


@pytest.mark.allow_error_logs
async def test_a_record_from_another_thread_fires_on_the_house_loop(tmp_path: Path) -> None:
    house = await _house(tmp_path, "system_log:\n  fire_event: true\n")
    fired_on: list[int] = []
    house.runtime.bus.listen(EVENT_SYSTEM_LOG, lambda _: fired_on.append(threading.get_ident()))
    await asyncio.to_thread(logging.getLogger("house.worker").error, "from a thread")
    await asyncio.sleep(0)  # the hop to the loop
    assert fired_on == [threading.get_ident()]
    await house.stop()


@pytest.mark.allow_error_logs
async def test_a_listener_logging_fires_no_event_of_its_own(tmp_path: Path) -> None:
    house = await _house(tmp_path, "system_log:\n  fire_event: true\n")
    events = _record(house)
    house.runtime.bus.listen(
        EVENT_SYSTEM_LOG, lambda _: logging.getLogger("house.echo").error("echo")
    )
    logging.getLogger("house.first").error("first")
    assert [e.data["name"] for e in events] == ["house.first"]
    await house.stop()


async def test_the_handler_is_there_only_while_the_house_runs(tmp_path: Path) -> None:
    assert _ours() == []
    house = await _house(tmp_path, "system_log:\n  fire_event: true\n  max_entries: 10\n")
    assert len(_ours()) == 1
    await house.stop()
    assert _ours() == []


async def test_without_fire_event_no_handler_is_installed(tmp_path: Path) -> None:
    house = await _house(tmp_path, "system_log:\n  max_entries: 10\n")
    assert _ours() == []
    await house.stop()


@pytest.mark.allow_error_logs
async def test_a_wrong_block_is_a_configuration_error(tmp_path: Path) -> None:
    text = CORE + "system_log:\n  fire_event: maybe\n  max_entries: 0\n"
    (tmp_path / "configuration.yaml").write_text(text, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), adapters=False, persist=False)
    report = await house.setup()
    messages = sorted(issue.message for issue in report.errors)
    assert len(messages) == 2
    assert messages[0].startswith("fire_event:")
    assert messages[1].startswith("max_entries:")
    assert all(issue.key == "system_log" for issue in report.errors)
    await house.stop()
