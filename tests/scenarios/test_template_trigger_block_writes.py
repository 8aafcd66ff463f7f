"""A trigger-based ``template:`` block with several entities: as Home Assistant's trigger
coordinator, every entity is written before anyone hears of the first change, so a
listener of one (an automation's run) reads its siblings' new states."""

from __future__ import annotations

from pathlib import Path

from homeloom.house import House
from homeloom.orchestrator import Context, Event, TestClock

CORE = "homeassistant:\n  time_zone: Europe/Paris\n"
TEXT = (
    "template:\n  - trigger:\n      - platform: event\n        event_type: doorbell\n"
    "    binary_sensor:\n      - name: Ringing\n        state: 'true'\n"
    "    sensor:\n      - name: Presses\n        state: '{{ this.state | int(0) + 1 }}'\n"
    "      - name: Visitor\n        state: '{{ trigger.event.data.who }}'\n"
)
BLOCK = ("binary_sensor.ringing", "sensor.presses", "sensor.visitor")


async def test_listeners_of_one_entity_see_the_whole_block_written(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CORE + TEXT, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(), persist=False, adapters=False)
    report = await house.setup()
    assert report.ok, report.errors
    runtime = house.runtime
    seen: list[tuple[str, ...]] = []

    def heard(event: Event) -> None:
        if event.data["entity_id"] in BLOCK:
            states = [runtime.states.get(entity_id) for entity_id in BLOCK]
            seen.append(tuple(state.state if state else "-" for state in states))

    runtime.bus.listen("state_changed", heard)
    runtime.bus.fire("doorbell", {"who": "postman"}, Context(origin="device"))
    await runtime.idle()
    assert seen == [("on", "1", "postman")] * 3
    await house.stop()
