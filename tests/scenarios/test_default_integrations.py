"""What every house has, as Home Assistant 2024.3 sets it up whatever the configuration
says (zone.home, persons and helpers made in its UI, the helper domains' commands),
and the ``reload`` services of the helper domains and of ``zone``, driven for real
(the oracle stubs reload services, so the cases cannot check them)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import State, TestClock

HEAD = "homeassistant: {name: Maison, time_zone: Europe/Paris, latitude: 48.85, longitude: 2.35}\n"


def _store(config_dir: Path, name: str, items: list[dict[str, Any]]) -> None:
    folder = config_dir / ".storage"
    folder.mkdir(exist_ok=True)
    envelope = {"version": 1, "minor_version": 1, "key": name, "data": {"items": items}}
    (folder / name).write_text(json.dumps(envelope), encoding="utf-8")


class _House:
    """A house set up from ``configuration.yaml``, whose file a test rewrites."""

    def __init__(self, config_dir: Path) -> None:
        self.dir = config_dir
        self.write("")  # an empty house until ``setup`` makes the test's own
        self.house = House(config_dir, clock=TestClock(), persist=False, adapters=False)

    async def setup(self, text: str) -> None:
        """The house set up from ``text`` (a house reads its files when made)."""
        self.write(text)
        self.house = House(self.dir, clock=TestClock(), persist=False, adapters=False)
        report = await self.house.setup()
        assert report.errors == []

    def write(self, text: str) -> None:
        (self.dir / "configuration.yaml").write_text(HEAD + text, encoding="utf-8")

    def state(self, entity_id: str) -> State:
        state = self.house.runtime.states.get(entity_id)
        assert state is not None, entity_id
        return state

    def has(self, entity_id: str) -> bool:
        return self.house.runtime.states.get(entity_id) is not None

    async def call(self, domain: str, service: str, **data: Any) -> None:
        await self.house.runtime.services.call(domain, service, data)


@pytest.fixture
async def house(tmp_path: Path) -> AsyncIterator[_House]:
    made = _House(tmp_path)
    yield made
    await made.house.stop()


async def test_a_house_without_zone_or_person_keys_has_zone_home_and_stored_people(
    house: _House,
) -> None:
    _store(house.dir, "person", [{"id": "ann", "name": "Ann", "device_trackers": []}])
    _store(house.dir, "input_boolean", [{"id": "guests", "name": "Guests"}])
    await house.setup("")
    home = house.state("zone.home")
    assert (home.state, home.name) == ("0", "Maison")
    assert (home.attributes["latitude"], home.attributes["longitude"]) == (48.85, 2.35)
    assert house.state("person.ann").state == "unknown"
    assert house.state("input_boolean.guests").attributes["editable"] is True
    services = house.house.runtime.services
    for domain, service in [
        ("input_number", "set_value"),
        ("counter", "increment"),
        ("timer", "start"),
        ("input_datetime", "set_datetime"),
        ("zone", "reload"),
        ("person", "reload"),
        ("input_text", "reload"),
    ]:
        assert services.has(domain, service), f"{domain}.{service}"


async def test_input_boolean_reload_updates_adds_and_removes_yaml_items_only(
    house: _House,
) -> None:
    _store(house.dir, "input_boolean", [{"id": "ui_one", "name": "UI one"}])
    await house.setup("input_boolean:\n  kept: {name: Kept}\n  dropped:\n")
    await house.call("input_boolean", "turn_on", entity_id="input_boolean.kept")
    house.write(
        "input_boolean:\n  kept: {name: Kept again, icon: 'mdi:star', initial: false}\n"
        "  added: {initial: true}\n  ui_one: {name: Not the UI one}\n"
    )
    await house.call("input_boolean", "reload")
    kept = house.state("input_boolean.kept")
    # The state stays (``initial`` only matters at start), the attributes follow.
    assert (kept.state, kept.name, kept.attributes["icon"]) == ("on", "Kept again", "mdi:star")
    assert not house.has("input_boolean.dropped")
    assert house.state("input_boolean.added").state == "on"
    ui_one = house.state("input_boolean.ui_one")
    assert (ui_one.name, ui_one.attributes["editable"]) == ("UI one", True)
    await house.call("input_boolean", "turn_on", entity_id="input_boolean.added")
    # A dropped item no longer takes commands: passed by as missing, as in Home Assistant.
    await house.call("input_boolean", "turn_on", entity_id="input_boolean.dropped")
    assert not house.has("input_boolean.dropped")


async def test_a_bad_block_fails_the_reload_and_changes_nothing(house: _House) -> None:
    await house.setup("counter:\n  cups: {step: 2}\n")
    house.write("counter:\n  cups: {step: 0}\n  more:\n")
    with pytest.raises(ValueError, match=r"counter\.cups\.step"):
        await house.call("counter", "reload")
    assert house.state("counter.cups").attributes["step"] == 2
    assert not house.has("counter.more")
    house.write("counter: [not, a, mapping]\n")
    with pytest.raises(ValueError, match="mapping"):
        await house.call("counter", "reload")
    assert house.has("counter.cups")


async def test_reloaded_numbers_and_counts_are_brought_within_the_new_range(
    house: _House,
) -> None:
    await house.setup(
        "input_number:\n  level: {min: 0, max: 100, initial: 80}\ncounter:\n  cups: {initial: 7}\n",
    )
    house.write(
        "input_number:\n  level: {min: 0, max: 50, step: 5}\n"
        "counter:\n  cups: {initial: 0, maximum: 5}\n"
    )
    await house.call("input_number", "reload")
    await house.call("counter", "reload")
    level = house.state("input_number.level")
    assert (level.state, level.attributes["max"], level.attributes["step"]) == ("50.0", 50, 5)
    cups = house.state("counter.cups")
    assert (cups.state, cups.attributes["maximum"], cups.attributes["initial"]) == ("5", 5, 0)


async def test_a_reloaded_select_takes_the_new_options_and_keeps_its_choice(
    house: _House,
) -> None:
    await house.setup("input_select:\n  mode: {options: [home, away, night]}\n")
    await house.call("input_select", "select_option", entity_id="input_select.mode", option="night")
    house.write("input_select:\n  mode: {options: [eco, comfort]}\n")
    await house.call("input_select", "reload")
    mode = house.state("input_select.mode")
    assert (mode.state, mode.attributes["options"]) == ("night", ["eco", "comfort"])
    await house.call("input_select", "select_next", entity_id="input_select.mode")
    assert house.state("input_select.mode").state == "comfort"


async def test_a_reloaded_timer_keeps_running_and_an_idle_one_takes_the_new_duration(
    house: _House,
) -> None:
    await house.setup("timer:\n  tea: {duration: 60}\n  eggs: {duration: 60}\n")
    await house.call("timer", "start", entity_id="timer.tea")
    house.write("timer:\n  tea: {duration: 300}\n  eggs: {duration: 120}\n")
    await house.call("timer", "reload")
    tea, eggs = house.state("timer.tea"), house.state("timer.eggs")
    assert (tea.state, tea.attributes["remaining"]) == ("active", "0:01:00")
    assert (eggs.state, eggs.attributes["duration"]) == ("idle", "0:02:00")
    await house.house.runtime.advance(61)
    tea = house.state("timer.tea")
    assert (tea.state, tea.attributes["duration"]) == ("idle", "0:05:00")
    house.write("timer:\n")
    await house.call("timer", "reload")
    assert not house.has("timer.tea") and not house.has("timer.eggs")


async def test_a_change_taking_more_than_is_left_finishes_the_timer_at_once(
    house: _House,
) -> None:
    # As in Home Assistant, the limit counts from the last start (ten minutes), so five
    # minutes off with three left is allowed: the end is already past, and whoever hears
    # timer.changed, then timer.finished, finds the timer idle.
    await house.setup("timer:\n  eggs: {duration: 600}\n")
    runtime = house.house.runtime
    heard: list[tuple[str, str, str | None]] = []

    def hear(event: Any) -> None:
        state = house.state("timer.eggs").state
        heard.append((event.event_type, state, event.data.get("finished_at")))

    runtime.bus.listen("timer.changed", hear)
    runtime.bus.listen("timer.finished", hear)
    await house.call("timer", "start", entity_id="timer.eggs")
    started = runtime.now()
    await runtime.advance(420)
    await house.call("timer", "change", entity_id="timer.eggs", duration=-300)
    end = (started + timedelta(seconds=300)).astimezone(UTC).isoformat()
    assert heard == [("timer.changed", "idle", None), ("timer.finished", "idle", end)]
    eggs = house.state("timer.eggs")
    assert (eggs.state, eggs.attributes["duration"]) == ("idle", "0:10:00")


async def test_reloaded_datetimes_texts_and_buttons_keep_their_values(house: _House) -> None:
    await house.setup(
        "input_datetime:\n  alarm: {has_time: true, initial: '07:30'}\n"
        "input_text:\n  note: {initial: hello}\n"
        "input_button:\n  bell:\n",
    )
    await house.call("input_button", "press", entity_id="input_button.bell")
    pressed = house.state("input_button.bell").state
    house.write(
        "input_datetime:\n  alarm: {has_date: true, has_time: true}\n"
        "input_text:\n  note: {max: 3, mode: password}\n"
        "input_button:\n  bell: {name: Door bell}\n"
    )
    for domain in ("input_datetime", "input_text", "input_button"):
        await house.call(domain, "reload")
    alarm = house.state("input_datetime.alarm")
    assert (alarm.state, alarm.attributes["has_date"]) == ("1970-01-01 07:30:00", True)
    note = house.state("input_text.note")  # kept, though longer than the new max
    assert (note.state, note.attributes["max"], note.attributes["mode"]) == ("hello", 3, "password")
    bell = house.state("input_button.bell")
    assert (bell.state, bell.name) == (pressed, "Door bell")


async def test_zone_reload_makes_the_yaml_zones_anew_and_keeps_home_and_ui_zones(
    house: _House,
) -> None:
    _store(
        house.dir,
        "zone",
        [{"id": "gym", "name": "Gym", "latitude": 48.8, "longitude": 2.3, "radius": 50}],
    )
    await house.setup(
        "zone:\n  - {name: Work, latitude: 48.87, longitude: 2.33}\n"
        "  - {name: School, latitude: 48.86, longitude: 2.34}\n",
    )
    house.house.runtime.states.set("person.ann", "Work")
    assert house.state("zone.work").state == "1"
    house.write(
        "zone:\n  - {name: Work, latitude: 48.88, longitude: 2.33, radius: 300}\n"
        "  - {name: Shop, latitude: 48.84, longitude: 2.36}\n"
    )
    await house.call("zone", "reload")
    work = house.state("zone.work")
    assert (work.state, work.attributes["latitude"], work.attributes["radius"]) == ("1", 48.88, 300)
    assert house.has("zone.shop") and not house.has("zone.school")
    assert house.has("zone.gym") and house.state("zone.home").name == "Maison"
    house.house.runtime.states.set("person.bob", "shop")
    assert house.state("zone.shop").attributes["persons"] == ["person.bob"]

    house.write("zone:\n  - {name: Nowhere}\n")
    with pytest.raises(ValueError, match="latitude"):
        await house.call("zone", "reload")
    assert house.has("zone.work") and house.has("zone.shop")
