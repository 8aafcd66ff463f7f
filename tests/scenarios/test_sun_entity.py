"""sun.sun beyond the conformance cases: set-up rules, the demo house, timer order."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from homeloom.demo import write_demo_config
from homeloom.house import House
from homeloom.orchestrator import HouseSettings, Runtime, TestClock
from homeloom.scenarios import setup_sun

PARIS = HouseSettings(latitude=48.8566, longitude=2.3522, elevation=35, time_zone="Europe/Paris")
EVENING = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


def _runtime() -> Runtime:
    return Runtime(clock=TestClock(EVENING), settings=PARIS)


def test_no_sun_entity_without_sun_or_default_config() -> None:
    runtime = _runtime()
    assert setup_sun(runtime, {"input_boolean": {}}) == []
    assert runtime.states.get("sun.sun") is None


def test_options_are_reported_and_the_entity_still_made() -> None:
    runtime = _runtime()
    issues = setup_sun(runtime, {"sun": {"elevation": 3}})
    assert [issue.key for issue in issues] == ["sun"]
    state = runtime.states.get("sun.sun")
    assert state is not None and state.state == "above_horizon"


async def test_events_and_refreshes_follow_home_assistant() -> None:
    # Home Assistant 2024.3 in Paris that evening: a refresh every 4 minutes by day,
    # then the events (10 degrees at 18:31:57 UTC, sunset 19:47:04) reschedule them.
    runtime = _runtime()
    setup_sun(runtime, {"sun": None})
    await runtime.advance(240)
    state = runtime.states.get("sun.sun")
    assert state is not None and state.attributes["elevation"] == 14.1
    await runtime.advance(6424.463652 - 240)
    state = runtime.states.get("sun.sun")
    assert state is not None and state.state == "above_horizon"
    assert state.attributes["next_setting"] == "2026-06-02T19:48:01.926520+00:00"
    await runtime.advance(240)
    state = runtime.states.get("sun.sun")
    assert state is not None and state.state == "below_horizon"
    assert state.attributes["elevation"] == -1.32


async def test_a_first_timer_runs_before_the_others_due_then() -> None:
    runtime = _runtime()
    order: list[str] = []
    due = datetime(2026, 6, 1, 19, 0, tzinfo=UTC)
    runtime.scheduler.call_at(due, lambda _: order.append("plain"))
    runtime.scheduler.call_at(due, lambda _: order.append("first"), first=True)
    await runtime.advance(3600)
    assert order == ["first", "plain"]


async def test_the_demo_house_has_the_sun(tmp_path: Path) -> None:
    write_demo_config(tmp_path)
    house = House(tmp_path, clock=TestClock(EVENING), persist=False)
    try:
        report = await house.setup()
        assert report.errors == []
        state = house.runtime.states.get("sun.sun")
        assert state is not None and state.attributes["friendly_name"] == "Sun"
    finally:
        await house.stop()
