"""A house on a test clock whose notifications are recorded: for the corner tests that
replay what the YAML cases cannot (an entity removed, several waits, a restart)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from homeloom.house import House
from homeloom.orchestrator import Event, TestClock

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
