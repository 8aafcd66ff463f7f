"""``homeloom simulate --from-history``: what the scenarios would do with the recorded inputs."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from homeloom.cli import main
from homeloom.history_replay import HistoryError, events_from_history, parse_span
from homeloom.house import DATABASE_FILE, House
from homeloom.orchestrator import TestClock
from homeloom.simulate import install_simulated_devices

RECORDED = """\
homeloom:
  time_zone: Europe/Paris
automation:
  - id: hall
    alias: Hall light on motion
    triggers: [{trigger: state, entity_id: binary_sensor.hall_motion, to: "on"}]
    actions:
      - action: light.turn_on
        target: {entity_id: light.hall}
"""
# The same house, now asked to suggest rather than act.
NOW_SUGGESTS = RECORDED.replace(
    "    alias: Hall light on motion\n", "    alias: Hall light on motion\n    autonomy: suggest\n"
)


async def _record(config_dir: Path, start: datetime) -> None:
    """A recorded evening: motion twice, the scenario lighting the hall each time."""
    house = House(config_dir, clock=TestClock(start), adapters=False)

    def devices(runtime: Any) -> None:
        runtime.states.set("binary_sensor.hall_motion", "off")
        runtime.states.set("light.hall", "off", {"friendly_name": "Hall light"})
        install_simulated_devices(runtime)

    assert (await house.setup(before_scenarios=devices)).errors == []
    await house.start()
    runtime = house.runtime
    await runtime.advance(600)
    for _ in range(2):
        runtime.states.set("binary_sensor.hall_motion", "on")
        await runtime.advance(120)
        runtime.states.set("binary_sensor.hall_motion", "off")
        await runtime.advance(1800)
    light = runtime.states.get("light.hall")
    assert light is not None and light.state == "on"
    await house.stop()


def test_history_becomes_an_events_file_of_inputs_only(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(RECORDED, encoding="utf-8")
    start = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
    asyncio.run(_record(tmp_path, start))
    now = start + timedelta(hours=2)
    events = events_from_history(tmp_path / DATABASE_FILE, parse_span("100m"), now)
    assert events["start"] == (now - timedelta(minutes=100)).isoformat()
    # At the start of the span the motion had been seen once already.
    assert events["initial"]["binary_sensor.hall_motion"]["state"] == "off"
    assert events["initial"]["light.hall"]["state"] == "on"  # as the house stood
    written = [step["set"] for step in events["steps"] if "set" in step]
    # The light the scenario turned on is an output: the replay leaves it to the scenarios.
    assert written == [
        {"binary_sensor.hall_motion": {"state": "on", "attributes": {}}},
        {"binary_sensor.hall_motion": {"state": "off", "attributes": {}}},
    ]


def test_simulate_from_history_shows_what_the_scenarios_would_do_now(
    tmp_path: Path, capsys: Any
) -> None:
    (tmp_path / "configuration.yaml").write_text(RECORDED, encoding="utf-8")
    asyncio.run(_record(tmp_path, datetime.now(UTC) - timedelta(hours=2)))
    (tmp_path / "configuration.yaml").write_text(NOW_SUGGESTS, encoding="utf-8")
    code = main(["simulate", "--config", str(tmp_path), "--from-history", "6h", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["errors"] == []
    outcomes = [(call["service"], call["outcome"]) for call in result["calls"]]
    assert outcomes == [("light.turn_on", "proposed"), ("light.turn_on", "proposed")]
    assert result["calls"][0]["sentence"].startswith("Turn on Hall light")


def test_a_bad_span_or_a_missing_database_is_a_clear_error(tmp_path: Path, capsys: Any) -> None:
    with pytest.raises(HistoryError, match="such as 6h"):
        parse_span("six hours")
    (tmp_path / "configuration.yaml").write_text(RECORDED, encoding="utf-8")
    assert main(["simulate", "--config", str(tmp_path), "--from-history", "6h"]) == 2
    assert "no database" in capsys.readouterr().err
