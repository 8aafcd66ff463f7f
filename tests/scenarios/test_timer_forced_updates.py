"""A timer's every write is a state change, as Home Assistant's timers force their updates:
``timer.cancel`` on an idle timer and a second ``timer.start`` within the same second are
announced (``state_changed``, state triggers) though state and attributes stay the same,
and the state's ``last_changed`` moves. The attributes come in Home Assistant's order.

Found by random differential testing against Home Assistant 2024.3 (``resident_mix_57.yaml``
keeps the reduced cases).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.scenarios.notified import notified_house

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)

CONFIG = """\
homeloom:
  time_zone: Europe/Paris
timer:
  laundry: {name: Laundry, duration: "00:01:00"}
automation:
  - id: watch_changes
    triggers: [{trigger: event, event_type: state_changed, event_data: {entity_id: timer.laundry}}]
    actions:
      - action: notify.notify
        data:
          message: >-
            event {{ trigger.event.data.old_state.state }}
            -> {{ trigger.event.data.new_state.state }}
  - id: watch_state
    mode: queued
    triggers: [{trigger: state, entity_id: timer.laundry}]
    actions:
      - action: notify.notify
        data: {message: "state {{ trigger.from_state.state }} -> {{ trigger.to_state.state }}"}
"""


async def test_every_timer_write_is_announced(tmp_path: Path) -> None:
    house, sent = await notified_house(tmp_path, CONFIG, START)
    try:
        await house.runtime.advance(5)
        await house.runtime.services.call("timer", "cancel", {"entity_id": "timer.laundry"})
        await house.runtime.idle()
        idle = house.runtime.states.get("timer.laundry")
        assert idle is not None
        assert idle.last_changed == START + timedelta(seconds=5)
        assert list(idle.attributes) == ["duration", "editable", "friendly_name"]
        await house.runtime.advance(5)
        for _ in range(2):
            await house.runtime.services.call("timer", "start", {"entity_id": "timer.laundry"})
            await house.runtime.idle()
        active = house.runtime.states.get("timer.laundry")
        assert active is not None
        assert list(active.attributes)[:4] == ["duration", "editable", "finishes_at", "remaining"]
    finally:
        await house.stop()
    assert sorted(sent) == [
        (5.0, "event idle -> idle"),
        (5.0, "state idle -> idle"),
        (10.0, "event active -> active"),
        (10.0, "event idle -> active"),
        (10.0, "state active -> active"),
        (10.0, "state idle -> active"),
    ]
