"""``automation.reload`` keeps the automations whose configuration is unchanged running
as they are (their delays, their counting ``for:``), as Home Assistant does, and
replaces, removes or adds only the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from homeloom.house import House
from homeloom.orchestrator import Event, TestClock

PORCH = """\
  - id: porch
    alias: Porch
    triggers: [{trigger: event, event_type: arrive}]
    actions:
      - action: notify.notify
        data: {message: porch on}
      - delay: "00:10:00"
      - action: notify.notify
        data: {message: porch off}
"""
DOOR_OPEN = """\
  - id: door_open
    alias: Door open
    triggers:
      - {trigger: state, entity_id: binary_sensor.door, to: "on", for: "00:10:00"}
    actions:
      - action: notify.notify
        data: {message: door left open}
"""
LAMP = """\
  - id: lamp
    alias: Lamp
    triggers: [{trigger: event, event_type: dusk}]
    actions:
      - delay: "00:10:00"
      - action: notify.notify
        data: {message: MESSAGE}
"""
GONE = """\
  - id: gone
    alias: Gone soon
    triggers: [{trigger: event, event_type: never}]
    actions: [{action: notify.notify, data: {message: gone}}]
"""
HELLO = """\
  - id: hello
    alias: Hello
    triggers: [{trigger: event, event_type: hello}]
    actions: [{action: notify.notify, data: {message: hello}}]
"""
START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


def _write(config_dir: Path, *automations: str) -> None:
    text = "homeloom:\n  time_zone: Europe/Paris\nautomation:\n" + "".join(automations)
    (config_dir / "configuration.yaml").write_text(text, encoding="utf-8")


async def _house(config_dir: Path) -> tuple[House, list[tuple[datetime, str]]]:
    house = House(config_dir, clock=TestClock(START), adapters=False)
    await house.setup()
    sent: list[tuple[datetime, str]] = []

    def record(event: Event) -> None:
        sent.append((house.runtime.now(), str(event.data["message"])))

    house.runtime.bus.listen("homeloom_notification", record)
    await house.start()
    return house, sent


async def _reload(house: House) -> list[Event]:
    """``automation.reload`` called as a resident would; the reloaded events fired."""
    reloaded: list[Event] = []
    house.runtime.bus.listen("automation_reloaded", reloaded.append)
    await house.runtime.services.call("automation", "reload")
    await house.runtime.idle()
    return reloaded


async def test_editing_one_automation_leaves_the_others_waits_running(tmp_path: Path) -> None:
    _write(tmp_path, PORCH, DOOR_OPEN, LAMP.replace("MESSAGE", "lamp on"), GONE)
    house, sent = await _house(tmp_path)
    runtime = house.runtime
    porch = house.automations.find("porch")
    runtime.bus.fire("arrive", {})
    runtime.bus.fire("dusk", {})
    runtime.states.set("binary_sensor.door", "off")
    runtime.states.set("binary_sensor.door", "on")
    await runtime.advance(120)
    assert [m for _, m in sent] == ["porch on"]
    porch_state = runtime.states.get("automation.porch")

    _write(tmp_path, PORCH, DOOR_OPEN, LAMP.replace("MESSAGE", "lamp lit"), HELLO)
    reloaded = await _reload(house)

    assert len(reloaded) == 1
    assert house.automations.find("porch") is porch  # the same automation, untouched
    assert runtime.states.get("automation.porch") is porch_state
    assert runtime.states.get("automation.gone_soon") is None  # removed: its entity goes
    assert runtime.states.get("automation.hello") is not None
    runtime.bus.fire("hello", {})  # the new one runs
    await runtime.advance(480)
    # The unchanged delay and counting ``for:`` end at their times; the edited
    # automation's run was stopped with it (as Home Assistant removes it), so neither
    # lamp message is sent.
    assert sorted(sent) == [
        (START, "porch on"),
        (START + timedelta(minutes=2), "hello"),
        (START + timedelta(minutes=10), "door left open"),
        (START + timedelta(minutes=10), "porch off"),
    ]
    lamp = house.automations.find("lamp")
    assert lamp is not None
    assert lamp.script.runs == 0
    assert runtime.states.get("automation.lamp") is not None
    await house.stop()


async def test_a_reload_of_the_same_configuration_keeps_every_run(tmp_path: Path) -> None:
    _write(tmp_path, LAMP.replace("MESSAGE", "lamp on"))
    house, sent = await _house(tmp_path)
    house.runtime.bus.fire("dusk", {})
    await house.runtime.advance(60)
    lamp = house.automations.find("lamp")
    assert lamp is not None
    last_triggered = lamp.last_triggered
    await _reload(house)
    assert house.automations.find("lamp") is lamp
    assert lamp.last_triggered == last_triggered
    assert len(lamp.traces) == 1
    await house.runtime.advance(540)
    assert sent == [(START + timedelta(minutes=10), "lamp on")]
    await house.stop()


async def test_a_changed_automation_is_replaced_and_its_run_stopped(tmp_path: Path) -> None:
    _write(tmp_path, LAMP.replace("MESSAGE", "lamp on"))
    house, sent = await _house(tmp_path)
    house.runtime.bus.fire("dusk", {})
    await house.runtime.advance(60)
    old = house.automations.find("lamp")
    _write(tmp_path, LAMP.replace("MESSAGE", "lamp lit"))
    await _reload(house)
    new = house.automations.find("lamp")
    assert new is not None and new is not old
    assert old is not None and old.script.runs == 0 and not old.enabled
    house.runtime.bus.fire("dusk", {})
    await house.runtime.advance(3600)
    assert sent == [(START + timedelta(minutes=11), "lamp lit")]
    await house.stop()


async def test_a_new_automation_before_an_unchanged_one_takes_the_next_entity_id(
    tmp_path: Path,
) -> None:
    lights = "  - alias: Lights\n    triggers: [{trigger: event, event_type: KIND}]\n" + (
        "    actions: [{action: notify.notify, data: {message: KIND}}]\n"
    )
    _write(tmp_path, lights.replace("KIND", "old"))
    house, sent = await _house(tmp_path)
    kept = house.automations.automations["automation.lights"]
    _write(tmp_path, lights.replace("KIND", "new"), lights.replace("KIND", "old"))
    await _reload(house)
    # As Home Assistant: the unchanged one keeps its entity id, the new one (written
    # first) is numbered; a fresh start would name them the other way round.
    assert house.automations.automations["automation.lights"] is kept
    assert list(house.automations.automations) == ["automation.lights", "automation.lights_2"]
    house.runtime.bus.fire("new", {})
    await house.runtime.idle()
    assert [m for _, m in sent] == ["new"]
    await house.stop()


async def test_an_automation_named_by_its_place_is_replaced_when_it_moves(
    tmp_path: Path,
) -> None:
    unnamed = "  - triggers: [{trigger: event, event_type: KIND}]\n" + (
        "    actions: [{action: notify.notify, data: {message: KIND}}]\n"
    )
    _write(tmp_path, unnamed.replace("KIND", "first"))
    house, _ = await _house(tmp_path)
    before = house.automations.automations["automation.automation_0"]
    _write(tmp_path, unnamed.replace("KIND", "second"), unnamed.replace("KIND", "first"))
    await _reload(house)
    # Its name, ``automation 0``, becomes ``automation 1``: Home Assistant replaces it.
    automations = house.automations.automations
    assert set(automations) == {"automation.automation_0", "automation.automation_1"}
    assert before not in automations.values()
    await house.stop()


BLUEPRINT = """\
blueprint:
  name: Greeter
  domain: automation
  input:
    greeting: {default: hi}
