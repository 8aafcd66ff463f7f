"""State semantics: last_changed vs last_updated, contexts, indexed listeners."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from homeloom.orchestrator import (
    EVENT_STATE_CHANGED,
    Context,
    Event,
    InvalidEntityId,
    InvalidState,
    Runtime,
)


async def test_last_changed_moves_only_when_the_state_string_changes(runtime: Runtime) -> None:
    first = runtime.states.set("sensor.hall_lux", "12", {"unit_of_measurement": "lx"})
    assert first is not None
    await runtime.advance(5)
    attrs_only = runtime.states.set("sensor.hall_lux", "12", {"unit_of_measurement": "lux"})
    assert attrs_only is not None
    assert attrs_only.last_changed == first.last_changed
    assert attrs_only.last_updated > first.last_updated
    await runtime.advance(5)
    changed = runtime.states.set("sensor.hall_lux", "13")
    assert changed is not None
    assert changed.last_changed == changed.last_updated > attrs_only.last_updated
    assert changed.attributes["unit_of_measurement"] == "lux", "attributes kept when not given"


async def test_writing_the_same_state_and_attributes_is_not_a_change(runtime: Runtime) -> None:
    seen: list[Event] = []
    runtime.bus.listen(EVENT_STATE_CHANGED, seen.append)
    runtime.states.set("switch.fan", "on")
    assert runtime.states.set("switch.fan", "on") is None
    assert len(seen) == 1
    assert runtime.states.set("switch.fan", "on", force_update=True) is not None
    assert len(seen) == 2


async def test_states_are_immutable_strings(runtime: Runtime) -> None:
    state = runtime.states.set("light.hall", "on", {"brightness": 10})
    assert state is not None
    with pytest.raises(TypeError):
        state.attributes["brightness"] = 20  # type: ignore[index]
    with pytest.raises(InvalidState):
        runtime.states.set("light.hall", 1)  # type: ignore[arg-type]
    with pytest.raises(InvalidState):
        runtime.states.set("light.hall", "x" * 300)
    with pytest.raises(InvalidEntityId):
        runtime.states.set("not an id", "on")
    assert runtime.states.set("Light.Upper", "on") is not None
    assert runtime.states.get("light.upper") is not None


async def test_a_report_answering_a_command_carries_the_command_context(runtime: Runtime) -> None:
    runtime.states.set("light.hall", "off")
    command = Context(origin="user", user_id="alice")
    runtime.states.expect_answer("light.hall", command)
    reported = runtime.states.set("light.hall", "on", source="virtual")
    assert reported is not None
    assert reported.context is command
    # Long after the command, a change is the device's own doing.
    await runtime.advance(120)
    spontaneous = runtime.states.set("light.hall", "off", source="virtual")
    assert spontaneous is not None
    assert spontaneous.context.origin == "device"
    assert spontaneous.context.source == "virtual"


async def test_listeners_are_indexed_by_entity_and_isolated(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    hall: list[str] = []
    kitchen: list[str] = []

    def broken(_: Event) -> None:
        raise RuntimeError("boom")

    runtime.states.track("sensor.hall", lambda e: hall.append(e.data["new_state"].state))
    runtime.states.track(["sensor.kitchen"], lambda e: kitchen.append(e.data["new_state"].state))
    unsubscribe_broken = runtime.states.track("sensor.hall", broken)
    runtime.states.set("sensor.hall", "1")
    runtime.states.set("sensor.kitchen", "2")
    assert hall == ["1"]
    assert kitchen == ["2"]
    assert "boom" in caplog.text
    caplog.clear()
    unsubscribe_broken()
    unsubscribe_broken()  # harmless twice
    runtime.states.set("sensor.hall", "3")
    assert hall == ["1", "3"]
    assert runtime.states.tracked_entity_count() == 2


async def test_coroutine_listeners_are_awaited_by_idle(runtime: Runtime) -> None:
    done: list[str] = []

    async def slow(event: Event) -> None:
        await runtime.scheduler.sleep(0)
        done.append(event.data["entity_id"])

    runtime.states.track("sensor.a", slow)
    runtime.states.set("sensor.a", "1")
    assert done == []
    await runtime.idle()
    assert done == ["sensor.a"]


async def test_removed_state_is_announced(runtime: Runtime) -> None:
    events: list[Event] = []
    runtime.states.track("sensor.gone", events.append)
    runtime.states.set("sensor.gone", "1")
    assert runtime.states.remove("sensor.gone")
    assert not runtime.states.remove("sensor.gone")
    assert events[-1].data["new_state"] is None


async def test_listeners_for_given_states_hear_only_those_in_order(runtime: Runtime) -> None:
    heard: list[str] = []
    runtime.states.track("binary_sensor.door", lambda e: heard.append("any"))
    untrack = runtime.states.track(
        "binary_sensor.door", lambda e: heard.append("opened"), to_states=["on"]
    )
    runtime.states.track("binary_sensor.door", lambda e: heard.append("after"))
    runtime.states.set("binary_sensor.door", "off")
    runtime.states.set("binary_sensor.door", "on")
    runtime.states.set("binary_sensor.door", "on", {"battery": 80})  # attributes only
    runtime.states.remove("binary_sensor.door")
    assert heard == [
        "any",
        "after",
        "any",
        "opened",
        "after",
        "any",
        "opened",
        "after",
        "any",
        "after",
    ]
    untrack()
    heard.clear()
    runtime.states.set("binary_sensor.door", "on")
    assert heard == ["any", "after"]


def test_context_ids_are_unique_and_short() -> None:
    ids = {Context().id for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(len(i) == 20 and int(i, 16) >= 0 for i in ids)
    parent = Context(origin="device")
    child = parent.child(origin="scenario", source="a")
    assert (child.parent_id, child.origin, child.source) == (parent.id, "scenario", "a")


async def test_track_takes_ids_and_states_in_any_form(runtime: Runtime) -> None:
    heard: list[str] = []

    def hear(name: str) -> Callable[[Event], None]:
        return lambda event: heard.append(f"{name}:{event.data['entity_id']}")

    on = frozenset({"on"})
    untrack = [
        runtime.states.track(["Sensor.One"], hear("list"), to_states=on),
        runtime.states.track(("sensor.one", "SENSOR.ONE", "sensor.two"), hear("tuple")),
        runtime.states.track((i for i in ["sensor.two"]), hear("gen"), to_states=["on"]),
        runtime.states.track([], hear("none")),
    ]
    runtime.states.set("sensor.one", "on")
    runtime.states.set("sensor.two", "on")
    runtime.states.set("sensor.one", "off")  # not a state the list's tracker wants
    assert heard == [
        "list:sensor.one",
        "tuple:sensor.one",
        "tuple:sensor.two",
        "gen:sensor.two",
        "tuple:sensor.one",
    ]
    for undo in untrack:
        undo()
    assert runtime.states.tracked_entity_count() == 0


async def test_a_change_written_by_a_listener_of_the_same_entity_is_heard_after_it(
    runtime: Runtime,
) -> None:
    """A listener that clamps a value writes the entity again while its first change is
    being announced: every listener still hears 50 → 95 before 95 → 80, as in Home
    Assistant, whose state-change dispatch is queued."""
    heard: list[tuple[str, str, str]] = []

    def clamp(event: Event) -> None:
        if float(event.data["new_state"].state) > 80:
            runtime.states.set("input_number.volume", "80")

    def note(who: str) -> Callable[[Event], None]:
        def listener(event: Event) -> None:
            old, new = event.data["old_state"], event.data["new_state"]
            heard.append((who, old.state, new.state))

        return listener

    runtime.states.set("input_number.volume", "50")
    runtime.states.track(["input_number.volume"], note("first"))
    runtime.states.track(["input_number.volume"], clamp)
    runtime.states.track(["input_number.volume"], note("last"))
    runtime.bus.listen(EVENT_STATE_CHANGED, note("bus"))
    runtime.states.set("input_number.volume", "95")
    assert heard == [
        ("first", "50", "95"),
        ("last", "50", "95"),
        ("bus", "50", "95"),
        ("first", "95", "80"),
        ("last", "95", "80"),
        ("bus", "95", "80"),
    ]
    assert runtime.states.get("input_number.volume").state == "80"  # type: ignore[union-attr]
