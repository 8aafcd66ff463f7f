"""mode: restart, fired again and again before a run began: every trace ends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from homeloom.house import House
from homeloom.orchestrator import TestClock

CONFIG = """\
automation:
  - id: chime
    mode: restart
    triggers: [{trigger: event, event_type: ring}]
    actions:
      - delay: 5
      - action: notify.notify
        data: {message: chime}
"""


async def test_runs_replaced_before_they_began_are_traced_as_cancelled(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(datetime(2026, 6, 1, tzinfo=UTC)), adapters=False)
    assert (await house.setup()).errors == []
    await house.start()
    for _ in range(3):
        house.runtime.bus.fire("ring", {})
    await house.runtime.advance(10)
    automation = house.automations.find("chime")
    assert automation is not None
    assert [t.script_execution for t in automation.traces] == ["cancelled", "cancelled", "finished"]
    await house.stop()
