"""The simulated house: deterministic for a seed, plausible over time, responsive to commands."""

from __future__ import annotations

from datetime import UTC, datetime

from homeloom.adapters import AdapterManager
from homeloom.orchestrator import EVENT_STATE_CHANGED, Event, HouseSettings, Runtime, TestClock

MORNING = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
SETTINGS = HouseSettings(latitude=48.85, longitude=2.35, time_zone="Europe/Paris")


async def _house(seed: int) -> tuple[Runtime, list[tuple[str, str, str]]]:
    runtime = Runtime(clock=TestClock(MORNING), settings=SETTINGS)
    changes: list[tuple[str, str, str]] = []

    def record(event: Event) -> None:
        new = event.data["new_state"]
        changes.append((runtime.now().isoformat(), event.data["entity_id"], new.state))

    runtime.bus.listen(EVENT_STATE_CHANGED, record)
    await AdapterManager(runtime).setup([{"adapter": "virtual", "seed": seed}])
    await runtime.start()
    return runtime, changes


async def test_the_same_seed_gives_the_same_day() -> None:
    first, first_changes = await _house(7)
    second, second_changes = await _house(7)
    other, other_changes = await _house(8)
    for runtime in (first, second, other):
        await runtime.advance(24 * 3600)
        await runtime.stop()
    assert len(first_changes) > 500
    assert first_changes == second_changes
    assert first_changes != other_changes


async def test_people_leave_and_come_back_and_sensors_follow_the_day() -> None:
    runtime, changes = await _house(42)
    await runtime.advance(24 * 3600)
    alice = [state for _, entity, state in changes if entity == "person.alice"]
    assert "not_home" in alice and alice[-1] == "home"
    lux = [int(state) for _, entity, state in changes if entity == "sensor.hall_illuminance"]
    assert max(lux) > 100 and min(lux) == 0  # daylight in the day, dark at night
    outdoor = [float(s) for _, e, s in changes if e == "sensor.outdoor_temperature"]
    assert max(outdoor) - min(outdoor) > 5
    await runtime.stop()


async def test_actuators_respond_and_a_light_raises_the_lux() -> None:
    night = datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
    runtime = Runtime(clock=TestClock(night), settings=SETTINGS)
    await AdapterManager(runtime).setup([{"adapter": "virtual", "seed": 1}])
    await runtime.start()

    def state(entity_id: str) -> str:
        found = runtime.states.get(entity_id)
        assert found is not None
        return found.state

    assert state("sensor.hall_illuminance") == "0"
    await runtime.services.call(
        "light", "turn_on", {"brightness_pct": 100}, target={"entity_id": "light.hall"}
    )
    assert state("light.hall") == "on" and int(state("sensor.hall_illuminance")) >= 250
    assert float(state("sensor.house_power")) > 150
    await runtime.services.call("switch", "turn_on", target={"entity_id": "switch.coffee_maker"})
    assert state("sensor.coffee_maker_power") == "1200.0"
    await runtime.services.call(
        "cover",
        "set_cover_position",
        {"position": 40},
        target={"entity_id": "cover.living_room_blinds"},
    )
    blinds = runtime.states.get("cover.living_room_blinds")
    assert blinds is not None and blinds.attributes["current_position"] == 40
    await runtime.services.call("lock", "unlock", target={"entity_id": "lock.front_door_lock"})
    assert state("lock.front_door_lock") == "unlocked"

    await runtime.services.call(
        "climate",
        "set_temperature",
        {"temperature": 26},
        target={"entity_id": "climate.thermostat"},
    )
    before = float(state("sensor.living_room_temperature"))
    await runtime.advance(3600)
    assert float(state("sensor.living_room_temperature")) > before + 1  # heating works
    thermostat = runtime.states.get("climate.thermostat")
    assert thermostat is not None and thermostat.attributes["temperature"] == 26
    await runtime.stop()
