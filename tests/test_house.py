"""Building a house: what loading leaves behind for the garbage collector."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from homeloom.demo import write_demo_config
from homeloom.house import House
from homeloom.orchestrator import Context, TestClock
from homeloom.scenarios import position_of

EXTRA_AUTOMATIONS = "".join(
    f"""
  - id: extra_{n}
    triggers:
      - trigger: state
        entity_id: binary_sensor.hall_motion
        to: "on"
    conditions:
      - condition: numeric_state
        entity_id: sensor.hall_illuminance
        below: {n}
    actions:
      - action: light.turn_on
        target:
          entity_id: light.hall
"""
    for n in range(100)
)


async def _garbage_of_loading(config_dir: Path) -> int:
    """How many unreachable objects setting up and starting a house leaves."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        house = House(config_dir, clock=TestClock(), persist=False)
        report = await house.setup()
        await house.start()
        assert report.ok, report.errors
        found = gc.collect()
    finally:
        if enabled:
            gc.enable()
    await house.stop()
    return found


async def test_loading_makes_no_garbage_per_scenario(tmp_path: Path) -> None:
    # A long-running house freezes what loading built without a collection first
    # (which would cost as much as the loading). That is only right while loading
    # leaves no garbage for the collector beyond a few fixed objects (libraries'
    # own cycles, such as reading the adapters' entry points), whatever its size.
    write_demo_config(tmp_path)
    await _garbage_of_loading(tmp_path)  # imports what loading imports
    small = await _garbage_of_loading(tmp_path)
    config = tmp_path / "configuration.yaml"
    text = config.read_text(encoding="utf-8")
    marker = "automation:\n"
    config.write_text(text.replace(marker, marker + EXTRA_AUTOMATIONS, 1), encoding="utf-8")
    large = await _garbage_of_loading(tmp_path)
    assert large == small < 100


async def test_a_long_running_house_freezes_what_loading_built(tmp_path: Path) -> None:
    write_demo_config(tmp_path)
    before = gc.get_freeze_count()
    thresholds = gc.get_threshold()
    try:
        house = House(tmp_path, clock=TestClock(), persist=False, long_running=True)
        await house.setup()
        await house.start()
        assert gc.isenabled()
        assert gc.get_freeze_count() > before
        # ... and collects its young generation less often than a short command would.
        assert gc.get_threshold()[0] > thresholds[0]
        await house.stop()
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


LONG_RUNNING_CONFIG = """\
input_boolean:
  go:
    name: Go
  seen:
    name: Seen
automation: !include automations.yaml
"""
AUTOMATIONS = """\
- id: mark_seen
  triggers:
    - trigger: state
      entity_id: input_boolean.go
      to: "on"
  actions:
    - action: input_boolean.turn_on
      target:
        entity_id: input_boolean.seen
- id: stays_off
  initial_state: false
  triggers:
    - trigger: state
      entity_id: input_boolean.go
  actions:
    - action: input_boolean.turn_off
      target:
        entity_id: input_boolean.seen
"""
BROKEN = """\
- id: mark_seen
  triggers:
    - trigger: state
      entity_id: input_boolean.go
      to: "on"
  actions:
    - action: input_boolean.turn_on
      target:
        entity_id: input_boolean.seen
- id: broken
  triggers:
    - trigger: state
      entity_id: input_boolean.go
  actions: []
  colour: red
"""


async def _long_running_house(config_dir: Path) -> House:
    (config_dir / "configuration.yaml").write_text(LONG_RUNNING_CONFIG, encoding="utf-8")
    (config_dir / "automations.yaml").write_text(AUTOMATIONS, encoding="utf-8")
    house = House(config_dir, clock=TestClock(), persist=False, long_running=True)
    report = await house.setup()
    assert report.ok, report.errors
    await house.start()
    return house


def _placed(house: House) -> list[object]:
    """The places the configuration and the automations still know, if any."""
    config = house.config
    places: list[object] = [
        position_of(config, "automation"),
        position_of(config, "input_boolean"),
    ]
    for automation in house.automations.automations.values():
        triggers = automation.spec.triggers
        places += (position_of(triggers, 0), position_of(triggers[0], "entity_id"))
        # A long-running house keeps its actions compiled only (none as written).
        places += tuple(position_of(action, "target") for action in automation.spec.actions[:1])
    return [place for place in places if place is not None]


