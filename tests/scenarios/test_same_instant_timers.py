"""Two runs whose delays (or wait timeouts) end at the same instant both go on at that
instant on a test clock, even when the first one starts a ``parallel`` block that waits.

Found by random differential testing against Home Assistant 2024.3: the
second run's timer fired in the middle of the first run's settling, and the clock moved
on to the next timer before the second run went on, its calls coming one delay late
(``resident_mix_44.yaml`` keeps the reduced cases).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.scenarios.notified import Sent, notified_house

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)

CONFIG = """\
homeloom:
  time_zone: Europe/Paris
automation:
  - id: after_delay
    mode: parallel
    triggers: [{trigger: event, event_type: go}]
    actions:
      - delay: 31
      - parallel:
          - delay: 19
          - action: notify.notify
            data: {message: "delay {{ trigger.event.data.n }}"}
  - id: after_timeout
    mode: parallel
    triggers: [{trigger: event, event_type: wait}]
    actions:
      - wait_for_trigger: [{trigger: event, event_type: never}]
        timeout: 31
      - parallel:
          - delay: 19
          - action: notify.notify
            data: {message: "timeout {{ trigger.event.data.n }}"}
"""


async def _sent_after(tmp_path: Path, event_type: str) -> Sent:
    house, sent = await notified_house(tmp_path, CONFIG, START)
    try:
        house.runtime.bus.fire(event_type, {"n": 1})
        house.runtime.bus.fire(event_type, {"n": 2})
        await house.runtime.idle()
        await house.runtime.advance(120)
    finally:
        await house.stop()
    return sent


async def test_two_delays_ending_together_both_go_on_then(tmp_path: Path) -> None:
    assert await _sent_after(tmp_path, "go") == [(31.0, "delay 1"), (31.0, "delay 2")]


async def test_two_wait_timeouts_ending_together_both_go_on_then(tmp_path: Path) -> None:
    assert await _sent_after(tmp_path, "wait") == [(31.0, "timeout 1"), (31.0, "timeout 2")]
