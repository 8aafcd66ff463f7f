"""A house on a test clock whose notifications (or service calls) are recorded: for the
corner tests that replay what the YAML cases cannot (an entity removed, several waits, a
restart, what a group or a template light hands on)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from homeloom.house import House
from homeloom.orchestrator import Event, Runtime, ServiceCall, TestClock

Sent = list[tuple[float, str]]


async def notified_house(
    config_dir: Path, config: str, start: datetime, at: datetime | None = None
) -> tuple[House, Sent]:
    """The house of ``config`` started at ``at`` (else ``start``); each notification's
    message is recorded with its offset from ``start`` in seconds."""
    (config_dir / "configuration.yaml").write_text(config, encoding="utf-8")
    house = House(config_dir, clock=TestClock(at or start), adapters=False)
    await house.setup()
    sent: Sent = []

    def record(event: Event) -> None:
        offset = (house.runtime.now() - start).total_seconds()
        sent.append((offset, str(event.data["message"])))

    house.runtime.bus.listen("homeloom_notification", record)
    await house.start()
    return house, sent


async def observed_house(
    config_dir: Path, config: str, start: datetime
) -> tuple[House, list[ServiceCall]]:
    """The started house of ``config`` (which must load without an error), and every
    service call made in it from then on."""
    (config_dir / "configuration.yaml").write_text(config, encoding="utf-8")
    house = House(config_dir, clock=TestClock(start), adapters=False)
    assert [issue.message for issue in (await house.setup()).errors] == []
    await house.start()
    calls: list[ServiceCall] = []
    house.runtime.services.add_observer(calls.append)
    return house, calls


async def recording_house(
    config_dir: Path, config: str, start: datetime, files: Mapping[str, str] | None = None
) -> AsyncIterator[tuple[House, list[dict[str, Any]]]]:
    """The started house of ``config`` (and ``files``, by path in the config dir), which
    must load without an error, with a ``test.record`` service keeping each call's data;
    stopped once the ``async for`` over it ends."""
    (config_dir / "configuration.yaml").write_text(config, encoding="utf-8")
    for name, text in (files or {}).items():
        (config_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (config_dir / name).write_text(text, encoding="utf-8")
    house = House(config_dir, clock=TestClock(start), persist=False, adapters=False)
    recorded: list[dict[str, Any]] = []

    def register(runtime: Runtime) -> None:
        runtime.services.register("test", "record", lambda call: recorded.append(dict(call.data)))

    assert (await house.setup(before_scenarios=register)).errors == []
    await house.start()
    try:
        yield house, recorded
    finally:
        await house.stop()
