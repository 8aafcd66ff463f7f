"""A realistic, large configuration (written for this test): a Home Assistant directory
as a resident copies it, ``.storage`` included, checks with zero errors and sets up
every entity it describes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from homeloom.cli import main
from homeloom.simulate import simulate
from tests.cli.large_config_domains import CONTROLS, ENERGY, SAFETY
from tests.cli.large_config_storage import FOREIGN_ENTRIES, write_storage

ROOMS = [f"room_{n}" for n in range(60)]
BLUEPRINT = """\
blueprint:
  name: Motion-activated light
  domain: automation
  input:
    motion: {name: Motion sensor, selector: {entity: {domain: binary_sensor}}}
    light: {name: Light, selector: {target: {entity: {domain: light}}}}
    wait: {name: Wait, default: 120, selector: {number: {min: 0, max: 3600}}}
mode: restart
triggers:
  - trigger: state
    entity_id: !input motion
    to: "on"
actions:
  - action: light.turn_on
    target: !input light
  - wait_for_trigger:
      - trigger: state
        entity_id: !input motion
        to: "off"
  - delay: !input wait
  - action: light.turn_off
    target: !input light
"""


def _room_automations(room: str) -> list[dict[str, Any]]:
    motion, lux, light = f"binary_sensor.{room}_motion", f"sensor.{room}_lux", f"light.{room}"
    return [
        {
            "id": f"{room}_dark_motion",
            "alias": f"{room} light when dark",
            "trigger": [{"platform": "state", "entity_id": motion, "to": "on"}],
            "condition": [
                {"condition": "numeric_state", "entity_id": lux, "below": 40},
                {"condition": "time", "after": "06:00:00", "before": "23:30:00"},
            ],
            "action": [
                {
                    "service": "light.turn_on",
                    "target": {"entity_id": light},
                    "data": {"brightness_pct": "{{ 30 if now().hour > 21 else 80 }}"},
                }
            ],
            "mode": "restart",
        },
        {
            "id": f"{room}_empty",
            "alias": f"{room} off when empty",
            "triggers": [
                {"trigger": "state", "entity_id": motion, "to": "off", "for": {"minutes": 10}}
            ],
            "actions": [{"action": "light.turn_off", "target": {"entity_id": light}}],
        },
        {
            "id": f"{room}_night",
            "alias": f"{room} night mode",
            "triggers": [
                {"trigger": "time", "at": "23:00:00"},
                {"trigger": "sun", "event": "sunset", "offset": "-00:30:00"},
            ],
            "conditions": "{{ is_state('input_boolean.guest_mode', 'off') }}",
            "actions": [
                {
                    "choose": [
                        {
                            "conditions": [{"condition": "trigger", "id": "0"}],
                            "sequence": [
                                {"action": "light.turn_off", "target": {"entity_id": light}}
                            ],
                        },
                    ],
                    "default": [
                        {"action": "scene.turn_on", "target": {"entity_id": "scene.evening"}}
                    ],
                },
            ],
        },
        {
            "id": f"{room}_window",
            "alias": f"{room} window reminder",
            "trigger": {
                "platform": "state",
                "entity_id": f"binary_sensor.{room}_window",
                "to": "on",
                "for": "00:15:00",
            },
            "condition": {"condition": "numeric_state", "entity_id": "sensor.outdoor", "below": 10},
            "action": [
                {
                    "repeat": {
                        "while": [
                            {
                                "condition": "state",
                                "entity_id": f"binary_sensor.{room}_window",
                                "state": "on",
                            }
                        ],
                        "sequence": [
                            {
                                "service": "notify.notify",
                                "data": {"message": f"Close the {room} window"},
                            },
                            {"delay": {"minutes": 10}},
                        ],
                    }
                },
            ],
            "mode": "single",
        },
    ]


def _write(config_dir: Path) -> int:
    """Write the configuration; returns the number of scenarios it holds."""
    (config_dir / "automations").mkdir(parents=True)
    (config_dir / "packages").mkdir()
    (config_dir / "blueprints" / "automation" / "homeloom").mkdir(parents=True)
    (config_dir / "blueprints/automation/homeloom/motion_light.yaml").write_text(BLUEPRINT)
    main_list = [a for room in ROOMS[:30] for a in _room_automations(room)]
    (config_dir / "automations.yaml").write_text(yaml.safe_dump(main_list, sort_keys=False))
    count = len(main_list)
    for room in ROOMS[30:]:
        items = _room_automations(room)
        (config_dir / "automations" / f"{room}.yaml").write_text(yaml.safe_dump(items))
        count += len(items)
    uses = [
        {
            "id": f"bp_{n}",
            "alias": f"Blueprint light {n}",
            "use_blueprint": {
                "path": "homeloom/motion_light.yaml",
                "input": {
                    "motion": f"binary_sensor.corridor_{n}",
                    "light": {"entity_id": f"light.corridor_{n}"},
                    **({"wait": 30} if n % 2 else {}),
                },
            },
        }
        for n in range(40)
    ]
    (config_dir / "automations" / "blueprints.yaml").write_text(yaml.safe_dump(uses))
    count += len(uses)
    scripts = {
        f"announce_{n}": {
            "alias": f"Announce {n}",
            "fields": {"message": {"description": "What to say", "default": "hello"}},
            "mode": "queued",
            "sequence": [
                {"action": "notify.notify", "data": {"message": "{{ message }}"}},
                {"delay": 2},
            ],
        }
        for n in range(30)
    }
    (config_dir / "scripts.yaml").write_text(yaml.safe_dump(scripts))
    count += len(scripts)
    for n in range(10):
        package = {
            "input_boolean": {f"pkg_{n}_enabled": {"name": f"Package {n}"}},
            "automation": [
                {
                    "id": f"pkg_{n}",
                    "alias": f"Package {n} automation",
                    "triggers": [{"trigger": "event", "event_type": f"pkg_{n}"}],
                    "conditions": [
                        {
                            "condition": "state",
                            "entity_id": f"input_boolean.pkg_{n}_enabled",
                            "state": "on",
                        }
                    ],
                    "actions": [{"action": "script.announce_1", "data": {"message": f"pkg {n}"}}],
                }
            ],
        }
        (config_dir / "packages" / f"pkg_{n}.yaml").write_text(yaml.safe_dump(package))
        count += 1
    for name, text in {"energy": ENERGY, "safety": SAFETY, "controls": CONTROLS}.items():
        (config_dir / "packages" / f"{name}.yaml").write_text(text, encoding="utf-8")
        count += len(yaml.safe_load(text)["automation"])
    write_storage(config_dir)
    (config_dir / "secrets.yaml").write_text("home_latitude: 48.85\n")
    (config_dir / "configuration.yaml").write_text(
        """\
