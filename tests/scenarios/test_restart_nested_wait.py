"""mode: restart, one event firing two triggers: the first run, already waiting inside a
``choose`` when the second replaces it before its task began, ends cancelled and the
house goes on.

Found by random differential testing against Home Assistant 2024.3: closing
that run's coroutine outside its own context failed on its trace's reset, the run was
never settled and the house hung waiting for it (``resident_mix_44.yaml`` keeps the
reduced case).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from homeloom.house import House
from homeloom.orchestrator import Event, TestClock

CONFIG = """\
automation:
  - id: porch_bell
    mode: restart
    triggers:
      - {trigger: event, event_type: doorbell_pressed, event_data: {button: front}, id: front}
      - {trigger: event, event_type: doorbell_pressed, id: any}
    actions:
      - choose:
          - conditions: [{condition: trigger, id: front}]
            sequence:
              - delay: 2
              - action: light.turn_on
                target: {entity_id: light.porch}
        default:
          - delay: 2
          - action: notify.notify
            data: {message: "doorbell {{ trigger.id }}"}
"""


async def test_a_run_replaced_while_waiting_in_a_choose_is_settled(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(datetime(2026, 6, 1, tzinfo=UTC)), adapters=False)
    assert (await house.setup()).errors == []
    sent: list[str] = []

    def record(event: Event) -> None:
        sent.append(str(event.data["message"]))

    house.runtime.bus.listen("homeloom_notification", record)
    await house.start()
    try:
        async with asyncio.timeout(5):  # real seconds: the run used to hang the house
            house.runtime.bus.fire("doorbell_pressed", {"button": "front"})
            await house.runtime.advance(10)
        automation = house.automations.find("porch_bell")
        assert automation is not None
        assert [t.script_execution for t in automation.traces] == ["cancelled", "finished"]
        assert sent == ["doorbell any"]
    finally:
        async with asyncio.timeout(5):
            await house.stop()
