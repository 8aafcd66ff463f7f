"""A target naming entities, areas or devices that do not exist: as in Home Assistant
2024.3, a warning names them and the call acts on the rest; the run's trace notes it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import (
    AdapterError,
    Context,
    EntityEntry,
    Runtime,
    ServiceNotFound,
    TestClock,
)
from homeloom.orchestrator._capability_services import register_capability_services

Received = list[tuple[str, str]]


@pytest.fixture
def received(runtime: Runtime) -> Received:
    """input_boolean.a and .b, each carrying out its commands; the commands received."""
    seen: Received = []

    def provider(entity_id: str, service: str, data: Mapping[str, Any], ctx: Context) -> None:
        seen.append((entity_id, service))

    for entity_id in ("input_boolean.a", "input_boolean.b"):
        runtime.states.set(entity_id, "off")
        runtime.services.set_provider(entity_id, provider)
    runtime.services.register_entity_service("input_boolean", "turn_on")
    return seen


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


async def test_missing_entities_are_named_and_the_rest_act(
    runtime: Runtime, received: Received, caplog: pytest.LogCaptureFixture
) -> None:
    notes: list[str] = []
    runtime.services.on_missing_targets = notes.append
    runtime.states.set("counter.cups", "2")
    target = {"entity_id": ["input_boolean.nope", "input_boolean.a", "counter.cups"]}
    await runtime.services.call("input_boolean", "turn_on", target=target)
    assert received == [("input_boolean.a", "turn_on")]
    expected = (
        "Referenced entities counter.cups, input_boolean.nope are missing or not"
        " currently available"
    )
    assert _warnings(caplog) == [f"input_boolean.turn_on: {expected}"]
    assert notes == [expected]


async def test_unknown_areas_and_devices_are_named_first(
    runtime: Runtime, received: Received, caplog: pytest.LogCaptureFixture
) -> None:
    target = {"entity_id": "input_boolean.b", "area_id": ["nowhere"], "device_id": "d9"}
    await runtime.services.call("input_boolean", "turn_on", target=target)
    assert received == [("input_boolean.b", "turn_on")]
    assert _warnings(caplog) == [
        "input_boolean.turn_on: Referenced areas nowhere, devices d9 are missing or not"
        " currently available"
    ]


async def test_none_names_nothing_and_warns_of_nothing(
    runtime: Runtime, received: Received, caplog: pytest.LogCaptureFixture
) -> None:
    await runtime.services.call("input_boolean", "turn_on", target={"entity_id": "none"})
    await runtime.services.call("input_boolean", "turn_on", target={"area_id": "none"})
    assert received == [] and _warnings(caplog) == []
    with pytest.raises(ServiceNotFound):  # a service that does not exist is still an error
        await runtime.services.call("input_boolean", "explode", target={"entity_id": "none"})


async def test_an_entity_nothing_provides_is_warned_of_other_errors_raised(
    runtime: Runtime, received: Received, caplog: pytest.LogCaptureFixture
) -> None:
    # Known to the registry (as Home Assistant's lists it), with no state nor provider.
    runtime.registries.add_entity(EntityEntry("input_boolean.old", adapter="ha"))
    await runtime.services.call(
        "input_boolean", "turn_on", target={"entity_id": ["input_boolean.old", "input_boolean.a"]}
    )
    assert received == [("input_boolean.a", "turn_on")]
    assert _warnings(caplog) == [
        "input_boolean.turn_on: Referenced entities input_boolean.old are missing or not"
        " currently available"
    ]

    def broken(entity_id: str, service: str, data: Mapping[str, Any], ctx: Context) -> None:
        raise AdapterError("hub", "offline")

    runtime.services.set_provider("input_boolean.b", broken)
    with pytest.raises(AdapterError, match="offline"):
        await runtime.services.call(
            "input_boolean",
            "turn_on",
            target={"entity_id": ["input_boolean.old", "input_boolean.b"]},
        )


@pytest.mark.allow_error_logs
async def test_homeassistant_turn_on_hands_missing_ids_to_each_domain(
    runtime: Runtime, received: Received, caplog: pytest.LogCaptureFixture
) -> None:
    register_capability_services(runtime)
    runtime.states.set("sensor.x", "1")
    target = {"entity_id": ["input_boolean.a", "input_boolean.nope", "sensor.x", "nosuch.y"]}
    await runtime.services.call("homeassistant", "turn_on", target=target)
    assert received == [("input_boolean.a", "turn_on")]
    # As Home Assistant: the ids no domain serves are warned of before the calls run.
    assert _warnings(caplog) == [
        "The service homeassistant.turn_on does not support entities nosuch.y, sensor.x",
        "input_boolean.turn_on: Referenced entities input_boolean.nope are missing or not"
        " currently available",
    ]
    runtime.registries.add_area("Attic")
    await runtime.services.call("homeassistant", "turn_off", target={"area_id": "attic"})
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == ["The service homeassistant.turn_off cannot be called without a target"]


CONFIG = """\
input_boolean:
  a: {initial: false}
automation:
  - id: hall
    triggers: [{trigger: event, event_type: go}]
    actions:
      - action: input_boolean.turn_on
        target: {entity_id: "{{ ['input_boolean.a', 'input_boolean.' ~ trigger.event.data.name] }}"}
      - action: input_boolean.turn_off
        target: {entity_id: [input_boolean.a, input_boolean.gone]}
"""


async def test_the_runs_trace_notes_the_warning(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(
        tmp_path, clock=TestClock(datetime(2026, 6, 1, tzinfo=UTC)), persist=False, adapters=False
    )
    assert (await house.setup()).errors == []
    await house.start()
    runtime = house.runtime
    automation = house.automations.find("hall")
    assert automation is not None
    for name in ("ghost", "a"):  # the fixed second step warns on each run
        runtime.bus.fire("go", {"name": name}, Context())
        await runtime.idle()
    first, second = automation.traces[-2], automation.traces[-1]
    assert first.script_execution == second.script_execution == "finished"
    warnings = [
        [
            (step.path, (step.result or {}).get("warning"))
            for step in trace.visits
            if step.path.startswith("action")
        ]
        for trace in (first, second)
    ]
    missing = "are missing or not currently available"
    assert warnings == [
        [
            ("action/0", f"Referenced entities input_boolean.ghost {missing}"),
            ("action/1", f"Referenced entities input_boolean.gone {missing}"),
        ],
        [("action/0", None), ("action/1", f"Referenced entities input_boolean.gone {missing}")],
    ]
    assert runtime.states.get("input_boolean.a").state == "off"  # type: ignore[union-attr]
    await house.stop()
