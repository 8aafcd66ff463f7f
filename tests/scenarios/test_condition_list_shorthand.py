"""`condition:` given a list of conditions reads as an `and` of them, as in Home
Assistant 2024.3, in a conditions list and as a step (resident mix 41)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from homeloom.orchestrator import Runtime, TestClock
from homeloom.scenarios._conditions import compile_condition
from homeloom.scenarios._errors import ScenarioConfigError

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lux", "guest", "held"), [("12", "off", True), ("12", "on", False), ("80", "off", False)]
)
def test_a_condition_given_a_list_holds_when_all_its_members_do(
    lux: str, guest: str, held: bool
) -> None:
    runtime = Runtime(clock=TestClock(START))
    runtime.states.set("sensor.lux", lux)
    runtime.states.set("input_boolean.guest", guest)
    check = compile_condition(
        runtime,
        {
            "alias": "dark and no guests",
            "condition": [
                "{{ states('sensor.lux') | int < 30 }}",
                {"condition": "state", "entity_id": "input_boolean.guest", "state": "off"},
            ],
        },
    )
    assert check({}) is held


def test_a_condition_given_a_list_takes_no_other_keys() -> None:
    runtime = Runtime(clock=TestClock(START))
    with pytest.raises(ScenarioConfigError):
        compile_condition(runtime, {"condition": ["{{ true }}"], "entity_id": "sensor.lux"})
