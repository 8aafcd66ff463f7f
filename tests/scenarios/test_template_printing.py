"""Templates print states and events as Home Assistant 2024.3 does (checked against its
engine): ``<state ...>``, ``<template TemplateState(...)>``, ``<Event ...>``, alone or
inside a printed mapping, with times in the house's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from homeloom.orchestrator import Context
from tests.scenarios.notified import notified_house

CONFIG = """\
homeloom:
  time_zone: Europe/Paris
automation:
  - id: light
    triggers: [{trigger: state, entity_id: light.a}]
    actions:
      - action: notify.notify
        data: {message: "{{ trigger.to_state }} | {{ states.light.a }}"}
  - id: changed
    triggers: [{trigger: event, event_type: state_changed, event_data: {entity_id: light.a}}]
    actions:
      - action: notify.notify
        data: {message: "{{ trigger.event.data }}"}
  - id: knock
    triggers: [{trigger: event, event_type: knock}]
    actions:
      - action: notify.notify
        data: {message: "{{ trigger.event }}"}
      - action: notify.notify
        data:
          message: >-
            {{ trigger.event.as_dict().time_fired }} {{ trigger.event.time_fired_timestamp }}
            {{ trigger.event.as_dict().context.keys() | list }}
"""
START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)  # 20:00 in Paris


async def test_a_state_prints_with_its_attributes_and_local_last_change(tmp_path: Path) -> None:
    house, sent = await notified_house(tmp_path, CONFIG, START)
    try:
        house.runtime.states.set("light.a", "off")
        sent.clear()
        house.runtime.states.set("light.a", "on", {"brightness": 3, "friendly_name": "A"})
        await house.runtime.idle()
    finally:
        await house.stop()
    state = "<state light.a=on; brightness=3, friendly_name=A @ 2026-06-01T20:00:00+02:00>"
    old = "<state light.a=off @ 2026-06-01T20:00:00+02:00>"
    assert sorted(message for _, message in sent) == [
        f"{state} | <template TemplateState({state})>",
        f"{{'entity_id': 'light.a', 'old_state': {old}, 'new_state': {state}}}",
    ]


async def test_an_event_prints_its_type_origin_and_data(tmp_path: Path) -> None:
    house, sent = await notified_house(tmp_path, CONFIG, START)
    try:
        data = {"args": {"b": 1, "c": [1, 2]}, "t": "x y", "at": START}
        house.runtime.bus.fire("knock", data, Context())
        await house.runtime.idle()
        house.runtime.bus.fire("knock", {}, Context())
        await house.runtime.idle()
    finally:
        await house.stop()
    at = "2026-06-01T18:00:00+00:00 1780336800.0 ['id', 'parent_id', 'user_id']"
    assert [message for _, message in sent] == [
        "<Event knock[L]: args=b=1, c=[1, 2], t=x y, at=2026-06-01T20:00:00+02:00>",
        at,
        "<Event knock[L]>",
        at,
    ]
