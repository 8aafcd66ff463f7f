"""A time trigger on a time-only input_datetime whose own run moves the helper (an
alarm that sets itself again, a snooze) rings at the new time only, as in Home
Assistant 2024.3: the schedule for the old time is gone, also on the following days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.scenarios.notified import notified_house

START = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # 06:00 in Paris

CONFIG = """\
homeassistant:
  time_zone: Europe/Paris
input_datetime:
  wake: {has_date: false, has_time: true, initial: '07:00:00'}
automation:
  - id: wake
    trigger: {platform: time, at: input_datetime.wake}
    action:
      - service: notify.notify
        data: {message: "wake {{ now().strftime('%a %H:%M') }}"}
      - service: input_datetime.set_datetime
        target: {entity_id: input_datetime.wake}
        data: {time: '07:30:00'}
"""


async def test_an_alarm_moved_by_its_own_run_does_not_ring_at_the_old_time_tomorrow(
    tmp_path: Path,
) -> None:
    house, sent = await notified_house(tmp_path, CONFIG, START)
    try:
        await house.runtime.advance(timedelta(days=2, hours=3).total_seconds())
    finally:
        await house.stop()
    assert sent == [
        (3600.0, "wake Mon 07:00"),
        (5400.0, "wake Mon 07:30"),
        (91800.0, "wake Tue 07:30"),
        (178200.0, "wake Wed 07:30"),
    ]
