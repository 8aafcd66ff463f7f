"""Persons and zones beyond the conformance cases: set-up rules, errors, privacy's link."""

from __future__ import annotations

from pathlib import Path

from homeloom.house import House
from homeloom.orchestrator import HouseSettings, Runtime, TestClock
from homeloom.scenarios._people import setup_people
from homeloom.scenarios._zones import setup_zones
from homeloom.ui._api_privacy import presence_of


def _runtime() -> Runtime:
    return Runtime(clock=TestClock(), settings=HouseSettings(name="Maison"))


def test_every_house_has_zone_home_zone_key_or_not() -> None:
    runtime = _runtime()
    assert setup_zones(runtime, {"person": []}) == []
    home = runtime.states.get("zone.home")
    assert home is not None and home.attributes["friendly_name"] == "Maison"


async def test_zone_home_takes_the_core_radius_and_unknown_core_keys_are_warned(
    tmp_path: Path,
) -> None:
    # radius: a later Home Assistant's core setting; radius_m: a slip, which Home
    # Assistant refuses with the whole block, and homeloom ignores with a warning.
    (tmp_path / "configuration.yaml").write_text(
        "homeassistant:\n"
        "  name: Maison\n"
        "  latitude: 48.85\n"
        "  longitude: 2.35\n"
        "  radius: 250\n"
        "  internal_url: http://homeloom.local:8123\n"
        "  radius_m: 3\n"
    )
    house = House(tmp_path, clock=TestClock(), adapters=False, persist=False)
    report = await house.setup()
    assert report.errors == []
    assert [(w.file, w.line, w.key) for w in report.warnings] == [
        ("configuration.yaml", 7, "homeassistant.radius_m")
    ]
    assert "valid: " in report.warnings[0].message
    assert "radius" in report.warnings[0].message.partition("valid: ")[2].split(", ")
    home = house.runtime.states.get("zone.home")
    assert home is not None and home.attributes["radius"] == 250


def test_broken_items_are_reported_and_the_others_made() -> None:
    runtime = _runtime()
    people = [
        {"id": "a", "name": "Ann"},
        {"id": "a", "name": "Again"},
        {"name": "No id"},
        {"id": "b", "name": "Bob", "device_trackers": ["sensor.phone"]},
        {"id": "c", "name": "Ann"},
    ]
    issues = setup_people(runtime, {"person": people})
    assert [issue.key for issue in issues] == [
        "person[1].id",
        "person[2].id",
        "person[3].device_trackers",
    ]
    assert runtime.states.entity_ids("person") == ["person.ann", "person.ann_2"]
    zones = [{"name": "Far", "latitude": 91, "longitude": 0}, {"name": "Work", "latitude": 1}]
    issues = setup_zones(runtime, {"zone": zones})
    assert [issue.key for issue in issues] == ["zone[0].latitude", "zone[1].longitude"]
    assert runtime.states.entity_ids("zone") == ["zone.home"]


def test_privacy_finds_a_person_by_their_account() -> None:
    runtime = _runtime()
    runtime.states.set("device_tracker.phone", "home", {"source_type": "router"})
    person = {
        "id": "p1",
        "name": "Ann Smith",
        "user_id": "ann",
        "device_trackers": ["device_tracker.phone"],
    }
    assert setup_people(runtime, {"person": [person]}) == []
    assert presence_of(runtime, "ann") == ["person.ann_smith", "device_tracker.phone"]
    assert presence_of(runtime, "nobody") == []
