"""Traces are stored with each run, survive a restart, and ``homeloom trace`` prints them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeloom.cli import main
from homeloom.house import House
from homeloom.orchestrator import TestClock

CONFIG = """\
homeloom:
  time_zone: Europe/Paris
input_boolean:
  guest: {}
automation:
  - id: hall_on
    alias: Hall light on motion
    triggers:
      - trigger: state
        entity_id: binary_sensor.hall_motion
        to: "on"
    conditions:
      - condition: state
        entity_id: input_boolean.guest
        state: "off"
    actions:
      - action: notify.notify
        data: {message: "motion in the hall"}
      - delay: 5
      - action: input_boolean.turn_on
        target: {entity_id: input_boolean.guest}
"""
START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


async def _house(config_dir: Path) -> House:
    house = House(config_dir, clock=TestClock(START), adapters=False)
    await house.setup()
    await house.start()
    return house


async def test_traces_survive_a_restart_and_print(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = await _house(tmp_path)
    runtime = house.runtime
    runtime.states.set("binary_sensor.hall_motion", "off")
    runtime.states.set("binary_sensor.hall_motion", "on")
    await runtime.advance(10)
    runtime.states.set("binary_sensor.hall_motion", "off")
    runtime.states.set("binary_sensor.hall_motion", "on")  # the guest is now "on": no run
    await runtime.idle()
    await house.stop()

    again = await _house(tmp_path)
    automation = again.automations.find("hall_on")
    assert automation is not None
    outcomes = [t["script_execution"] for t in automation.stored_trace_dicts]
    assert outcomes == ["finished", "failed_conditions"]
    await again.stop()

    assert main(["trace", "Hall light on motion", "--config", str(tmp_path), "--all"]) == 0
    printed = capsys.readouterr().out
    assert "trigger: state of binary_sensor.hall_motion" in printed
    assert "notify.notify" in printed and "delay=5.0" in printed
    assert "ended" in printed and "failed_conditions" in printed


def test_trace_names_the_scenarios_it_knows(tmp_path: Path, capsys: Any) -> None:
    assert main(["trace", "nothing", "--config", str(tmp_path)]) == 1
    assert "no database" in capsys.readouterr().err
