"""Waits survive a restart: a pending delay, a wait_for_trigger, a counting ``for:`` and a
running timer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from homeloom.house import House
from homeloom.orchestrator import Event, TestClock
from homeloom.scenarios import get_checkpoints

CONFIG = """\
homeloom:
  time_zone: Europe/Paris
timer:
  tea: {duration: "00:05:00"}
automation:
  - id: porch
    triggers: [{trigger: event, event_type: arrive}]
    actions:
      - action: notify.notify
        data: {message: "porch on for {{ trigger.event.data.who }}"}
      - delay: "00:10:00"
      - action: notify.notify
        data: {message: "porch off for {{ trigger.event.data.who }}"}
  - id: door_open
    triggers:
      - trigger: state
        entity_id: binary_sensor.door
        to: "on"
        for: "00:10:00"
    actions:
      - action: notify.notify
        data: {message: door left open}
  - id: doorbell
    triggers: [{trigger: event, event_type: ring}]
    actions:
      - wait_for_trigger: [{trigger: event, event_type: answered}]
        timeout: "00:10:00"
        continue_on_timeout: false
      - action: notify.notify
        data:
          message: >-
            answered after {{ trigger.event.data.who }} rang,
            {{ wait.remaining | int }} s to spare
  - id: tea_ready
    triggers: [{trigger: event, event_type: timer.finished}]
    actions:
      - action: notify.notify
        data: {message: tea is ready}
"""
START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


async def _house(
    config_dir: Path, at: datetime, before_scenarios: Callable[[Any], None] | None = None
) -> tuple[House, list[tuple[datetime, str]]]:
    house = House(config_dir, clock=TestClock(at), adapters=False)
    await house.setup(before_scenarios=before_scenarios)
    sent: list[tuple[datetime, str]] = []

    def record(event: Event) -> None:
        sent.append((house.runtime.now(), str(event.data["message"])))

    house.runtime.bus.listen("homeloom_notification", record)
    await house.start()
    return house, sent


async def test_a_pending_delay_resumes_at_its_deadline(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house, sent = await _house(tmp_path, START)
    house.runtime.bus.fire("arrive", {"who": "alice"})
    await house.runtime.advance(120)
    assert [m for _, m in sent] == ["porch on for alice"]
    await house.stop()  # the house goes down 2 minutes into the 10-minute delay

    again, sent = await _house(tmp_path, START + timedelta(minutes=5))
    await again.runtime.advance(timedelta(minutes=4, seconds=59).total_seconds())
    assert sent == []
    await again.runtime.advance(2)
    assert sent == [(START + timedelta(minutes=10), "porch off for alice")]
    automation = again.automations.find("porch")
    assert automation is not None
    assert automation.traces[-1].trigger is not None
    assert "resumed after a restart" in automation.traces[-1].trigger
    await again.stop()


async def test_a_delay_that_ran_out_while_down_finishes_at_start(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house, _ = await _house(tmp_path, START)
    house.runtime.bus.fire("arrive", {"who": "bob"})
    await house.runtime.advance(60)
    await house.stop()
    again, sent = await _house(tmp_path, START + timedelta(hours=1))
    await again.runtime.idle()
    assert [m for _, m in sent] == ["porch off for bob"]
    await again.stop()


async def test_a_counting_for_resumes_with_its_remaining_time(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house, _ = await _house(tmp_path, START)
    house.runtime.states.set("binary_sensor.door", "off")
    house.runtime.states.set("binary_sensor.door", "on")
    await house.runtime.advance(240)
    await house.stop()  # 4 of the 10 minutes counted

    again, sent = await _house(tmp_path, START + timedelta(minutes=7))
    again.runtime.states.set("binary_sensor.door", "on")  # the device reports: unchanged
    await again.runtime.advance(170)
    assert sent == []
    await again.runtime.advance(20)
    assert sent == [(START + timedelta(minutes=10), "door left open")]
    await again.stop()


async def test_a_for_whose_entity_changed_while_down_is_dropped(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house, _ = await _house(tmp_path, START)
    house.runtime.states.set("binary_sensor.door", "off")
    house.runtime.states.set("binary_sensor.door", "on")
    await house.runtime.advance(60)
    await house.stop()

    runtime_again = House(tmp_path, clock=TestClock(START + timedelta(minutes=2)), adapters=False)

    def closed_meanwhile(runtime: object) -> None:
        runtime_again.runtime.states.set("binary_sensor.door", "off")

    await runtime_again.setup(before_scenarios=closed_meanwhile)
    await runtime_again.start()
    sent: list[str] = []
    runtime_again.runtime.bus.listen(
        "homeloom_notification", lambda e: sent.append(str(e.data["message"]))
    )
    await runtime_again.runtime.advance(3600)
    assert sent == []
    await runtime_again.stop()


async def test_a_running_timer_keeps_its_remaining_time(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house, _ = await _house(tmp_path, START)
    await house.runtime.services.call("timer", "start", target={"entity_id": "timer.tea"})
    await house.runtime.advance(60)
    await house.stop()

    again, sent = await _house(tmp_path, START + timedelta(minutes=2))
    tea = again.runtime.states.get("timer.tea")
    assert tea is not None and tea.state == "active"
    assert tea.attributes["remaining"] == "0:03:00"
    await again.runtime.advance(179)
    assert sent == []
    await again.runtime.advance(2)
    assert sent == [(START + timedelta(minutes=5), "tea is ready")]
    await again.stop()


async def test_a_pending_wait_for_trigger_waits_again_after_a_restart(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house, sent = await _house(tmp_path, START)
    house.runtime.bus.fire("ring", {"who": "bob"})
    await house.runtime.advance(60)
    await house.stop()  # down one minute into the ten-minute wait

    again, sent = await _house(tmp_path, START + timedelta(minutes=3))
    await again.runtime.advance(60)
    again.runtime.bus.fire("answered", {})
    await again.runtime.idle()
    assert [m for _, m in sent] == ["answered after bob rang, 360 s to spare"]
    await again.stop()


async def test_a_wait_whose_timeout_passed_while_down_times_out_at_start(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house, sent = await _house(tmp_path, START)
    house.runtime.bus.fire("ring", {"who": "bob"})
    await house.runtime.advance(60)
    await house.stop()

    again, sent = await _house(tmp_path, START + timedelta(minutes=30))
    await again.runtime.advance(1)
    again.runtime.bus.fire("answered", {})
    await again.runtime.idle()
    assert sent == []  # continue_on_timeout: false stopped the run
    automation = again.automations.find("doorbell")
    assert automation is not None
    assert automation.traces[-1].script_execution == "aborted"
    await again.stop()


# --- numeric_state ----------------------------------------------------------------------

NUMERIC = """\
homeloom:
  time_zone: Europe/Paris
