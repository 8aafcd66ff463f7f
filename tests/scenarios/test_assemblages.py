"""Assemblages: roles, scenarios written against them, derived state, levels, on/off."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import Proposals, TestClock
from homeloom.scenarios import Assemblages

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
BLUEPRINT = """\
blueprint:
  name: Motion light
  domain: automation
  input:
    sensor: {name: Motion sensor}
    lamp: {name: Lamp}
    wait: {name: Wait, default: 120}
triggers:
  - trigger: state
    entity_id: !input sensor
    to: "on"
actions:
  - action: light.turn_on
    target: {entity_id: !input lamp}
"""
ROOMS = """\
homeloom:
  time_zone: Europe/Paris
assemblage:
  hall_evening:
    name: Hall evening
    roles: {sensor: binary_sensor.hall_motion, lamp: light.hall}
    use_blueprint: {path: homeloom/motion_light.yaml}
    derived:
      active: "{{ is_state(roles.sensor, 'on') }}"
  kitchen_evening:
    name: Kitchen evening
    autonomy: suggest
    members:
      people: [person.alice]
    roles: {sensor: binary_sensor.kitchen_motion, lamp: light.kitchen}
    use_blueprint: {path: homeloom/motion_light.yaml, input: {wait: 30}}
    scenarios:
      - id: lamp_off
        alias: Lamp off when quiet
        autonomy: observe
        triggers:
          - trigger: state
            entity_id: !input sensor
            to: "off"
        actions:
          - action: light.turn_off
            target:
              entity_id: "{{ roles.lamp }}"
"""
DEVICES = {
    "binary_sensor.hall_motion": "off",
    "binary_sensor.kitchen_motion": "off",
    "light.hall": "off",
    "light.kitchen": "off",
    "person.alice": "home",
}


def _write(config_dir: Path, configuration: str) -> None:
    blueprints = config_dir / "blueprints" / "automation" / "homeloom"
    blueprints.mkdir(parents=True, exist_ok=True)
    (blueprints / "motion_light.yaml").write_text(BLUEPRINT, encoding="utf-8")
    (config_dir / "configuration.yaml").write_text(configuration, encoding="utf-8")


def _devices(runtime: Any) -> None:
    for entity_id, state in DEVICES.items():
        if entity_id not in runtime.states:
            runtime.states.set(entity_id, state, {"friendly_name": entity_id.split(".")[1]})

    async def act(entity_id: str, service: str, data: Any, context: Any) -> None:
        runtime.states.set(entity_id, "on" if service == "turn_on" else "off", context=context)

    runtime.services.default_provider = act


async def _house(config_dir: Path, *, persist: bool = False, errors: bool = False) -> House:
    house = House(config_dir, clock=TestClock(START), adapters=False, persist=persist)
    report = await house.setup(before_scenarios=_devices)
    if not errors:
        assert report.errors == []
    await house.start()
    return house


def _state(house: House, entity_id: str) -> str:
    state = house.runtime.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def _assemblages(house: House) -> Assemblages:
    assemblages = house.runtime.components["assemblages"]
    assert isinstance(assemblages, Assemblages)
    return assemblages


async def _set(house: House, entity_id: str, state: str) -> None:
    house.runtime.states.set(entity_id, state)
    await house.runtime.idle()


async def test_one_blueprint_gives_each_assemblage_its_own_scenarios(tmp_path: Path) -> None:
    _write(tmp_path, ROOMS)
    house = await _house(tmp_path)
    await _set(house, "binary_sensor.hall_motion", "on")
    assert _state(house, "light.hall") == "on"
    assert _state(house, "light.kitchen") == "off"  # the kitchen's copy is not triggered
    hall = house.automations.find("hall_evening_blueprint")
    kitchen = house.automations.find("kitchen_evening_blueprint")
    assert hall is not None and kitchen is not None and hall is not kitchen
    assert hall.entity_id == "automation.hall_evening_motion_light"
    assert kitchen.entity_id == "automation.kitchen_evening_motion_light"
    assert hall.spec.name == "Hall evening: Motion light"
    await house.stop()


async def test_levels_combine_household_assemblage_and_scenario(tmp_path: Path) -> None:
    _write(tmp_path, ROOMS)
    house = await _house(tmp_path)
    proposals = house.runtime.components["proposals"]
    assert isinstance(proposals, Proposals)
    await _set(house, "binary_sensor.kitchen_motion", "on")
    # The kitchen assemblage suggests: the run waits for Alice, its only person.
    assert _state(house, "light.kitchen") == "off"
    (proposal,) = proposals.pending()
    assert proposal.roles == ["person.alice"]
    assert proposal.scenario == "kitchen_evening_blueprint"
    proposals.approve(proposal.id, user="alice")
    await house.runtime.idle()
    assert _state(house, "light.kitchen") == "on"
    # The scenario's own observe is more cautious than the assemblage's suggest.
    gated: list[dict[str, Any]] = []
    house.runtime.bus.listen("homeloom_gated_call", lambda event: gated.append(event.data))
    await _set(house, "binary_sensor.kitchen_motion", "off")
    assert _state(house, "light.kitchen") == "on"
    assert [(g["service"], g["outcome"]) for g in gated] == [("light.turn_off", "observed")]
    assert gated[0]["target"] == {"entity_id": "light.kitchen"}  # {{ roles.lamp }}
    # Raising the assemblage to auto at run time acts at once on the next action.
    await house.runtime.services.call(
        "homeloom", "set_autonomy", {"assemblage": "kitchen_evening", "level": "auto"}
    )
    await _set(house, "light.kitchen", "off")
    await _set(house, "binary_sensor.kitchen_motion", "on")
    assert _state(house, "light.kitchen") == "on"
    await house.stop()


async def test_derived_state_follows_the_roles(tmp_path: Path) -> None:
    _write(tmp_path, ROOMS)
    house = await _house(tmp_path)
    assert _state(house, "binary_sensor.hall_evening_active") == "off"
    await _set(house, "binary_sensor.hall_motion", "on")
    assert _state(house, "binary_sensor.hall_evening_active") == "on"
    state = house.runtime.states.get("binary_sensor.hall_evening_active")
    assert state is not None and state.attributes["assemblage"] == "hall_evening"
    await house.stop()


async def test_derived_state_follows_whole_domains_and_the_time(tmp_path: Path) -> None:
    """A derived entity renders again as a template entity does: when an entity of a
    domain it read whole appears (within the one-second limit) and each minute when
    it read the time."""
    _write(
        tmp_path,
        """\
