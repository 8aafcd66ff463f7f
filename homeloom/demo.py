"""The demo house `homeloom run` starts on when its configuration directory has none: a
simulated house (the virtual adapter) with a few automations, a guarded action and an
assemblage, to play with from the dashboard."""

from __future__ import annotations

from pathlib import Path

from homeloom.scenarios import CONFIG_FILE

__all__ = ["DEMO_CONFIGURATION", "write_demo_config"]

DEMO_CONFIGURATION = """\
# homeloom demo configuration: a simulated house you can play with.
homeloom:
  name: Demo House
  latitude: 48.8566
  longitude: 2.3522
  elevation: 35
  time_zone: Europe/Paris
  unit_system: metric
  # How much the house may do on its own: auto, suggest, observe or off.
  autonomy: auto
  # Suggestions and notifications: at most 6 an hour, none at night.
  pressure:
    per_hour: 6
    quiet_hours: {start: "23:00", end: "07:00"}

adapters:
  - adapter: virtual
    seed: 42

# sun.sun, as Home Assistant's sun integration (or default_config:) makes it.
sun:

input_boolean:
  guest_mode:
    name: Guest mode

automation:
  - id: hall_light_on_motion
    alias: Hall light on motion
    triggers:
      - trigger: state
        entity_id: binary_sensor.hall_motion
        to: "on"
    conditions:
      - condition: numeric_state
        entity_id: sensor.hall_illuminance
        below: 50
    actions:
      - action: light.turn_on
        target:
          entity_id: light.hall
  - id: hall_light_off
    alias: Hall light off after no motion
    triggers:
      - trigger: state
        entity_id: binary_sensor.hall_motion
        to: "off"
        for: "00:05:00"
    actions:
      - action: light.turn_off
        target:
          entity_id: light.hall
  # Unlocking is guarded: even on auto, the house asks first (see the dashboard's inbox).
  - id: welcome_alice
    alias: Let Alice in when she comes home
    triggers:
      - trigger: state
        entity_id: person.alice
        to: home
    actions:
      - action: lock.unlock
        target:
          entity_id: lock.front_door_lock

# An assemblage: the living room's evening, written against roles, that only suggests.
assemblage:
  living_room_evening:
    name: Living room evening
    autonomy: suggest
    members:
      areas: [living_room]
      people: [person.alice, person.bob]
    roles:
      sensor: binary_sensor.living_room_motion
      lux: sensor.living_room_illuminance
      lamp: light.living_room
    scenarios:
      - id: lamp_on
        alias: Lamp on when someone comes in and it is dark
        triggers:
          - trigger: state
            entity_id: !input sensor
            to: "on"
        conditions:
          - condition: numeric_state
            entity_id: !input lux
            below: 80
        actions:
          - action: light.turn_on
            target:
              entity_id: !input lamp
            data:
              brightness_pct: 60
    derived:
      occupied: "{{ is_state(roles.sensor, 'on') }}"
"""


def write_demo_config(config_dir: Path) -> bool:
    """Write the demo configuration when ``config_dir`` has none; True when written."""
    target = config_dir / CONFIG_FILE
    if target.exists():
        return False
    config_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(DEMO_CONFIGURATION, encoding="utf-8")
    return True
