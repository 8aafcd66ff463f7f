"""The sundial in a real homeloom runtime, on a test clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from homeloom.adapters import AdapterManager
from homeloom.orchestrator import Event, Runtime

from homeloom_adapter_sundial import CHIME_EVENT, SundialAdapter, sun_position

KNOWN = {"sundial": SundialAdapter}


async def _sundial(runtime: Runtime, **options: Any) -> None:
    issues = await AdapterManager(runtime).setup([{"adapter": "sundial", **options}], known=KNOWN)
    assert issues == []


def _state(runtime: Runtime, entity_id: str) -> str:
    state = runtime.states.get(entity_id)
    assert state is not None
    return state.state


def test_the_sun_is_high_at_midsummer_noon_and_below_at_midnight() -> None:
    noon = sun_position(datetime(2026, 6, 21, 11, 50, tzinfo=UTC), 48.8566, 2.3522)
    assert 64 < noon.elevation < 65  # 90 - 48.86 + 23.44
    assert 175 < noon.azimuth < 185  # due south
    midnight = sun_position(datetime(2026, 6, 21, 23, 50, tzinfo=UTC), 48.8566, 2.3522)
    assert midnight.elevation < -15
    evening = sun_position(datetime(2026, 6, 21, 18, 0, tzinfo=UTC), 48.8566, 2.3522)
    assert 270 < evening.azimuth < 300  # west-north-west


async def test_readings_follow_the_sun(runtime: Runtime) -> None:
    await _sundial(runtime, interval=600)
    assert float(_state(runtime, "sensor.sundial_elevation")) > 60
    assert _state(runtime, "binary_sensor.sundial_daylight") == "on"
    await runtime.advance(12 * 3600)
    assert float(_state(runtime, "sensor.sundial_elevation")) < -15
    assert _state(runtime, "binary_sensor.sundial_daylight") == "off"


async def test_the_chime_rings_every_full_hour_while_on(runtime: Runtime) -> None:
    hours: list[int] = []
    runtime.bus.listen(CHIME_EVENT, lambda event: hours.append(event.data["hour"]))
    await _sundial(runtime)
    await runtime.advance(3600)
    assert hours == []  # off by default
    await runtime.services.call("switch", "turn_on", target={"entity_id": "switch.sundial_chime"})
    await runtime.advance(2 * 3600)
    assert hours == [15, 16]  # local time, in Paris
    await runtime.services.call("switch", "toggle", target={"entity_id": "switch.sundial_chime"})
    assert _state(runtime, "switch.sundial_chime") == "off"
    await runtime.advance(3600)
    assert hours == [15, 16]


async def test_the_chime_can_start_on(runtime: Runtime) -> None:
    await _sundial(runtime, chime=True)
    assert _state(runtime, "switch.sundial_chime") == "on"
    seen: list[Event] = []
    runtime.bus.listen(CHIME_EVENT, seen.append)
    await runtime.advance(10 * 60)  # 11:50 UTC to 12:00 UTC, 14:00 in Paris
    assert [event.data["hour"] for event in seen] == [14]


async def test_bad_options_are_reported(runtime: Runtime) -> None:
    issues = await AdapterManager(runtime).setup(
        [{"adapter": "sundial", "interval": -1, "colour": "gold"}], known=KNOWN
    )
    assert sorted(str(issue.key) for issue in issues) == [
        "adapters[0].colour",
        "adapters[0].interval",
    ]
