"""Traces are stored with each run, survive a restart, and ``homeloom trace`` prints them."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeloom.cli import main
from homeloom.house import DATABASE_FILE, House
from homeloom.orchestrator import Runtime, TestClock
from tests.orchestrator.old_layout import write_old_layout

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
# A scenario that keeps two runs, each run at once.
PORCH = """\
  - id: porch
    alias: Porch
    trace: {stored_traces: 2}
    triggers:
      - trigger: state
        entity_id: binary_sensor.porch_motion
        to: "on"
    actions:
      - action: notify.notify
        data: {message: "someone at the door"}
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


async def _porch_runs(runtime: Runtime, count: int) -> None:
    for _ in range(count):
        runtime.states.set("binary_sensor.porch_motion", "off")
        runtime.states.set("binary_sensor.porch_motion", "on")
        await runtime.idle()


def _stored_run_ids(config_dir: Path, scenario: str) -> list[str]:
    connection = sqlite3.connect(config_dir / DATABASE_FILE)
    try:
        rows = connection.execute(
            "SELECT json_extract(trace, '$.run_id') FROM traces WHERE scenario = ? ORDER BY id",
            (scenario,),
        )
        return [row[0] for row in rows]
    finally:
        connection.close()


async def test_a_house_keeps_the_newest_runs_across_restarts(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG + PORCH, encoding="utf-8")
    house = await _house(tmp_path)
    await _porch_runs(house.runtime, 3)
    porch = house.automations.find("porch")
    assert porch is not None
    first_runs = [t["run_id"] for t in porch.stored_trace_dicts]
    assert len(first_runs) == 2
    await house.stop()
    assert _stored_run_ids(tmp_path, "automation.porch") == first_runs

    again = await _house(tmp_path)
    porch = again.automations.find("porch")
    assert porch is not None
    assert [t["run_id"] for t in porch.stored_trace_dicts] == first_runs
    await _porch_runs(again.runtime, 1)
    kept = [t["run_id"] for t in porch.stored_trace_dicts]
    assert kept[0] == first_runs[-1] and kept[1] not in first_runs
    await again.stop()
    assert _stored_run_ids(tmp_path, "automation.porch") == kept

    assert main(["trace", "porch", "--config", str(tmp_path), "--all"]) == 0
    printed = capsys.readouterr().out
    assert [
        line.split(" — run ")[1].split()[0] for line in printed.splitlines() if " — run " in line
    ] == kept


async def test_a_house_from_before_trace_rows_keeps_its_runs(tmp_path: Path, capsys: Any) -> None:
    # Real runs, stored by a house, then written into a database of the old layout.
    first = tmp_path / "first"
    first.mkdir()
    (first / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = await _house(first)
    runtime = house.runtime
    runtime.states.set("binary_sensor.hall_motion", "off")
    runtime.states.set("binary_sensor.hall_motion", "on")
    await runtime.advance(10)
    runtime.states.set("binary_sensor.hall_motion", "off")
    runtime.states.set("binary_sensor.hall_motion", "on")
    await runtime.idle()
    hall = house.automations.find("hall_on")
    assert hall is not None
    entity_id = hall.entity_id
    await house.stop()
    connection = sqlite3.connect(first / DATABASE_FILE)
    old_runs = [
        json.loads(row[0]) for row in connection.execute("SELECT trace FROM traces ORDER BY id")
    ]
    connection.close()
    assert [run["script_execution"] for run in old_runs] == ["finished", "failed_conditions"]

    config_dir = tmp_path / "house"
    config_dir.mkdir()
    (config_dir / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    saved = {"name": "Hall light on motion", "entity_id": entity_id, "traces": old_runs}
    write_old_layout(config_dir / DATABASE_FILE, {"automation.hall_on": saved})

    # Reading never migrates: the old layout is refused until the house starts once.
    assert main(["trace", "hall_on", "--config", str(config_dir)]) == 1
    assert "start homeloom once to migrate it" in capsys.readouterr().err

    house = await _house(config_dir)
    hall = house.automations.find("hall_on")
    assert hall is not None
    assert hall.stored_trace_dicts == old_runs
    await house.stop()
    for name in ("hall_on", "automation.hall_on", "Hall light on motion", entity_id):
        assert main(["trace", name, "--config", str(config_dir), "--all"]) == 0
        printed = capsys.readouterr().out
        assert printed.count(" — run ") == 2
        assert "notify.notify" in printed and "failed_conditions" in printed

    # A run after the migration comes after the migrated ones.
    house = await _house(config_dir)
    runtime = house.runtime
    runtime.states.set("binary_sensor.hall_motion", "off")
    runtime.states.set("binary_sensor.hall_motion", "on")
    await runtime.advance(10)
    hall = house.automations.find("hall_on")
    assert hall is not None
    new_run = hall.stored_trace_dicts[-1]["run_id"]
    assert [t["run_id"] for t in hall.stored_trace_dicts[:-1]] == [r["run_id"] for r in old_runs]
    await house.stop()
    expected = [run["run_id"] for run in old_runs] + [new_run]
    assert _stored_run_ids(config_dir, "automation.hall_on") == expected
    assert main(["trace", "hall_on", "--config", str(config_dir)]) == 0
    printed = capsys.readouterr().out
    assert printed.count(" — run ") == 1 and f"run {new_run} " in printed


async def test_trace_lists_the_scenarios_with_runs(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG + PORCH, encoding="utf-8")
    house = await _house(tmp_path)
    await _porch_runs(house.runtime, 1)
    await house.stop()
    assert main(["trace", "hall_on", "--config", str(tmp_path)]) == 1
    assert "no stored run of 'hall_on'; scenarios with runs: Porch" in capsys.readouterr().err
