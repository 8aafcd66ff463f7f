"""A legacy tracker last seen on a 5-second mark turns ``not_home`` just after the mark
``consider_home`` later: Home Assistant looks for stale trackers a little (50 to 500 ms)
after each mark, so by then more than ``consider_home`` has passed, and what happens on
the mark itself still sees the tracker home. One seen 2 s after a mark waits for the
next check.

Found by random differential testing against Home Assistant 2024.3 (``resident_mix_58.yaml``
keeps the reduced cases).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.scenarios.notified import notified_house

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)

CONFIG = """\
homeloom:
  time_zone: Europe/Paris
device_tracker: []
automation:
  - id: left
    mode: queued
    triggers:
      - trigger: state
        entity_id: [device_tracker.ann_laptop, device_tracker.bob_laptop]
        to: not_home
    actions:
      - action: notify.notify
        data: {message: "{{ trigger.entity_id }} left"}
"""


async def test_stale_at_the_mark_consider_home_after_a_mark(tmp_path: Path) -> None:
    house, sent = await notified_house(tmp_path, CONFIG, START)
    try:
        see = {"mac": "AA:BB:CC:00:00:01", "host_name": "ann_laptop", "source_type": "router"}
        await house.runtime.services.call("device_tracker", "see", see)
        await house.runtime.advance(2)
        see = {"mac": "AA:BB:CC:00:00:02", "host_name": "bob_laptop", "source_type": "router"}
        await house.runtime.services.call("device_tracker", "see", see)
        await house.runtime.idle()
        await house.runtime.advance(178)
        ann = house.runtime.states.get("device_tracker.ann_laptop")
        assert ann is not None and ann.state == "home"
        await house.runtime.advance(1)
        ann = house.runtime.states.get("device_tracker.ann_laptop")
        assert ann is not None and ann.state == "not_home"
        await house.runtime.advance(5)
        left = [(round(offset, 2), message) for offset, message in sent]
        assert left == [
            (180.05, "device_tracker.ann_laptop left"),
            (185.05, "device_tracker.bob_laptop left"),
        ]
    finally:
        await house.stop()