assemblage:
  landing:
    name: Landing
    roles: {lamp: light.hall}
    derived:
      lit:
        domain: sensor
        state: "{{ states.light | selectattr('state', 'eq', 'on') | list | count }}"
      late: "{{ now().minute >= 1 }}"
""",
    )
    house = await _house(tmp_path)
    assert _state(house, "sensor.landing_lit") == "0"
    assert _state(house, "binary_sensor.landing_late") == "off"
    await _set(house, "light.landing", "on")  # its first state: a new entity of the domain
    assert _state(house, "sensor.landing_lit") == "0"  # held back for a second
    await house.runtime.advance(1)
    assert _state(house, "sensor.landing_lit") == "1"
    await house.runtime.advance(60)
    assert _state(house, "binary_sensor.landing_late") == "on"
    await house.stop()


async def test_disabling_an_assemblage_disables_its_scenarios_across_a_restart(
    tmp_path: Path,
) -> None:
    _write(tmp_path, ROOMS)
    house = await _house(tmp_path, persist=True)
    await house.runtime.services.call(
        "assemblage", "turn_off", target={"entity_id": "assemblage.hall_evening"}
    )
    await house.runtime.idle()
    assert _state(house, "assemblage.hall_evening") == "off"
    assert _state(house, "automation.hall_evening_motion_light") == "off"
    assert _state(house, "automation.kitchen_evening_motion_light") == "on"
    await _set(house, "binary_sensor.hall_motion", "on")
    assert _state(house, "light.hall") == "off"
    await house.stop()

    again = await _house(tmp_path, persist=True)
    assert _state(again, "assemblage.hall_evening") == "off"
    assert _state(again, "automation.hall_evening_motion_light") == "off"
    await again.runtime.services.call(
        "assemblage", "toggle", target={"entity_id": "assemblage.hall_evening"}
    )
    await _set(again, "binary_sensor.hall_motion", "off")  # it was restored as on
    await _set(again, "binary_sensor.hall_motion", "on")
    assert _state(again, "light.hall") == "on"
    await again.stop()


async def test_describe_lists_members_roles_scenarios_levels_and_trust(tmp_path: Path) -> None:
    _write(tmp_path, ROOMS)
    house = await _house(tmp_path)
    kitchen = _assemblages(house).get("Kitchen evening")
    assert kitchen is not None
    described = _assemblages(house).describe(kitchen)
    assert described["autonomy"] == "suggest"
    assert described["members"]["people"] == ["person.alice"]
    assert described["members"]["entities"] == ["binary_sensor.kitchen_motion", "light.kitchen"]
    assert described["roles"] == {
        "sensor": "binary_sensor.kitchen_motion",
        "lamp": "light.kitchen",
    }
    levels = {s["name"]: s["level"] for s in described["scenarios"]}
    assert levels == {
        "Kitchen evening: Lamp off when quiet": "observe",
        "Kitchen evening: Motion light": "suggest",
    }
    assert described["scenarios"][0]["trust"] == {
        "approved": 0,
        "rejected": 0,
        "expired": 0,
        "streak": 0,
    }
    await house.stop()


BROKEN = """\
assemblage:
  hall_evening:
    roles:
      sensor: binary_sensor.hall_motion
      lamp: light.hal
    members:
      rooms: [hall]
    autonomy: bold
    scenarios:
      - triggers: [{trigger: state, entity_id: !input sensr, to: "on"}]
        actions: [{action: light.turn_on}]
  kitchen_evening:
    roles: {sensor: binary_sensor.kitchen_motion, lamp: light.kitchen}
    use_blueprint: {path: homeloom/motion_light.yaml}
