"""Event, zone, state, time and sun corners beyond the YAML cases, each checked against
Home Assistant 2024.3's engine: event data with a nested mapping (only the keys it
names, a list as the items allowed) and context choices, a zone entered by an entity
that appears and skipped for whole-number coordinates, the zone radius as a strict
limit, a missing input entity or an erroring entity under ``match: any``, a state ``for``
that must be exceeded, equal time limits meaning all day, a time entity outside
input_datetime and sensor refused, and a timestamp sensor that does not parse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from homeloom.simulate import simulate
from tests.scenarios.test_cases import CORE, START, _call, _expected

CASES: list[dict[str, Any]] = yaml.safe_load(
    """
- name: event data nested mapping checks only the keys it names
  automations:
    - id: a
      trigger:
        platform: event
        event_type: zha_event
        event_data: {device: {ieee: "aa:bb", ep: 1}, command: step}
      action: {service: notify.notify, data: {message: "{{ trigger.event.data.n }}"}}
  steps:
    - event: {type: zha_event, data: {n: 1, command: step, device: {ieee: "aa:bb", ep: 1, x: 5}}}
    - event: {type: zha_event, data: {n: 2, command: step, device: {ieee: "aa:bb"}}}
    - event: {type: zha_event, data: {n: 3, command: step, device: {}}}
    - event: {type: zha_event, data: {n: 4, command: step, device: {ieee: "cc:dd"}}}
    - event: {type: zha_event, data: {n: 5, command: step, device: "aa:bb"}}
    - event: {type: zha_event, data: {n: 6, device: {ieee: "aa:bb"}}}
    - event: {type: zha_event, data: {n: 7, command: step, device: {ep: 1.0}}}
  calls:
    - [0, notify.notify, null, {message: 1}]
    - [0, notify.notify, null, {message: 2}]
    - [0, notify.notify, null, {message: 3}]
    - [0, notify.notify, null, {message: 7}]

- name: event data list inside a nested mapping lists the items allowed
  automations:
    - id: a
      trigger:
        platform: event
        event_type: zha_event
        event_data: {device: {args: [0, 43]}}
      action: {service: notify.notify, data: {message: "{{ trigger.event.data.n }}"}}
  steps:
    - event: {type: zha_event, data: {n: 1, device: {args: [43]}}}
    - event: {type: zha_event, data: {n: 2, device: {args: [43, 0, 0]}}}
    - event: {type: zha_event, data: {n: 3, device: {args: []}}}
    - event: {type: zha_event, data: {n: 4, device: {args: [0, 5]}}}
    - event: {type: zha_event, data: {n: 5, device: {args: 0}}}
  calls:
    - [0, notify.notify, null, {message: 1}]
    - [0, notify.notify, null, {message: 2}]
    - [0, notify.notify, null, {message: 3}]

- name: zone trigger enter by an entity that appears inside
  automations:
    - id: a
      trigger: {platform: zone, entity_id: person.b, zone: zone.work, event: enter}
      action: {service: notify.notify, data: {message: "new {{ trigger.from_state is none }}"}}
  initial:
    zone.work:
      state: "0"
      attributes: {latitude: 48.87, longitude: 2.33, radius: 200, friendly_name: Work}
  steps:
    - set: {person.b: {state: Work, attributes: {latitude: 48.8701, longitude: 2.3301}}}
  calls: [[0, notify.notify, null, {message: new True}]]

- name: zone trigger skips whole-number coordinates
  automations:
    - id: a
      trigger: {platform: zone, entity_id: person.a, zone: zone.work, event: enter}
      action: {service: notify.notify, data: {message: arrived}}
  initial:
    zone.work:
      state: "0"
      attributes: {latitude: 48.0, longitude: 2.0, radius: 500, friendly_name: Work}
    person.a: {state: not_home, attributes: {latitude: 48.5, longitude: 2.5}}
  steps:
    - set: {person.a: {state: Work, attributes: {latitude: 48, longitude: 2}}}
    - set: {person.a: {state: not_home, attributes: {latitude: 48.5, longitude: 2.5}}}
    - set: {person.a: {state: Work, attributes: {latitude: 48.0, longitude: 2.0}}}
  calls: [[0, notify.notify, null, {message: arrived}]]

- name: zone condition radius is a strict limit and needs coordinates
  automations:
    - id: a
      trigger: {platform: event, event_type: go}
      condition: {condition: zone, entity_id: person.a, zone: [zone.far, zone.work]}
      action: {service: notify.notify, data: {message: "{{ trigger.event.data.n }}"}}
    - id: b
      trigger: {platform: event, event_type: go}
      condition: {condition: zone, entity_id: [person.a, person.c], zone: zone.work}
      action: {service: notify.notify, data: {message: "c {{ trigger.event.data.n }}"}}
  initial:
    zone.work: {state: "0", attributes: {latitude: 48.85, longitude: 2.35, radius: 0}}
    zone.far: {state: "0", attributes: {latitude: 10.0, longitude: 10.0, radius: 10}}
    person.a: {state: Work, attributes: {latitude: 48.85, longitude: 2.35}}
    person.c: Work
  steps:
    - event: {type: go, data: {n: 1}}
    - set: {person.a: {attributes: {gps_accuracy: 1}}}
    - event: {type: go, data: {n: 2}}
  calls: [[0, notify.notify, null, {message: 2}]]

