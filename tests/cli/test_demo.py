"""The demo house shows what homeloom is for: it acts, it asks, and it explains."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from homeloom.demo import write_demo_config
from homeloom.house import House
from homeloom.orchestrator import Proposals, TestClock


async def test_the_demo_house_asks_before_unlocking_and_in_the_living_room(
    tmp_path: Path,
) -> None:
    write_demo_config(tmp_path)
    house = House(tmp_path, clock=TestClock(datetime(2026, 6, 1, 19, 0, tzinfo=UTC)))
    assert (await house.setup()).errors == []
    await house.start()
    states = house.runtime.states
    proposals = house.runtime.components["proposals"]
    assert isinstance(proposals, Proposals)

    states.set("sensor.living_room_illuminance", "20", {"unit_of_measurement": "lx"})
    states.set("binary_sensor.living_room_motion", "off")
    states.set("binary_sensor.living_room_motion", "on")
    states.set("person.alice", "not_home")
    states.set("person.alice", "home")
    await house.runtime.idle()
    pending = {p.calls[0]["service"]: p for p in proposals.pending()}
    assert set(pending) == {"light.turn_on", "lock.unlock"}
    assert pending["light.turn_on"].roles == ["person.alice", "person.bob"]
    assert pending["lock.unlock"].guarded
    assert states.get("binary_sensor.living_room_evening_occupied").state == "on"  # type: ignore[union-attr]

    proposals.approve(pending["lock.unlock"].id, user="alice", channel="test")
    await house.runtime.idle()
    assert states.get("lock.front_door_lock").state == "unlocked"  # type: ignore[union-attr]
    await house.stop()