"""


@pytest.mark.allow_error_logs
async def test_bad_assemblages_are_reported_with_positions(tmp_path: Path) -> None:
    _write(tmp_path, BROKEN)
    house = await _house(tmp_path, errors=True)
    found = {(issue.key, issue.line): issue.message for issue in house.report.errors}
    assert "no entity 'light.hal'" in found[("assemblage.hall_evening.roles.lamp", 5)]
    assert "light.hall" in found[("assemblage.hall_evening.roles.lamp", 5)]  # what exists
    assert (
        "valid: entities, things, areas, people"
        in found[("assemblage.hall_evening.members.rooms", 7)]
    )
    assert "valid: auto" in found[("assemblage.hall_evening.autonomy", 8)]
    assert "roles: sensor" in found[("assemblage.hall_evening.scenarios[0]", 10)]
    # The broken assemblage is left out; the good one runs.
    assert _assemblages(house).get("hall_evening") is None
    await _set(house, "binary_sensor.kitchen_motion", "on")
    assert _state(house, "light.kitchen") == "on"
    await house.stop()


async def test_reloading_rereads_the_block_and_keeps_what_was_turned_off(tmp_path: Path) -> None:
    _write(tmp_path, ROOMS)
    house = await _house(tmp_path)
    await house.runtime.services.call(
        "assemblage", "turn_off", target={"entity_id": "assemblage.hall_evening"}
    )
    # The kitchen assemblage is gone; the hall's lamp is now the kitchen's lamp.
    changed = ROOMS.split("  kitchen_evening:")[0].replace(
        "lamp: light.hall}", "lamp: light.kitchen}"
    )
    (tmp_path / "configuration.yaml").write_text(changed, encoding="utf-8")
    await house.runtime.services.call("automation", "reload")
    await house.runtime.idle()
    assert house.runtime.states.get("assemblage.kitchen_evening") is None
    assert house.automations.find("kitchen_evening_blueprint") is None
    assert _state(house, "assemblage.hall_evening") == "off"  # as the resident left it
    assert _state(house, "automation.hall_evening_motion_light") == "off"
    await house.runtime.services.call(
        "assemblage", "turn_on", target={"entity_id": "assemblage.hall_evening"}
    )
    await _set(house, "binary_sensor.hall_motion", "on")
    assert _state(house, "light.kitchen") == "on"  # the new binding
    assert _state(house, "binary_sensor.hall_evening_active") == "on"
    await house.stop()
