"""A time_pattern attached part-way through a second it matches fires for that second,
as Home Assistant 2024.3's does (it drops the fraction of the current second before
looking for the next match), at start-up and when the automation is turned on again
(conformance cases: cases/resident_mix_56.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeloom.simulate import simulate

AUTOMATIONS = """
- id: tick
  alias: Tick
  trigger: {platform: time_pattern, minutes: /10}
  action:
  - service: notify.notify
    data: {message: "{{ trigger.now.strftime('%H:%M:%S') }}"}
- id: toggle
  trigger: {platform: event, event_type: toggle}
  action: {service: automation.toggle, target: {entity_id: automation.tick}}
"""


async def _messages(tmp_path: Path, start: str, steps: list[dict[str, Any]]) -> list[Any]:
    (tmp_path / "configuration.yaml").write_text(
        "homeassistant: {time_zone: Europe/Paris, latitude: 48.8566, longitude: 2.3522}\n"
        "automation: !include automations.yaml\n",
        encoding="utf-8",
    )
    (tmp_path / "automations.yaml").write_text(AUTOMATIONS, encoding="utf-8")
    result = await simulate(tmp_path, {"start": start, "steps": steps}, stub_services=False)
    return [
        (int(call["offset_s"]), call["data"]["message"])
        for call in result["calls"]
        if call["service"] == "notify.notify"
    ]


async def test_pattern_attached_within_its_second_fires_at_start(tmp_path: Path) -> None:
    got = await _messages(tmp_path, "2026-06-01T22:10:00.400000+02:00", [{"advance": 700}])
    assert got == [(0, "22:10:00"), (599, "22:20:00")]


async def test_pattern_turned_on_within_its_second_fires(tmp_path: Path) -> None:
    steps = [
        {"event": {"type": "toggle"}},
        {"advance": 1199},
        {"event": {"type": "toggle"}},
        {"advance": 30},
    ]
    got = await _messages(tmp_path, "2026-06-01T22:00:00.600000+02:00", steps)
    assert got == [(0, "22:00:00"), (1199, "22:20:00")]