triggers: [{trigger: event, event_type: greet}]
actions:
  - delay: "00:10:00"
  - action: notify.notify
    data: {message: !input greeting}
"""
GREETER = """\
  - id: greeter
    alias: Greeter
    use_blueprint: {path: greeter.yaml, input: {greeting: INPUT}}
"""


async def test_a_blueprint_automation_is_compared_as_filled_in(tmp_path: Path) -> None:
    blueprint = tmp_path / "blueprints" / "automation" / "greeter.yaml"
    blueprint.parent.mkdir(parents=True)
    blueprint.write_text(BLUEPRINT, encoding="utf-8")
    _write(tmp_path, GREETER.replace("INPUT", "hello"))
    house, sent = await _house(tmp_path)
    first = house.automations.find("greeter")
    await _reload(house)
    assert house.automations.find("greeter") is first
    # The inputs unchanged but the blueprint edited: the automation it makes changed.
    blueprint.write_text(BLUEPRINT.replace("00:10:00", "00:01:00"), encoding="utf-8")
    await _reload(house)
    second = house.automations.find("greeter")
    assert second is not None and second is not first
    house.runtime.bus.fire("greet", {})
    await house.runtime.advance(60)
    assert sent == [(START + timedelta(minutes=1), "hello")]
    await house.stop()


async def test_an_edited_automation_turned_off_stays_off(tmp_path: Path) -> None:
    _write(tmp_path, LAMP.replace("MESSAGE", "lamp on"), HELLO)
    house, _ = await _house(tmp_path)
    await house.runtime.services.call(
        "automation", "turn_off", target={"entity_id": ["automation.lamp", "automation.hello"]}
    )
    _write(tmp_path, LAMP.replace("MESSAGE", "lamp lit"), PORCH)
    await _reload(house)
    # Home Assistant restores the state a removed entity had when one of the same
    # entity id comes back: the edited lamp is off; the new porch takes its default.
    states = house.runtime.states
    lamp, porch = states.get("automation.lamp"), states.get("automation.porch")
    assert lamp is not None and lamp.state == "off"
    assert porch is not None and porch.state == "on"
    await house.stop()