homeassistant:
  name: Big house
  latitude: !secret home_latitude
  longitude: 2.35
  time_zone: Europe/Paris
  packages: !include_dir_named packages
adapters:
  - adapter: virtual
input_boolean:
  guest_mode: {name: Guest mode}
input_number:
  target_temp: {min: 15, max: 25, step: 0.5, initial: 20}
counter:
  visits: {}
timer:
  laundry: {duration: "01:00:00"}
scene:
  - name: Evening
    entities:
      light.living_room: {state: "on", brightness: 120}
group:
  downstairs: {entities: [light.living_room, light.kitchen]}
automation: !include automations.yaml
automation more: !include_dir_merge_list automations/
script: !include scripts.yaml
"""
    )
    return count


def test_a_large_configuration_checks_with_zero_errors(tmp_path: Path, capsys: Any) -> None:
    expected = _write(tmp_path)
    assert expected > 300
    code = main(["check", "--config", str(tmp_path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == []
    assert code == 0
    assert report["scenarios"] == {"loaded": expected, "failed": 0}
    # Entities no adapter provides are warnings, never errors; so are the config entries
    # of integrations homeloom does not have, which the copied directory holds on purpose.
    entries, others = [], []
    for warning in report["warnings"]:
        foreign = warning["message"].startswith("config entries not provided")
        (entries if foreign else others).append(warning)
    assert all("unknown entity" in w["message"] for w in others)
    assert len(entries) == 1
    assert all(
        f"{domain} {title!r}" in entries[0]["message"] for domain, title in FOREIGN_ENTRIES.items()
    )
    assert entries[0]["file"] == str(tmp_path / ".storage/core.config_entries")


# What the house report says of each entity (see ``CONTROLS``): made from the YAML,
# from the UI's helpers, persons, zones and config entries, restored from Home
# Assistant's saved states.
EXPECTED_STATES = {
    "input_boolean.away_for_holidays": "on",  # a UI helper, renamed, restored
    "input_number.night_temperature": "14.0",
    "input_select.house_mode": "away",  # restored
    "counter.doorbell_rings": "8",  # restored at 7, then the garage tag rang once
    "timer.dishwasher": "idle",
    "person.ann": "Office",
    "person.bob": "home",
    "zone.office": "1",
    "sensor.house_power": "1500.0",  # config entry template sensor
    "binary_sensor.any_window_open": "on",
    "light.downstairs_lights": "on",  # config entry light group
    "sensor.average_temperature": "20.0",  # config entry sensor group
    "sensor.coldest_room": "19.0",  # min_max config entry
    "binary_sensor.humid_bathroom": "on",  # threshold config entry
    "sensor.power_trend": "0",  # derivative config entry
    "sensor.heat_pump_this_month": "0.5",  # utility_meter config entry, renamed
    "sensor.energy_daily": "2",
    "sensor.energy_tariffs_peak": "2",
    "select.energy_tariffs": "peak",
    "sensor.upstairs_temperature": "17.5",
    "sensor.warmest_room": "21.0",
    "sensor.energy_rate": "0",
    "binary_sensor.freezing_outside": "on",
    "alert.garage_door": "on",
    "alert.freezer": "idle",
    "switch.heater": "off",
    "lock.front_door": "unlocked",
    "lock.garage": "locked",  # optimistic, its template says the garage is closed
    "cover.garage": "closed",
    "light.hall_strip": "off",
    "fan.bathroom": "off",
    "button.ring_all_phones": "unknown",
    "number.night_setpoint": "14.0",
    "select.heating_mode": "eco",
}
EVENTS = {
    "start": "2026-06-01T12:00:00+02:00",
    "initial": {
        "sensor.grid_power": "1200",
        "sensor.solar_power": "300",
        "binary_sensor.room_0_window": "on",
        "light.room_0": "on",
        "light.room_1": "off",
        **{
            f"sensor.room_{n}_temperature": {
                "state": state,
                "attributes": {"unit_of_measurement": "°C"},
            }
            for n, state in enumerate(["19", "21", "17", "18"])
        },
        "sensor.bathroom_humidity": "80",
        "sensor.heat_pump_energy": {"state": "100", "attributes": {"unit_of_measurement": "kWh"}},
        "sensor.grid_energy": {"state": "5000", "attributes": {"unit_of_measurement": "kWh"}},
        "sensor.outdoor": "-2",
        "binary_sensor.garage_door": "on",
        "binary_sensor.freezer_warm": "off",
        "device_tracker.ann_phone": "not_home",
        "device_tracker.bob_phone": "home",
    },
    "steps": [
        {"event": {"type": "tag_scanned", "data": {"tag_id": "garage-tag"}}},
        # The meters collect from their sources' first change on.
        {"set": {"sensor.heat_pump_energy": "100.5", "sensor.grid_energy": "5002"}},
        {"set": {"person.ann": {"state": "Office"}}},
        {"event": {"type": "house_report"}},
    ],
}


async def test_every_entity_of_the_copied_directory_exists(tmp_path: Path) -> None:
    _write(tmp_path)
    result = await simulate(tmp_path, EVENTS)
    assert result["errors"] == []
    services = [call["service"] for call in result["calls"]]
    assert "cover.close_cover" in services  # the tag trigger ran
    report = next(c for c in result["calls"] if c["scenario"] == "controls_report")
    lines = report["data"]["message"].split()
    states = dict(line.split("=", 1) for line in lines)
    assert states == EXPECTED_STATES