async def test_a_long_running_house_forgets_positions_and_still_runs(tmp_path: Path) -> None:
    thresholds = gc.get_threshold()
    try:
        house = await _long_running_house(tmp_path)
        assert not _placed(house)
        assert house.config == {}  # each part kept what it runs; the loaded whole is gone
        for automation in house.automations.automations.values():  # compiled, run only
            assert automation.spec.conditions == automation.spec.actions == []
        states = house.runtime.states
        states.set("input_boolean.go", "on")
        await house.runtime.idle()
        assert states.get("input_boolean.seen").state == "on"  # type: ignore[union-attr]
        await house.stop()
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


UNKNOWN = """\
- id: names_unknown
  triggers:
    - trigger: state
      entity_id: input_boolean.missing_trigger
  conditions:
    - condition: state
      entity_id: input_boolean.missing_condition
      state: "on"
  actions:
    - action: input_boolean.turn_on
      target:
        entity_id: input_boolean.missing_action
"""


@pytest.mark.parametrize("long_running", [False, True])
async def test_unknown_entities_are_warned_of_with_their_places(
    tmp_path: Path, long_running: bool
) -> None:
    """Also by a house that lets its automations' conditions and actions as written go
    while loading: they are looked for first."""
    (tmp_path / "configuration.yaml").write_text(LONG_RUNNING_CONFIG, encoding="utf-8")
    (tmp_path / "automations.yaml").write_text(UNKNOWN, encoding="utf-8")
    thresholds = gc.get_threshold()
    try:
        house = House(tmp_path, clock=TestClock(), persist=False, long_running=long_running)
        report = await house.setup()
        found = [(w.message.split()[2], w.key, w.line) for w in report.warnings]
        assert found == [
            ("input_boolean.missing_trigger", "triggers.entity_id", 4),
            ("input_boolean.missing_condition", "conditions.entity_id", 7),
            ("input_boolean.missing_action", "actions.entity_id", 12),
        ]
        assert house.automations.unknown_entities() == report.warnings
        await house.stop()
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


async def test_a_house_checking_its_configuration_keeps_positions(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(LONG_RUNNING_CONFIG, encoding="utf-8")
    (tmp_path / "automations.yaml").write_text(AUTOMATIONS, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(), persist=False)
    await house.setup()
    await house.start()
    assert len(_placed(house)) == 8
    await house.stop()


async def test_a_long_running_house_reports_a_broken_reload_with_its_place(
    tmp_path: Path,
) -> None:
    thresholds = gc.get_threshold()
    try:
        house = await _long_running_house(tmp_path)
        (tmp_path / "automations.yaml").write_text(BROKEN, encoding="utf-8")
        report = await house.automations.reload()
        [issue] = report.errors
        assert (issue.file, issue.line, issue.column, issue.scenario) == (
            "automations.yaml",
            15,
            3,
            "broken",
        )
        assert "unknown key 'colour'" in issue.message
        # What the reload loaded forgot its places in turn, and the rest still runs.
        # mark_seen, the first and without an alias, is named by its place.
        assert list(house.automations.automations) == ["automation.automation_0"]
        assert not _placed(house)
        states = house.runtime.states
        states.set("input_boolean.go", "on")
        await house.runtime.idle()
        assert states.get("input_boolean.seen").state == "on"  # type: ignore[union-attr]
        await house.stop()
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


async def test_the_automations_first_states_share_the_start_of_the_house(
    tmp_path: Path,
) -> None:
    thresholds = gc.get_threshold()
    try:
        house = await _long_running_house(tmp_path)
        states = house.runtime.states
        # mark_seen and stays_off, without an alias, are named by their places.
        on, off = states.get("automation.automation_0"), states.get("automation.automation_1")
        assert on is not None and off is not None
        assert (on.state, off.state) == ("on", "off")
        assert on.context is off.context
        assert (on.context.origin, on.context.source) == ("system", "automations start")
        # A reload's start of an edited automation is caused by what asked for it; an
        # unchanged one goes on, its state untouched.
        edited = AUTOMATIONS.replace("- id: mark_seen\n", "- id: mark_seen\n  mode: restart\n")
        (tmp_path / "automations.yaml").write_text(edited, encoding="utf-8")
        asked = Context(origin="user", user_id="alice", source="ui")
        await house.automations.reload(asked)
        again = states.get("automation.automation_0")
        assert again is not None and again.context.parent_id == asked.id
        assert (again.context.origin, again.context.user_id) == ("system", "alice")
        assert states.get("automation.automation_1") is off
        await house.stop()
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
