"""A light group passes a turn_off's transition on only when it has the transition
feature, as Home Assistant 2024.3's light service drops it before the group sees the call
(tests/scenarios/cases/resident_mix_60.yaml checks the same against it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.notified import observed_house

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


def _lamp(name: str, transition: bool) -> str:
    extra = '          supports_transition_template: "{{ true }}"\n' if transition else ""
    power = f"target: {{entity_id: input_boolean.{name}}}"
    return (
        f"        {name}:\n"
        f"          value_template: \"{{{{ is_state('input_boolean.{name}', 'on') }}}}\"\n"
        f"          turn_on: {{service: input_boolean.turn_on, {power}}}\n"
        f"          turn_off: {{service: input_boolean.turn_off, {power}}}\n" + extra
    )


@pytest.mark.parametrize(("transition", "forwarded"), [(False, {}), (True, {"transition": 2})])
async def test_a_light_group_forwards_a_turn_off_transition_only_with_the_feature(
    tmp_path: Path, transition: bool, forwarded: dict[str, Any]
) -> None:
    config = (
        "homeloom:\n  time_zone: Europe/Paris\n"
        "input_boolean:\n  hall: {initial: true}\n  desk: {initial: true}\n"
        "light:\n- platform: template\n  lights:\n"
        + _lamp("hall", transition)
        + _lamp("desk", False)
        + "- platform: group\n  name: Downstairs\n  entities: [light.hall, light.desk]\n"
    )
    house, calls = await observed_house(tmp_path, config, START)
    await house.runtime.services.call(
        "light", "turn_off", {"transition": 2}, target={"entity_id": "light.downstairs"}
    )
    members = [c for c in calls if c.domain == "light" and c.service == "turn_off"][1:]
    assert [dict(c.data) for c in members] == [forwarded]
    assert house.runtime.states.get("light.downstairs").state == "off"  # type: ignore[union-attr]
    await house.stop()


async def test_a_light_group_asked_for_brightness_0_turns_its_members_off(tmp_path: Path) -> None:
    # Home Assistant's light service makes brightness 0 (brightness_pct 0 too) a turn_off
    # before the group sees it: the members get turn_off, not turn_on with brightness 0.
    config = (
        "homeloom:\n  time_zone: Europe/Paris\n"
        "input_boolean:\n  hall: {initial: true}\n"
        "light:\n- platform: template\n  lights:\n"
        + _lamp("hall", False)
        + "- platform: group\n  name: Downstairs\n  entities: [light.hall]\n"
    )
    house, calls = await observed_house(tmp_path, config, START)
    await house.runtime.services.call(
        "light",
        "turn_on",
        {"brightness_pct": 0, "transition": 5},
        target={"entity_id": "light.downstairs"},
    )
    members = [(c.service, dict(c.data)) for c in calls if c.domain == "light"][1:]
    assert members == [("turn_off", {})]
    assert house.runtime.states.get("light.hall").state == "off"  # type: ignore[union-attr]
    await house.stop()
