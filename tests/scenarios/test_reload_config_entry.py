"""The entities config entries make can be stopped, and
``homeassistant.reload_config_entry`` makes them again from the file as it is now
(_entity_hooks.py, _config_entry_reload.py). The cases in
``cases/reload_config_entry.yaml`` check the reload against Home Assistant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from homeloom.orchestrator import Context, HomeloomError, Runtime, ServiceCall
from homeloom.scenarios._config_entry_reload import NO_MATCHING_ENTRIES, reload_config_entries
from homeloom.scenarios._ha_config_entries import made_entries, setup_config_entry_helpers
from tests.scenarios.config_files import write_config_entries

DAY = 86_400
# Each kind of entity config entries make: (domain, options, the entity ids it makes).
KINDS: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "template",
        {
            "template_type": "sensor",
            "name": "Made",
            "state": "{{ states('sensor.a') }} {{ now().minute }}",
        },
        ["sensor.made"],
    ),
    (
        "template",
        {
            "template_type": "binary_sensor",
            "name": "Made",
            "state": "{{ is_state('switch.a', 'on') }}",
        },
        ["binary_sensor.made"],
    ),
    ("group", {"group_type": "sensor", "entities": ["sensor.a"], "type": "max"}, ["sensor.made"]),
    ("group", {"group_type": "light", "entities": ["light.a"], "all": False}, ["light.made"]),
    ("min_max", {"entity_ids": ["sensor.a"], "type": "min", "round_digits": 2.0}, ["sensor.made"]),
    (
        "threshold",
        {"entity_id": "sensor.a", "hysteresis": 0.0, "lower": 5.0, "upper": None},
        ["binary_sensor.made"],
    ),
    (
        "derivative",
        {
            "source": "sensor.a",
            "round": 1.0,
            "time_window": {"hours": 0, "minutes": 0, "seconds": 0},
            "unit_time": "min",
        },
        ["sensor.made"],
    ),
    (
        "integration",
        {"source": "sensor.a", "method": "left", "round": 2.0, "unit_time": "h"},
        ["sensor.made"],
    ),
    ("tod", {"after_time": "08:00:00", "before_time": "09:00:00"}, ["binary_sensor.made"]),
    ("trend", {"entity_id": "sensor.a", "invert": False}, ["binary_sensor.made"]),
    ("switch_as_x", {"entity_id": "switch.a", "target_domain": "light"}, ["light.made"]),
    (
        "utility_meter",
        {"source": "sensor.a", "cycle": "hourly", "offset": 0, "tariffs": ["low", "high"]},
        ["sensor.made_low", "sensor.made_high", "select.made"],
    ),
    (
        "workday",
        {"country": "FR", "workdays": ["mon", "tue", "wed", "thu", "fri"]},
        ["binary_sensor.made"],
    ),
]


def _entry(domain: str, options: dict[str, Any], entry_id: str = "e1") -> dict[str, Any]:
    return {"entry_id": entry_id, "domain": domain, "title": "Made", "options": options}


@pytest.fixture
def house(runtime: Runtime, tmp_path: Path) -> Runtime:
    runtime.config_dir = tmp_path
    for entity_id in ("sensor.a", "switch.a", "light.a"):
        runtime.states.set(entity_id, "1" if entity_id == "sensor.a" else "off")
    return runtime


async def _shake(runtime: Runtime) -> None:
    """Every source changes and a day and a half goes by, minute by minute at first."""
    for value in ("7", "3", "11"):
        runtime.states.set("sensor.a", value, {"unit_of_measurement": "kWh"})
        await runtime.advance(60)
    for entity_id in ("switch.a", "light.a"):
        runtime.states.set(entity_id, "on")
    await runtime.advance(1.5 * DAY)


@pytest.mark.parametrize(("domain", "options", "entity_ids"), KINDS, ids=[k[0] for k in KINDS])
async def test_a_stopped_entity_hears_and_schedules_nothing(
    house: Runtime, tmp_path: Path, domain: str, options: dict[str, Any], entity_ids: list[str]
) -> None:
    write_config_entries(tmp_path, _entry(domain, options))
    assert setup_config_entry_helpers(house)[0] == []
    assert all(house.states.get(entity_id) for entity_id in entity_ids)
    await _shake(house)  # while it runs, its listeners and timers work as usual
    made_entries(house)["e1"].stop()
    for entity_id in entity_ids:  # as Home Assistant shows a registered entity removed
        state = house.states.get(entity_id)
        assert state is not None
        assert (state.state, state.attributes["restored"]) == ("unavailable", True)
    changed: list[str] = []
    house.states.track(entity_ids, lambda event: changed.append(event.data["entity_id"]))
    await _shake(house)
    assert changed == []
    assert all(house.services.provider_of(entity_id) is None for entity_id in entity_ids)


def _call(**data: Any) -> ServiceCall:
    """A call as the service registry hands it over: targets resolved apart from data."""
    entity_ids = data.pop("entity_id", [])
    target = {key: data.pop(key) for key in ("device_id", "area_id") if key in data}
    return ServiceCall(
        "homeassistant", "reload_config_entry", data, Context(), tuple(entity_ids), target=target
    )


async def test_a_reload_reads_the_edited_options(house: Runtime, tmp_path: Path) -> None:
    lower = {"entity_id": "sensor.a", "hysteresis": 0.0, "upper": None}
    write_config_entries(tmp_path, _entry("threshold", {**lower, "lower": 5.0}))
    setup_config_entry_helpers(house)
    assert house.states.get("binary_sensor.made").state == "on"  # type: ignore[union-attr]
    entry = _entry("threshold", {**lower, "lower": 0.5})
    write_config_entries(tmp_path, {**entry, "title": "Renamed"})
    reload_config_entries(house, _call(entry_id="e1"))
    state = house.states.get("binary_sensor.made")  # the id kept, as the registry keeps it
    assert state is not None
    assert (state.state, state.attributes["friendly_name"]) == ("off", "Renamed")
    house.states.set("sensor.a", "0.1")
    assert house.states.get("binary_sensor.made").state == "on"  # type: ignore[union-attr]


async def test_an_entity_target_reloads_its_entry_and_the_others_stay(
    house: Runtime, tmp_path: Path
) -> None:
    options = {"source": "sensor.a", "method": "left", "round": 2.0, "unit_time": "h"}
    write_config_entries(
        tmp_path,
        _entry("integration", options, "e1"),
        {**_entry("min_max", KINDS[4][1], "e2"), "title": "Low"},
    )
    setup_config_entry_helpers(house)
    house.states.set("sensor.a", "3")
    await house.advance(3600)
    house.states.set("sensor.a", "4")
    assert house.states.get("sensor.made").state == "3.00"  # type: ignore[union-attr]
    low = house.states.get("sensor.low")
    reload_config_entries(house, _call(entity_id=["sensor.made"]))
    # An integration sensor is restored, as Home Assistant's restores its last state.
    assert house.states.get("sensor.made").state == "3.00"  # type: ignore[union-attr]
    assert house.states.get("sensor.low") is low
    assert set(made_entries(house)) == {"e1", "e2"}


async def test_a_meter_comes_back_with_its_reading_and_tariff(
    house: Runtime, tmp_path: Path
) -> None:
    options = {"source": "sensor.a", "cycle": "none", "offset": 0, "tariffs": ["low", "high"]}
    write_config_entries(tmp_path, _entry("utility_meter", options))
    setup_config_entry_helpers(house)
    for value in ("2", "5"):
        house.states.set("sensor.a", value)
    await house.services.call(
        "select", "select_option", {"option": "high"}, target={"entity_id": "select.made"}
    )
    reload_config_entries(house, _call(entry_id="e1"))
    assert house.states.get("select.made").state == "high"  # type: ignore[union-attr]
    assert house.states.get("sensor.made_low").state == "4"  # type: ignore[union-attr]
    house.states.set("sensor.a", "9")
    assert house.states.get("sensor.made_high").state == "4"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "words"),
    [({}, NO_MATCHING_ENTRIES), ({"entity_id": ["sensor.a"]}, NO_MATCHING_ENTRIES)],
)
async def test_a_call_naming_no_entry_fails(
    house: Runtime, tmp_path: Path, data: dict[str, Any], words: str
) -> None:
    write_config_entries(tmp_path, _entry("trend", KINDS[9][1]))
    setup_config_entry_helpers(house)
    with pytest.raises(HomeloomError, match=words):
        reload_config_entries(house, _call(**data))


async def test_an_unknown_entry_id_fails(house: Runtime, tmp_path: Path) -> None:
    write_config_entries(tmp_path, _entry("trend", KINDS[9][1]))
    setup_config_entry_helpers(house)
    with pytest.raises(HomeloomError, match="unknown config entry 'nope'"):
        reload_config_entries(house, _call(entry_id="nope"))


async def test_an_entry_removed_from_the_file_is_only_stopped(
    house: Runtime, tmp_path: Path
) -> None:
    write_config_entries(tmp_path, _entry("trend", KINDS[9][1]))
    setup_config_entry_helpers(house)
    write_config_entries(tmp_path)
    reload_config_entries(house, _call(entry_id="e1"))
    assert house.states.get("binary_sensor.made") is None
    assert made_entries(house) == {}


async def test_a_device_target_and_an_entry_id_reload_every_entry_they_name(
    house: Runtime, tmp_path: Path
) -> None:
    write_config_entries(
        tmp_path,
        _entry("trend", KINDS[9][1], "e1"),
        {**_entry("min_max", KINDS[4][1], "e2"), "title": "Low"},
        {**_entry("threshold", KINDS[5][1], "e3"), "title": "Cold"},
    )
    devices = {"data": {"devices": [{"id": "d1", "config_entries": ["e2"]}]}}
    (tmp_path / ".storage" / "core.device_registry").write_text(json.dumps(devices))
    setup_config_entry_helpers(house)
    before = {entity_id: house.states.get(entity_id) for entity_id in made_ids(house)}
    reload_config_entries(house, _call(entry_id="e1", device_id=["d1"]))
    after = {entity_id: house.states.get(entity_id) for entity_id in made_ids(house)}
    reloaded = {entity_id for entity_id in before if after[entity_id] is not before[entity_id]}
    assert reloaded == {"binary_sensor.made", "sensor.low"}


async def test_an_area_target_reloads_the_entries_of_its_devices_without_entities(
    house: Runtime, tmp_path: Path
) -> None:
    write_config_entries(
        tmp_path,
        _entry("trend", KINDS[9][1], "e1"),
        {**_entry("min_max", KINDS[4][1], "e2"), "title": "Low"},
        {**_entry("threshold", KINDS[5][1], "e3"), "title": "Cold"},
    )
    devices = [
        {"id": "d1", "area_id": "kitchen", "config_entries": ["e2"]},
        {"id": "d2", "area_id": "hall", "config_entries": ["e3"]},
        {"id": "d3", "area_id": None, "config_entries": ["e1"]},
    ]
    (tmp_path / ".storage" / "core.device_registry").write_text(
        json.dumps({"data": {"devices": devices}})
    )
    setup_config_entry_helpers(house)
    before = {entity_id: house.states.get(entity_id) for entity_id in made_ids(house)}
    reload_config_entries(house, _call(area_id=["kitchen", "cellar"]))
    after = {entity_id: house.states.get(entity_id) for entity_id in made_ids(house)}
    assert {entity_id for entity_id in before if after[entity_id] is not before[entity_id]} == {
        "sensor.low"
    }
    with pytest.raises(HomeloomError, match=NO_MATCHING_ENTRIES):  # "none": no area at all
        reload_config_entries(house, _call(area_id="none"))


def made_ids(runtime: Runtime) -> list[str]:
    return [eid for made in made_entries(runtime).values() for eid in made.entity_ids.values()]
