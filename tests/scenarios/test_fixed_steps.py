"""A call step written without templates is validated once; each run still sees the
house as it is: entities removed or added, services registered again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import HomeloomError, Runtime, ServiceCall, TestClock
from homeloom.scenarios._action_calls import _RareServiceCall, _service_call
from homeloom.scenarios._errors import ScenarioConfigError
from homeloom.scenarios._templates import get_template_engine

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
CONFIG = """\
automation:
  - id: hall
    triggers: [{trigger: state, entity_id: binary_sensor.motion, to: "on"}]
    actions:
      - action: light.turn_on
        target: {entity_id: light.hall}
"""


@pytest.mark.allow_error_logs
async def test_each_run_of_a_fixed_step_sees_the_house_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), persist=False, adapters=False)
    first: list[ServiceCall] = []
    runtime: Runtime | None = None

    def devices(rt: Runtime) -> None:
        nonlocal runtime
        runtime = rt
        rt.services.register(
            "light", "turn_on", first.append, target="required", entity_domains=("light",)
        )
        rt.states.set("binary_sensor.motion", "off")
        rt.states.set("light.hall", "off")

    assert (await house.setup(before_scenarios=devices)).errors == []
    await house.start()
    assert runtime is not None
    automation = house.automations.find("hall")
    assert automation is not None

    async def motion() -> str | None:
        runtime.states.set("binary_sensor.motion", "on")
        await runtime.idle()
        runtime.states.set("binary_sensor.motion", "off")
        return automation.traces[-1].script_execution

    assert await motion() == "finished"
    runtime.states.remove("light.hall")
    # The entity is gone: passed by with a warning, in the trace too, as in Home Assistant.
    assert await motion() == "finished"
    (step,) = [s for s in automation.traces[-1].visits if s.path == "action/0"]
    assert step.result is not None and "light.hall are missing" in step.result["warning"]
    runtime.states.set("light.hall", "off")
    assert await motion() == "finished"
    later: list[ServiceCall] = []
    runtime.services.register("light", "turn_on", later.append, target="required")
    assert await motion() == "finished"
    assert [call.entity_ids for call in first] == [("light.hall",), (), ("light.hall",)]
    assert len(later) == 1  # the handler registered last answers
    await house.stop()


@pytest.mark.allow_error_logs
async def test_traces_of_a_fixed_step_show_each_runs_own_outcome(tmp_path: Path) -> None:
    config = CONFIG.replace(
        "target: {entity_id: light.hall}",
        "target: {entity_id: light.hall}\n        continue_on_error: true",
    )
    (tmp_path / "configuration.yaml").write_text(config, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), persist=False, adapters=False)
    refuse = False

    def turn_on(call: ServiceCall) -> None:
        if refuse:
            raise HomeloomError("the light did not answer")

    def devices(rt: Runtime) -> None:
        rt.services.register("light", "turn_on", turn_on, target="required")
        rt.states.set("binary_sensor.motion", "off")
        rt.states.set("light.hall", "off")

    assert (await house.setup(before_scenarios=devices)).errors == []
    await house.start()
    runtime = house.runtime
    automation = house.automations.find("hall")
    assert automation is not None
    for refused in (False, False, True, False):
        refuse = refused
        runtime.states.set("binary_sensor.motion", "on")
        runtime.states.set("binary_sensor.motion", "off")
    await runtime.idle()
    results = [trace.steps["action/0"][0].result for trace in automation.traces]
    params = {
        "domain": "light",
        "service": "turn_on",
        "service_data": {},
        "target": {"entity_id": "light.hall"},
    }
    assert all(result is not None and result["params"] == params for result in results)
    assert [result is not None and result.get("continued", False) for result in results] == [
        False,
        False,
        True,
        False,
    ]
    await house.stop()


@pytest.mark.parametrize(
    ("config", "rare", "fixed"),
    [
        ({"action": "Light.Turn_On", "target": {"entity_id": "light.a"}}, False, True),
        ({"action": "light.{{ 'turn_on' }}"}, False, False),
        ({"action": "light.turn_on", "data": {"brightness": "{{ 1 }}"}}, False, False),
        ({"action": "light.turn_on", "target": {"entity_id": "{{ 'light.a' }}"}}, False, False),
        ({"action": "light.turn_on", "entity_id": "light.a"}, True, True),
        ({"action": "light.turn_on", "response_variable": "answer"}, True, True),
        ({"action": "light.turn_on", "data": "{{ {'brightness': 1} }}"}, True, False),
        ({"action": "light.turn_on", "data_template": "{{ {} }}"}, True, False),
    ],
)
def test_a_call_is_fixed_only_without_templates(
    runtime: Runtime, config: dict[str, object], rare: bool, fixed: bool
) -> None:
    script: Any = None  # a call step keeps nothing of its script
    step: Any = _service_call(runtime, get_template_engine(runtime), config, "action[0]", script)
    assert isinstance(step, _RareServiceCall) is rare
    assert step.fixed is fixed


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"action": ""}, "expected a service name like light.turn_on"),
        ({"action": "turn_on"}, "'turn_on' is not a service: use domain.service"),
        ({"action": "light.turn_on", "data": 3}, "'data' must be a mapping"),
        ({"action": "light.turn_on", "data_template": [1]}, "'data_template' must be a mapping"),
        ({"action": "light.turn_on", "data": None}, "'data' must be a mapping"),
        (
            {"action": "light.turn_on", "entity_id": "{{ 'light.a' }}"},
            "a template is not accepted here",
        ),
    ],
)
def test_a_call_written_wrong_says_why(
    runtime: Runtime, config: dict[str, object], message: str
) -> None:
    script: Any = None
    with pytest.raises(ScenarioConfigError, match=message):
        _service_call(runtime, get_template_engine(runtime), config, "action[0]", script)
