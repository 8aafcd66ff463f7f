"""Time and template trigger corners beyond the YAML cases, each checked against Home
Assistant 2024.3's engine: a render error leaves a pending ``for`` running, a template
failing at load through ``states.domain.object`` is still watched, a result that stays
the same keeps a pending ``for``, ``at`` refuses entities outside input_datetime and
sensor, and a date-only input_datetime already past never fires."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from homeloom.simulate import simulate
from tests.scenarios.test_cases import CORE, START, _call, _expected

CASES: list[dict[str, Any]] = yaml.safe_load(
    """
- name: template trigger render error leaves a pending for running
  automations:
    - id: a
      trigger:
        platform: template
        value_template: "{{ states('sensor.x') | float > 5 }}"
        for: 60
      action: {service: notify.notify, data: {message: "{{ states('sensor.x') }}"}}
  initial: {sensor.x: "1"}
  steps: [{set: {sensor.x: "7"}}, {advance: 10}, {set: {sensor.x: abc}}, {advance: 100}]
  calls: [[60, notify.notify, null, {message: abc}]]

- name: template trigger erroring at load through states.domain.object
  automations:
    - id: a
      trigger: {platform: template, value_template: "{{ states.sensor.x.state | float > 5 }}"}
      action: {service: notify.notify, data: {message: "{{ states('sensor.x') }}"}}
  initial: {sensor.x: abc}
  steps: [{set: {sensor.x: "7"}}, {set: {sensor.x: "2"}}, {set: {sensor.x: "9"}}]
  calls: [[0, notify.notify, null, {message: 9}]]

- name: template trigger same truthy result keeps a pending for
  automations:
    - id: a
      trigger:
        platform: template
        value_template: "{{ states('sensor.n') | int(0) > 2 }}"
        for: 60
      action: {service: notify.notify, data: {message: "{{ states('sensor.n') }}"}}
  initial: {sensor.n: "0"}
  steps: [{set: {sensor.n: "3"}}, {advance: 30}, {set: {sensor.n: "5"}}, {advance: 100}]
  calls: [[60, notify.notify, null, {message: 5}]]

- name: time at an entity outside input_datetime and sensor refuses the automation
  automations:
    - id: a
      trigger: {platform: time, at: input_text.alarm}
      action: {service: notify.notify, data: {message: bad}}
    - id: b
      trigger: {platform: time, at: "20:05"}
      action: {service: notify.notify, data: {message: good}}
  initial: {input_text.alarm: "20:01:00"}
  steps: [{advance: 600}]
  calls: [[300, notify.notify, null, {message: good}]]
  error: "domain 'input_datetime' or 'sensor'"

- name: time from a date-only input_datetime of today has passed
  automations:
    - id: a
      trigger: {platform: time, at: input_datetime.day}
      action: {service: notify.notify, data: {message: day}}
  initial:
    input_datetime.day:
      state: "2026-06-01"
      attributes: {has_date: true, has_time: false, year: 2026, month: 6, day: 1}
  steps: [{advance: {hours: 6}}]
  calls: []
"""
)


@pytest.mark.allow_error_logs
@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
async def test_trigger_corner(case: dict[str, Any], tmp_path: Path) -> None:
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
    if "error" in case:
        assert any(case["error"] in str(error.get("message")) for error in result["errors"])
