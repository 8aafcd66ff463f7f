"""What a large house keeps per automation is lean: options nearly always left as
they are live in the class or in a shared record, and still read as written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House
from homeloom.orchestrator import Runtime, ServiceCall, TestClock
from homeloom.orchestrator._states import _valid_ids
from homeloom.scenarios._script import _shared_options

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
CONFIG = """\
automation:
  - id: plain
    alias: Plain lean scenario
    triggers: [{trigger: state, entity_id: binary_sensor.motion, to: "on"}]
    actions:
      - action: light.turn_on
        target: {entity_id: light.hall}
  - id: optioned
    mode: parallel
    max: 3
    triggers: [{trigger: state, entity_id: binary_sensor.motion, to: "on"}]
    actions:
      - action: light.turn_off
        entity_id: light.hall
        continue_on_error: true
      - action: light.turn_on
        enabled: false
        target: {entity_id: light.hall}
      - action: light.toggle
        response_variable: answer
        target: {entity_id: light.hall}
"""


@pytest.mark.allow_error_logs
async def test_options_read_as_written_and_defaults_are_shared(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), persist=False, adapters=False)
    calls: list[ServiceCall] = []
    runtime: Runtime | None = None

    def toggled(call: ServiceCall) -> dict[str, bool]:
        calls.append(call)
        return {"toggled": True}

    def devices(rt: Runtime) -> None:
        nonlocal runtime
        runtime = rt
        rt.services.register("light", "turn_on", calls.append, target="required")
        rt.services.register(
            "light", "toggle", toggled, target="required", supports_response="optional"
        )
        rt.states.set("binary_sensor.motion", "off")
        rt.states.set("light.hall", "off")

    assert (await house.setup(before_scenarios=devices)).errors == []
    await house.start()
    assert runtime is not None
    plain, optioned = house.automations.find("plain"), house.automations.find("optioned")
    assert plain is not None and optioned is not None
    # Shared defaults, the options as written where written.
    assert plain.script._options is _shared_options("automation", "action", None, 10, "warning")
    assert (plain.script.mode_scope, plain.script.max_runs, plain.script.domain) == (
        None,
        10,
        "automation",
    )
    assert (optioned.script.mode, optioned.script.max_runs) == ("parallel", 3)
    assert plain.item_id == "plain" and plain.runtime is runtime
    plain_step, *steps = (*plain.script._steps, *optioned.script._steps)
    assert (plain_step.enabled, plain_step.continue_on_error) == (True, False)
    assert [(step.enabled, step.continue_on_error) for step in steps] == [
        (True, True),
        (False, False),
        (True, False),
    ]
    # Each automation's id is kept by its state, not again by the ids' cache (an id of
    # its own, which no other test names).
    assert plain.entity_id == "automation.plain_lean_scenario"
    assert plain.entity_id in runtime.states and plain.entity_id not in _valid_ids

    runtime.states.set("binary_sensor.motion", "on")
    await runtime.idle()
    assert [t.script_execution for t in plain.traces] == ["finished"]
    # turn_off's entity is unknown: an error, continued; the disabled step is skipped.
    (trace,) = optioned.traces
    assert trace.script_execution == "finished"
    assert [c.service for c in calls] == ["turn_on", "toggle"]
    await house.stop()
