"""``homeloom simulate``: the events file replayed exactly as reference/events-file.md says."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import homeloom.simulate
from homeloom.cli import main
from homeloom.simulate import EventsFileError, parse_duration, simulate

CONFIG = """\
homeloom:
  time_zone: Europe/Paris
  latitude: 48.85
  longitude: 2.35
automation: !include automations.yaml
"""
AUTOMATIONS = """\
- id: hall_on
  triggers:
    - trigger: state
      entity_id: binary_sensor.hall_motion
      to: "on"
  conditions:
    - condition: numeric_state
      entity_id: sensor.hall_lux
      below: 50
  actions:
    - action: light.turn_on
      target: {entity_id: light.hall}
      data: {brightness_pct: 60}
- id: hall_off
  triggers:
    - trigger: state
      entity_id: binary_sensor.hall_motion
      to: "off"
      for: "00:05:00"
  actions:
    - action: light.turn_off
      target: {entity_id: light.hall}
- id: on_event
  triggers:
    - trigger: event
      event_type: my_event
      event_data: {room: hall}
  actions:
    - action: tts.speak
      data: {message: "event in {{ trigger.event.data.room }}"}
"""
EVENTS: dict[str, Any] = {
    "start": "2026-06-01T20:00:00+02:00",
    "initial": {
        "binary_sensor.hall_motion": "off",
        "sensor.hall_lux": {"state": "12", "attributes": {"unit_of_measurement": "lx"}},
        "light.hall": "off",
    },
    "steps": [
        {"set": {"binary_sensor.hall_motion": True}},
        {"advance": 60},
        {"set": {"binary_sensor.hall_motion": False}},
        {"advance": "00:04:00"},
        {"set": {"sensor.hall_lux": {"attributes": {"friendly_name": "Hall lux"}}}},
        {"advance": {"minutes": 2}},
        {"event": {"type": "my_event", "data": {"room": "hall"}}},
        {"at": "2026-06-01T23:00:00+02:00"},
    ],
}


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "automations.yaml").write_text(AUTOMATIONS, encoding="utf-8")
    return tmp_path


def _calls(result: dict[str, Any]) -> list[tuple[float, str, Any, Any, str]]:
    return [
        (c["offset_s"], c["service"], c["target"], c["data"], c["scenario"])
        for c in result["calls"]
    ]


async def test_stubbed_replay_records_every_call_at_its_time(config_dir: Path) -> None:
    result = await simulate(config_dir, EVENTS, stub_services=True)
    assert _calls(result) == [
        (0, "light.turn_on", {"entity_id": ["light.hall"]}, {"brightness_pct": 60}, "hall_on"),
        (360, "light.turn_off", {"entity_id": ["light.hall"]}, {}, "hall_off"),
        (420, "tts.speak", {}, {"message": "event in hall"}, "on_event"),
    ]
    first = result["calls"][0]
    assert first["time"] == "2026-06-01T20:00:00+02:00" and first["outcome"] == "done"
    runs = [(r["offset_s"], r["scenario"], r["outcome"]) for r in result["runs"]]
    assert runs == [
        (0, "hall_on", "finished"),
        (360, "hall_off", "finished"),
        (420, "on_event", "finished"),
    ]
    assert result["errors"] == []


@pytest.mark.allow_error_logs
async def test_without_stubs_devices_act_and_unknown_services_fail(config_dir: Path) -> None:
    result = await simulate(config_dir, EVENTS, stub_services=False)
    services = [c["service"] for c in result["calls"]]
    assert services[:2] == ["light.turn_on", "light.turn_off"]
    # nothing provides tts.speak in a bare simulation: the step fails as at home
    assert any(r["scenario"] == "on_event" and r["outcome"] == "error" for r in result["runs"])
    assert any("tts.speak is not known" in e["message"] for e in result["errors"])


def test_the_cli_prints_json(config_dir: Path, capsys: Any) -> None:
    events = config_dir / "events.json"
    events.write_text(json.dumps(EVENTS), encoding="utf-8")
    code = main(
        [
            "simulate",
            "--config",
            str(config_dir),
            "--events",
            str(events),
            "--json",
            "--stub-services",
        ]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"calls", "runs", "errors"}
    assert len(printed["calls"]) == 3


def test_the_command_lists_what_the_run_logged_and_prints_nothing_else(config_dir: Path) -> None:
    # In its own process: there the command configures logging itself, as in a shell.
    events = config_dir / "events.json"
    events.write_text(json.dumps(EVENTS), encoding="utf-8")
    command = [sys.executable, "-m", "homeloom", "simulate", "--config", str(config_dir)]
    done = subprocess.run(
        [*command, "--events", str(events), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    printed = json.loads(done.stdout)
    assert any("tts.speak is not known" in e["message"] for e in printed["errors"])
    assert done.stderr == ""


@pytest.mark.parametrize(
    ("text", "seconds"),
    [(300, 300.0), ("00:05:00", 300.0), ("01:30", 5400.0), ({"hours": 1, "seconds": 2}, 3602.0)],
)
def test_durations(text: Any, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_a_bad_duration_says_what_is_valid() -> None:
    with pytest.raises(EventsFileError, match="HH:MM:SS"):
        parse_duration("soon")


PING_PONG = """\
- id: ping
  mode: queued
  triggers: [{trigger: event, event_type: ping}]
  actions: [{event: pong}]
- id: pong
  mode: queued
  triggers: [{trigger: event, event_type: pong}]
  actions: [{event: ping}, {action: light.toggle, target: {entity_id: light.hall}}]
"""


@pytest.mark.allow_error_logs
async def test_scenarios_setting_each_other_off_without_end_stop_the_replay(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(homeloom.simulate, "RUNAWAY_LIMIT", 300)
    (config_dir / "automations.yaml").write_text(PING_PONG, encoding="utf-8")
    events = {
        "start": "2026-06-01T20:00:00+02:00",
        "steps": [{"event": {"type": "ping"}}, {"advance": 60}, {"event": {"type": "later"}}],
    }
    result = await asyncio.wait_for(simulate(config_dir, events, stub_services=True), 60)
    stopped = [e for e in result["errors"] if e["message"].startswith("replay stopped")]
    assert len(stopped) == 1
    assert "more than 300 service calls and runs" in stopped[0]["message"]
    assert stopped[0]["offset_s"] == 0  # the clock never moved on, nor did the replay
    assert max(run["offset_s"] for run in result["runs"]) == 0
    assert 150 < len(result["runs"]) <= 301


async def test_stopping_the_house_after_the_replay_is_not_part_of_it(config_dir: Path) -> None:
    (config_dir / "automations.yaml").write_text(
        """\
- id: goodbye
  triggers: [{trigger: homeassistant, event: shutdown}]
  actions: [{action: notify.notify, data: {message: bye}}]
""",
        encoding="utf-8",
    )
    events = {"start": "2026-06-01T20:00:00+02:00", "steps": [{"advance": 5}]}
    result = await simulate(config_dir, events)
    assert result == {"calls": [], "runs": [], "errors": []}
