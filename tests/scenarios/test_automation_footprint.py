"""What a loaded automation keeps, and that keeping less changes nothing it does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from homeloom.house import House
from homeloom.orchestrator import TestClock
from homeloom.scenarios._automation_config import parse_automation
from homeloom.scenarios._autonomy_gate import AutonomyGate, ScenarioGate

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
CONFIG = """\
homeloom:
  time_zone: Europe/Paris
automation:
  - id: plain
    triggers: [{trigger: state, entity_id: binary_sensor.motion, to: "on"}]
    actions: [{action: light.turn_on, target: {entity_id: light.hall}}]
  - id: lasting
    triggers:
      - {platform: state, entity_id: "binary_sensor.motion, binary_sensor.door", to: "on",
         for: {seconds: 10}}
    actions: [{action: light.turn_on, target: {entity_id: light.porch}}]
  - id: asked
    autonomy: suggest
    approval_timeout: {minutes: 5}
    triggers: [{trigger: event, event_type: never}]
    actions: [{action: light.turn_on, target: {entity_id: light.hall}}]
"""


async def _house(tmp_path: Path, clock: TestClock) -> tuple[House, list[str]]:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=clock, adapters=False, persist=False)
    calls: list[str] = []

    def devices(runtime: Any) -> None:
        for entity_id in (
            "binary_sensor.motion",
            "binary_sensor.door",
            "light.hall",
            "light.porch",
        ):
            runtime.states.set(entity_id, "off")
        runtime.services.register(
            "light", "turn_on", lambda call: calls.extend(call.entity_ids), target="required"
        )

    report = await house.setup(before_scenarios=devices)
    assert report.errors == []
    await house.start()
    return house, calls


async def test_triggers_attach_again_after_a_disable(tmp_path: Path) -> None:
    clock = TestClock(START)
    house, calls = await _house(tmp_path, clock)
    states = house.runtime.states
    for _enabling in range(2):  # as loaded, then enabled again
        states.set("binary_sensor.motion", "on")
        await house.runtime.idle()
        assert calls == ["light.hall"]
        await house.runtime.advance(11)
        assert calls == ["light.hall", "light.porch"]
        states.set("binary_sensor.motion", "off")
        states.set("binary_sensor.motion", "off", {"changed": True})  # not a change of state
        await house.runtime.idle()
        assert calls == ["light.hall", "light.porch"]
        calls.clear()
        for automation in house.automations.automations.values():
            await automation.disable()
        states.set("binary_sensor.motion", "on")
        states.set("binary_sensor.motion", "off")
        for automation in house.automations.automations.values():
            await automation.enable()
    await house.stop()


async def test_a_scenario_without_autonomy_options_keeps_a_plain_gate(tmp_path: Path) -> None:
    house, _ = await _house(tmp_path, TestClock(START))
    plain = house.automations.find("plain")
    asked = house.automations.find("asked")
    assert plain is not None and asked is not None
    gate = plain.script.gate
    assert type(gate) is ScenarioGate
    assert (gate.scenario, gate.level, gate.approval_timeout, gate.approvers) == (
        "plain",
        None,
        None,
        None,
    )
    gate = asked.script.gate
    assert isinstance(gate, AutonomyGate)
    assert (gate.level, gate.approval_timeout) == ("suggest", timedelta(minutes=5))
    await house.stop()


def test_options_not_written_are_shared() -> None:
    def spec(**options: Any) -> Any:
        item = {"triggers": [], "actions": [], **options}
        return parse_automation(item, config_dir=None)

    first, second = spec(), spec()
    assert first.options is second.options
    assert (first.mode, first.max_runs, first.stored_traces, dict(first.extra)) == (
        "single",
        10,
        5,
        {},
    )
    first.extra = {**first.extra, "assemblage": "evening"}
    assert first.extra == {"assemblage": "evening"} and dict(second.extra) == {}
    queued = spec(mode="queued", max=3, autonomy="observe")
    assert (queued.mode, queued.max_runs, queued.extra) == ("queued", 3, {"autonomy": "observe"})