- name: state condition with a missing input entity is false
  automations:
    - id: a
      trigger: {platform: event, event_type: go}
      condition: {condition: state, entity_id: sensor.mode, state: [input_select.gone, away]}
      action: {service: notify.notify, data: {message: same}}
  initial: {sensor.mode: away}
  steps: [{event: {type: go}}]
  calls: []

- name: state condition match any fails on an unknown entity
  automations:
    - id: a
      trigger: {platform: event, event_type: go}
      condition: {condition: state, entity_id: [light.a, light.gone], state: "on", match: any}
      action: {service: notify.notify, data: {message: any}}
    - id: b
      trigger: {platform: event, event_type: go}
      condition: {condition: state, entity_id: [light.gone, light.b], state: "on"}
      action: {service: notify.notify, data: {message: all}}
  initial: {light.a: "on", light.b: "off"}
  steps: [{event: {type: go}}]
  calls: []

- name: state condition for must be exceeded
  automations:
    - id: a
      trigger: {platform: event, event_type: go}
      condition: {condition: state, entity_id: light.a, state: "on", for: 60}
      action: {service: notify.notify, data: {message: long}}
  initial: {light.a: "off"}
  steps:
    - set: {light.a: "on"}
    - advance: 60
    - event: {type: go}
    - advance: 1
    - event: {type: go}
  calls: [[61, notify.notify, null, {message: long}]]

- name: time condition with equal limits holds all day
  automations:
    - id: a
      trigger: {platform: event, event_type: go}
      condition: {condition: time, after: "08:00", before: "08:00"}
      action: {service: notify.notify, data: {message: "{{ now().strftime('%H') }}"}}
  steps: [{event: {type: go}}, {at: "2026-06-02T08:00:00+02:00"}, {event: {type: go}}]
  calls: [[0, notify.notify, null, {message: 20}], [43200, notify.notify, null, {message: "08"}]]

- name: time condition refuses an entity outside input_datetime and sensor
  automations:
    - id: a
      trigger: {platform: event, event_type: go}
      condition: {condition: time, after: binary_sensor.t}
      action: {service: notify.notify, data: {message: a}}
    - id: b
      trigger: {platform: event, event_type: go}
      action: {service: notify.notify, data: {message: b}}
  initial:
    binary_sensor.t: {state: "2026-06-01T00:00:00+00:00", attributes: {device_class: timestamp}}
  steps: [{event: {type: go}}]
  calls: [[0, notify.notify, null, {message: b}]]

- name: time condition with a timestamp sensor that does not parse is false
  automations:
    - id: a
      trigger: {platform: event, event_type: go}
      condition: {condition: time, before: sensor.t}
      action: {service: notify.notify, data: {message: before}}
  initial: {sensor.t: {state: "soon", attributes: {device_class: timestamp}}}
  steps: [{event: {type: go}}]
  calls: []

- name: time condition input_datetime reads its attributes, not its state
  automations:
    - id: a
      trigger: {platform: event, event_type: go}
      condition: {condition: time, before: input_datetime.t}
      action: {service: notify.notify, data: {message: before}}
  initial: {input_datetime.t: {state: unknown, attributes: {hour: 21}}}
  steps:
    - event: {type: go}
    - at: "2026-06-01T21:30:00+02:00"
    - event: {type: go}
    - at: "2026-06-01T22:00:00+02:00"
    - event: {type: go}
  calls:
    - [0, notify.notify, null, {message: before}]
    - [5400, notify.notify, null, {message: before}]
"""
)


@pytest.mark.allow_error_logs
@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
async def test_condition_corner(case: dict[str, Any], tmp_path: Path) -> None:
    config_text = yaml.safe_dump(CORE, sort_keys=False)
    config_text += "automation: !include automations.yaml\n"
    (tmp_path / "configuration.yaml").write_text(config_text, encoding="utf-8")
    (tmp_path / "automations.yaml").write_text(
        yaml.safe_dump(case["automations"], sort_keys=False), encoding="utf-8"
    )
    events = {"start": START, "initial": case.get("initial") or {}, "steps": case["steps"]}
    result = await simulate(tmp_path, events)
    calls = [_call(call) for call in result["calls"]]
    assert calls == [_expected(row) for row in case["calls"]], result["errors"]
