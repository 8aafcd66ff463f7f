"""Templates that read whole domains (``states.light``): a wait_template, a template
trigger or a template sensor is rendered again when an entity of that domain gets its
first state, as Home Assistant's are; the wait stops listening once it ends; a wait
template that fails to render is logged with its scenario and waits on."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.orchestrator import Context, Runtime, TestClock
from homeloom.scenarios import get_template_engine
from tests.scenarios.notified import notified_house

CONFIG = """\
homeloom:
  time_zone: Europe/Paris
template:
  - sensor:
      - name: Lights on
        state: "{{ states.light | selectattr('state', 'eq', 'on') | list | count }}"
automation:
  - id: lights_wait
    alias: Lights wait
    triggers: [{trigger: event, event_type: go}]
    actions:
      - wait_template: "{{ states.light | selectattr('state', 'eq', 'on') | list | count > 0 }}"
        timeout: 600
      - action: notify.notify
        data: {message: "wait {{ wait.completed }}"}
  - id: windows
    alias: Windows
    triggers:
      - trigger: template
        value_template: >-
          {{ states.binary_sensor | selectattr('state', 'eq', 'on') | list | count > 1 }}
    actions:
      - action: notify.notify
        data: {message: "windows {{ trigger.entity_id }}"}
  - id: co2
    alias: CO2 wait
    triggers: [{trigger: event, event_type: ventilate}]
    actions:
      - wait_template: "{{ states('sensor.co2') | float < 800 }}"
      - action: notify.notify
        data: {message: co2 low}
"""
START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


async def test_a_wait_template_sees_a_light_made_while_it_waits(tmp_path: Path) -> None:
    house, sent = await notified_house(tmp_path, CONFIG, START)
    runtime = house.runtime
    listening = runtime.bus.listener_count("state_changed")
    runtime.bus.fire("go", {})
    await runtime.idle()
    assert runtime.bus.listener_count("state_changed") == listening + 1
    await runtime.advance(10)
    runtime.states.set("light.new_lamp", "on")
    await runtime.advance(1)
    assert sent == [(10, "wait True")]
    # The wait ended: it listens no more.
    assert runtime.bus.listener_count("state_changed") == listening
    await house.stop()


async def test_a_template_trigger_sees_a_binary_sensor_made_after_it(tmp_path: Path) -> None:
    house, sent = await notified_house(tmp_path, CONFIG, START)
    runtime = house.runtime
    runtime.states.set("binary_sensor.kitchen_window", "on")
    await runtime.advance(10)
    runtime.states.set("binary_sensor.office_window", "on")
    await runtime.advance(1)
    assert sent == [(10, "windows binary_sensor.office_window")]
    await house.stop()


async def test_a_wait_template_failing_to_render_is_logged_and_waits_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    house, sent = await notified_house(tmp_path, CONFIG, START)
    runtime = house.runtime
    runtime.states.set("sensor.co2", "1200")
    runtime.bus.fire("ventilate", {})
    await runtime.idle()
    with caplog.at_level(logging.WARNING):
        runtime.states.set("sensor.co2", "unavailable")
        await runtime.advance(5)
    assert any(
        "CO2 wait" in r.getMessage() and "wait template" in r.getMessage() for r in caplog.records
    )
    runtime.states.set("sensor.co2", "700")
    await runtime.advance(1)
    assert sent == [(5, "co2 low")]
    await house.stop()


async def test_a_template_sensor_counts_a_light_made_after_it(tmp_path: Path) -> None:
    house, _ = await notified_house(tmp_path, CONFIG, START)
    runtime = house.runtime
    runtime.states.set("light.desk", "on")
    await runtime.advance(10)
    runtime.states.set("light.lamp", "on")
    await runtime.advance(1)
    state = runtime.states.get("sensor.lights_on")
    assert state is not None and state.state == "2"
    await house.stop()


def test_calling_states_reads_no_domain_whatever_the_house_holds() -> None:
    # Jinja looks up unsafe_callable, alters_data and jinja_pass_arg on whatever a
    # template calls: taken for domains, an entity of one made states() uncallable, and
    # every call walked the house looking for them.
    runtime = Runtime(clock=TestClock(datetime(2026, 6, 1, 18, 0, tzinfo=UTC)))
    runtime.states.set("alters_data.flag", "on", {}, context=Context())
    runtime.states.set("sensor.a", "5", {}, context=Context())
    template = get_template_engine(runtime).template("{{ states('sensor.a') | int + 1 }}")
    value, info = template.render_with_info({})
    assert value == 6
    assert info.entities == {"sensor.a"}
    assert info.domains == set()
