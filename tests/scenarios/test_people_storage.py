"""Persons and zones read from Home Assistant's ``.storage``: the error paths, and
zones counting persons that appear after them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import HouseSettings, Runtime, TestClock
from homeloom.scenarios._people import setup_people
from homeloom.scenarios._zones import setup_zones


def _runtime(config_dir: Path) -> Runtime:
    return Runtime(clock=TestClock(), settings=HouseSettings(name="Maison"), config_dir=config_dir)


def _store(config_dir: Path, name: str, items: Any, list_key: str = "items") -> Path:
    folder = config_dir / ".storage"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(json.dumps({"version": 1, "key": name, "data": {list_key: items}}))
    return path


def test_bad_stored_people_are_named_by_file_and_item_and_the_others_made(
    tmp_path: Path,
) -> None:
    path = _store(
        tmp_path,
        "person",
        [
            {"id": "a", "name": "Ann", "device_trackers": ["sensor.phone"]},
            "not a mapping",
            {"id": "b"},
            {"id": "c", "name": "Cid", "device_trackers": None},
            {"id": "c", "name": "Again"},
        ],
    )
    runtime = _runtime(tmp_path)
    issues = setup_people(runtime, {"person": None})
    assert [(issue.file, issue.key) for issue in issues] == [
        (str(path), "data.items[0].device_trackers"),
        (str(path), "data.items[1]"),
        (str(path), "data.items[2].name"),
        (str(path), "data.items[4].id"),
    ]
    assert issues[0].message.startswith("person item 'a' skipped: ")
    assert runtime.states.entity_ids("person") == ["person.cid"]
    cid = runtime.states.get("person.cid")
    assert cid is not None and cid.attributes["editable"] is True


def test_unreadable_or_misshapen_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / ".storage").mkdir()
    (tmp_path / ".storage" / "person").write_text("{not json")
    _store(tmp_path, "zone", {"school": {}})
    runtime = _runtime(tmp_path)
    people_issues = setup_people(runtime, {"person": [{"id": "a", "name": "Ann"}]})
    assert [issue.message.split(":")[0] for issue in people_issues] == ["not read"]
    zone_issues = setup_zones(runtime, {"zone": None})
    assert [issue.key for issue in zone_issues] == ["data.items"]
    assert runtime.states.entity_ids("person") == ["person.ann"]
    assert runtime.states.entity_ids("zone") == ["zone.home"]


def test_a_stored_zone_needs_an_id_and_valid_numbers(tmp_path: Path) -> None:
    _store(
        tmp_path,
        "zone",
        [
            {"name": "No id", "latitude": 1, "longitude": 1},
            {"id": "far", "name": "Far", "latitude": 91, "longitude": 1},
            {"id": "ok", "name": "Ok", "latitude": 1, "longitude": 1, "passive": True},
        ],
    )
    runtime = _runtime(tmp_path)
    issues = setup_zones(runtime, {"default_config": None})
    assert [issue.key for issue in issues] == ["data.items[0].id", "data.items[1].latitude"]
    assert runtime.states.entity_ids("zone") == ["zone.ok", "zone.home"]


def test_people_and_zones_disabled_in_the_entity_registry_have_no_entity(
    tmp_path: Path,
) -> None:
    # As Home Assistant's entity platform, which adds no entity disabled in its registry.
    _store(tmp_path, "person", [{"id": "a", "name": "Ann"}, {"id": "b", "name": "Bob"}])
    _store(tmp_path, "zone", [{"id": "w", "name": "Work", "latitude": 1, "longitude": 1}])
    disabled = [
        {"entity_id": entity_id, "platform": entity_id.split(".")[0], "unique_id": unique_id}
        | {"disabled_by": "user"}
        for entity_id, unique_id in (("person.ann", "a"), ("person.cid", "c"), ("zone.work", "w"))
    ]
    _store(tmp_path, "core.entity_registry", disabled, list_key="entities")
    runtime = _runtime(tmp_path)
    assert setup_people(runtime, {"person": [{"id": "c", "name": "Cid"}]}) == []
    assert setup_zones(runtime, {"zone": None}) == []
    assert runtime.states.entity_ids("person") == ["person.bob"]
    assert runtime.states.entity_ids("zone") == ["zone.home"]


def test_a_person_removed_then_given_again_is_counted_once(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    assert setup_zones(runtime, {"zone": None}) == []
    runtime.states.set("person.guest", "home")
    runtime.states.remove("person.guest")
    home = runtime.states.get("zone.home")
    assert home is not None and home.state == "0"
    runtime.states.set("person.guest", "home")
    home = runtime.states.get("zone.home")
    assert home is not None and (home.state, home.attributes["persons"]) == ("1", ["person.guest"])


async def test_person_reload_updates_adds_and_removes_yaml_people_only(tmp_path: Path) -> None:
    head = "homeassistant: {name: Maison, time_zone: Europe/Paris}\nzone:\n"
    config = tmp_path / "configuration.yaml"
    config.write_text(
        head + "person:\n  - {id: ann, name: Ann}\n  - {id: bob, name: Bob}\n", encoding="utf-8"
    )
    _store(tmp_path, "person", [{"id": "cid", "name": "Cid"}])
    house = House(tmp_path, clock=TestClock(), persist=False, adapters=False)
    report = await house.setup()
    states = house.runtime.states
    try:
        assert report.errors == []
        assert states.entity_ids("person") == ["person.ann", "person.bob", "person.cid"]
        config.write_text(
            head + "person:\n  - {id: ann, name: Annie, device_trackers: device_tracker.a}\n"
            "  - {id: dan, name: Dan}\n  - {id: cid, name: Not Cid}\n",
            encoding="utf-8",
        )
        states.set("device_tracker.a", "home")
        await house.runtime.services.call("person", "reload")
        assert sorted(states.entity_ids("person")) == ["person.ann", "person.cid", "person.dan"]
        ann = states.get("person.ann")
        assert ann is not None and (ann.state, ann.name) == ("home", "Annie")
        home = states.get("zone.home")
        assert home is not None and home.attributes["persons"] == ["person.ann"]
        cid = states.get("person.cid")
        assert cid is not None and cid.name == "Cid"

        config.write_text(head + "person:\n  - {name: No id}\n", encoding="utf-8")
        with pytest.raises(ValueError, match=r"person\[0\]\.id"):
            await house.runtime.services.call("person", "reload")
        assert states.get("person.dan") is not None  # a bad block changes nothing
        states.set("device_tracker.a", "not_home")  # dropped trackers are no longer followed
        config.write_text(head + "person:\n  - {id: ann, name: Ann}\n", encoding="utf-8")
        await house.runtime.services.call("person", "reload")
        ann = states.get("person.ann")
        assert ann is not None and ann.state == "unknown"
        states.set("device_tracker.a", "home")
        assert states.get("person.ann").state == "unknown"  # type: ignore[union-attr]
        assert states.get("person.dan") is None
    finally:
        await house.stop()