automation:
  - id: too_hot
    triggers:
      - trigger: numeric_state
        entity_id: sensor.temp
        above: 25
        for: "00:10:00"
    actions:
      - action: notify.notify
        data:
          message: >-
            hot {{ trigger.to_state.state }} for {{ trigger.for }}
            from {{ trigger.from_state.state if trigger.from_state else 'none' }}
"""


async def _counting_hot(config_dir: Path, counted: float) -> None:
    """A house whose ``sensor.temp`` went above 25 at START, down ``counted`` s later."""
    (config_dir / "configuration.yaml").write_text(NUMERIC, encoding="utf-8")
    house, _ = await _house(config_dir, START)
    house.runtime.states.set("sensor.temp", "18")
    house.runtime.states.set("sensor.temp", "26")
    await house.runtime.advance(counted)
    await house.stop()


def _saved_wait(house: House) -> Any:
    checkpoints = get_checkpoints(house.runtime)
    assert checkpoints is not None
    return checkpoints.pending_for("automation.too_hot:0:sensor.temp")


async def test_a_counting_numeric_for_resumes_with_its_remaining_time(tmp_path: Path) -> None:
    await _counting_hot(tmp_path, 240)  # 4 of the 10 minutes counted

    again, sent = await _house(tmp_path, START + timedelta(minutes=7))
    again.runtime.states.set("sensor.temp", "26")  # the device reports: unchanged
    await again.runtime.advance(170)
    assert sent == []
    await again.runtime.advance(20)
    # As a resumed state trigger: no state left, the one it holds to, the whole for.
    assert sent == [(START + timedelta(minutes=10), "hot 26 for 0:10:00 from none")]
    assert _saved_wait(again) is None
    await again.stop()


async def test_a_numeric_for_whose_value_moved_in_range_before_shutdown_resumes(
    tmp_path: Path,
) -> None:
    (tmp_path / "configuration.yaml").write_text(NUMERIC, encoding="utf-8")
    house, _ = await _house(tmp_path, START)
    house.runtime.states.set("sensor.temp", "18")
    house.runtime.states.set("sensor.temp", "26")
    await house.runtime.advance(120)
    house.runtime.states.set("sensor.temp", "26.4")  # a busy sensor: still above 25
    await house.runtime.advance(120)
    await house.stop()

    # Restored as the house went down, the wait held then: it resumes.
    again, sent = await _house(tmp_path, START + timedelta(minutes=7))
    await again.runtime.advance(180)
    assert [message for _, message in sent] == ["hot 26.4 for 0:10:00 from none"]
    await again.stop()


async def test_a_resumed_numeric_for_holds_while_in_range(tmp_path: Path) -> None:
    await _counting_hot(tmp_path, 240)

    again, sent = await _house(tmp_path, START + timedelta(minutes=7))
    again.runtime.states.set("sensor.temp", "27")  # still above: the wait goes on
    await again.runtime.advance(120)
    again.runtime.states.set("sensor.temp", "24")  # below: it ends
    await again.runtime.advance(3600)
    assert sent == []
    assert _saved_wait(again) is None
    await again.stop()


async def test_a_numeric_for_whose_deadline_passed_while_down_fires_at_start(
    tmp_path: Path,
) -> None:
    await _counting_hot(tmp_path, 60)

    again, sent = await _house(tmp_path, START + timedelta(hours=1))
    await again.runtime.idle()
    assert sent == [(START + timedelta(hours=1), "hot 26 for 0:10:00 from none")]
    await again.runtime.advance(3600)
    assert len(sent) == 1
    await again.stop()


async def test_a_numeric_for_whose_value_left_the_range_while_down_is_dropped(
    tmp_path: Path,
) -> None:
    await _counting_hot(tmp_path, 60)

    def cooled_meanwhile(runtime: Any) -> None:
        runtime.states.set("sensor.temp", "20")

    again, sent = await _house(tmp_path, START + timedelta(minutes=2), cooled_meanwhile)
    assert _saved_wait(again) is None
    await again.runtime.advance(3600)
    assert sent == []
    again.runtime.states.set("sensor.temp", "26")  # armed: this crossing counts anew
    await again.runtime.advance(600)
    assert [m for _, m in sent] == ["hot 26 for 0:10:00 from 20"]
    await again.stop()


async def test_a_numeric_for_whose_value_changed_in_range_while_down_must_cross_again(
    tmp_path: Path,
) -> None:
    await _counting_hot(tmp_path, 60)

    def warmer_meanwhile(runtime: Any) -> None:
        runtime.states.set("sensor.temp", "28")

    again, sent = await _house(tmp_path, START + timedelta(minutes=2), warmer_meanwhile)
    assert _saved_wait(again) is None
    again.runtime.states.set("sensor.temp", "29")  # not armed: no crossing
    await again.runtime.advance(3600)
    assert sent == []
    again.runtime.states.set("sensor.temp", "22")
    again.runtime.states.set("sensor.temp", "26")
    await again.runtime.advance(600)
    assert [m for _, m in sent] == ["hot 26 for 0:10:00 from 22"]
    await again.stop()


async def test_a_numeric_for_broken_before_shutdown_does_not_resume(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(NUMERIC, encoding="utf-8")
    house, _ = await _house(tmp_path, START)
    house.runtime.states.set("sensor.temp", "18")
    house.runtime.states.set("sensor.temp", "26")
    await house.runtime.advance(60)
    assert _saved_wait(house) is not None
    house.runtime.states.set("sensor.temp", "unavailable")  # not a number: a miss
    assert _saved_wait(house) is None
    await house.stop()

    again, sent = await _house(tmp_path, START + timedelta(hours=1))
    await again.runtime.advance(3600)
    assert sent == []
    await again.stop()


async def test_a_numeric_for_ended_by_turning_off_does_not_resume(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(NUMERIC, encoding="utf-8")
    house, sent = await _house(tmp_path, START)
    house.runtime.states.set("sensor.temp", "18")
    house.runtime.states.set("sensor.temp", "26")
    await house.runtime.advance(60)
    # No alias: named by its place, as Home Assistant names it.
    await house.runtime.services.call(
        "automation", "turn_off", target={"entity_id": "automation.automation_0"}
    )
    assert _saved_wait(house) is None
    await house.stop()

    # Back off, then on long after: the entity unchanged, the ended wait is not resumed.
    again, sent = await _house(tmp_path, START + timedelta(hours=1))
    automation = again.automations.find("too_hot")
    assert automation is not None and not automation.enabled
    await again.runtime.services.call(
        "automation", "turn_on", target={"entity_id": "automation.automation_0"}
    )
    await again.runtime.advance(3600)
    assert sent == []
    await again.stop()


async def test_a_state_for_ended_by_turning_off_does_not_resume(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house, _ = await _house(tmp_path, START)
    house.runtime.states.set("binary_sensor.door", "off")
    house.runtime.states.set("binary_sensor.door", "on")
    await house.runtime.advance(60)
    door_open = {"entity_id": "automation.automation_1"}  # no alias: named by its place
    await house.runtime.services.call("automation", "turn_off", target=door_open)
    await house.stop()

    # Turned on long after, the door unchanged: the ended wait is not resumed.
    again, sent = await _house(tmp_path, START + timedelta(hours=2))
    await again.runtime.services.call("automation", "turn_on", target=door_open)
    await again.runtime.advance(3600)
    assert sent == []
    await again.stop()
