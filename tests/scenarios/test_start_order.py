"""At start, a trigger-based template entity's ``homeassistant: start`` trigger fires
before the automations attach their triggers, as in Home Assistant 2024.3 (its template
entities attach theirs as it starts, its automations once it has started): no
automation sees that first value as a change, and a start-triggered run reads it
(resident mix 42)."""

from __future__ import annotations

from pathlib import Path

from homeloom.simulate import simulate

CONFIG = """\
homeassistant: {time_zone: Europe/Paris, latitude: 48.8566, longitude: 2.3522}
template:
  - trigger: {platform: homeassistant, event: start}
    sensor:
      - name: Last restart
        state: "{{ now().strftime('%H:%M') }}"
automation:
  - id: changed
    trigger: {platform: state, entity_id: sensor.last_restart}
    action: {service: notify.notify, data: {message: changed}}
  - id: started
    trigger: {platform: homeassistant, event: start}
    action: {service: notify.notify, data: {message: "read {{ states('sensor.last_restart') }}"}}
"""


async def test_a_template_start_trigger_is_no_change_for_automations(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    events = {"start": "2026-06-01T20:00:00+02:00", "steps": [{"advance": 60}]}
    result = await simulate(tmp_path, events, stub_services=True)
    assert [call["data"] for call in result["calls"]] == [{"message": "read 20:00"}]
    assert [run["scenario"] for run in result["runs"]] == ["started"]
