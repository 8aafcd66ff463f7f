"""Home Assistant's registries read from a config dir's ``.storage`` (_ha_registries.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import (
    Context,
    EntityEntry,
    Registries,
    Runtime,
    TestClock,
    _ha_registries,
)
from homeloom.orchestrator._ha_registries import import_ha_registries, write_registry_only_states

LAMP_ID = "0e1a0000000000000000000000000001"
DEVICE_ID = "0d1a0000000000000000000000000001"


def _write(config_dir: Path, name: str, content: Any) -> Path:
    path = config_dir / ".storage" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _registry(key: str, **data: Any) -> dict[str, Any]:
    # 1.13: the entity registry as Home Assistant 2024.3 writes it, read unmigrated.
    return {"version": 1, "minor_version": 13, "key": key, "data": data}


@pytest.fixture
def house(tmp_path: Path) -> Path:
    """A config dir with floors, labels, areas, devices and entities, as HA writes them."""
    _write(
        tmp_path, "core.floor_registry", _registry("f", floors=[{"floor_id": "up", "name": "Up"}])
    )
    _write(
        tmp_path,
        "core.label_registry",
        _registry("l", labels=[{"label_id": "night", "name": "Night"}]),
    )
    areas = [{"id": "bedroom", "name": "Bedroom", "floor_id": "up", "aliases": ["sleep"]}]
    _write(tmp_path, "core.area_registry", _registry("a", areas=areas))
    devices = [
        {
            "id": DEVICE_ID,
            "name": "Lamp",
            "name_by_user": "Bed lamp",
            "area_id": "bedroom",
            "manufacturer": "Acme",
            "identifiers": [["hue", "abc"]],
            "labels": ["night"],
        }
    ]
    _write(tmp_path, "core.device_registry", _registry("d", devices=devices))
    entities = [
        {"entity_id": "light.lamp", "id": LAMP_ID, "platform": "hue", "device_id": DEVICE_ID},
        {
            "entity_id": "sensor.lamp_signal",
            "id": "0e2a0000000000000000000000000002",
            "platform": "hue",
            "device_id": DEVICE_ID,
            "entity_category": "diagnostic",
            "disabled_by": "integration",
        },
    ]
    _write(tmp_path, "core.entity_registry", _registry("e", entities=entities))
    return tmp_path


def test_everything_is_read_and_nothing_written(house: Path) -> None:
    before = {p: p.read_bytes() for p in (house / ".storage").iterdir()}
    registries = Registries()
    assert import_ha_registries(registries, house) == []
    assert registries.floors == {"up": "Up"} and registries.labels == {"night": "Night"}
    area = registries.areas["bedroom"]
    assert (area.name, area.floor, area.aliases) == ("Bedroom", "up", ("sleep",))
    thing = registries.things[DEVICE_ID]
    assert (thing.name, thing.name_by_user, thing.manufacturer) == ("Lamp", "Bed lamp", "Acme")
    assert thing.identifiers == ("hue:abc",) and thing.area_id == "bedroom"
    lamp = registries.entities["light.lamp"]
    assert (lamp.registry_id, lamp.platform, lamp.thing_id) == (LAMP_ID, "hue", DEVICE_ID)
    signal = registries.entities["sensor.lamp_signal"]
    assert signal.hidden and signal.disabled
    assert registries.entity_id_of(LAMP_ID) == "light.lamp"
    assert registries.entities_on_floor("up") == ["light.lamp", "sensor.lamp_signal"]
    assert registries.entities_with_label("night") == ["light.lamp", "sensor.lamp_signal"]
    assert {p: p.read_bytes() for p in (house / ".storage").iterdir()} == before


def test_no_storage_folder_is_no_registry(tmp_path: Path) -> None:
    registries = Registries()
    assert import_ha_registries(registries, tmp_path) == []
    assert not registries.entities and not registries.areas


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not read: Expecting property name"),
        ("[1, 2]", 'expected {"data": {"entities": [...]}}'),
        (_registry("e", entities={"light.lamp": {}}), 'expected {"data": {"entities": [...]}}'),
        ("", "not read: Expecting value"),
    ],
)
def test_a_malformed_file_is_a_warning_naming_it(house: Path, content: Any, words: str) -> None:
    path = _write(house, "core.entity_registry", content)
    registries = Registries()
    warnings = import_ha_registries(registries, house)
    assert len(warnings) == 1 and warnings[0].file == str(path)
    assert words in warnings[0].message
    assert DEVICE_ID in registries.things  # the other files are still read
    assert not registries.entities


def test_a_bad_entry_is_skipped_with_its_place_the_others_read(house: Path) -> None:
    entities = [
        {"entity_id": "light.lamp", "id": LAMP_ID, "platform": "hue"},
        {"entity_id": "Not An Id", "id": "0e3a0000000000000000000000000003", "platform": "x"},
        {"entity_id": "light.other", "platform": "hue"},
        {"entity_id": "light.labels", "id": "0e4a", "platform": "hue", "labels": "night"},
        "light.plain",
    ]
    path = _write(house, "core.entity_registry", _registry("e", entities=entities))
    registries = Registries()
    warnings = import_ha_registries(registries, house)
    assert [w.key for w in warnings] == [f"data.entities[{i}]" for i in (1, 2, 3, 4)]
    assert all(w.file == str(path) for w in warnings)
    assert "'entity_id' 'Not An Id' is not an entity id" in warnings[0].message
    assert "'id' must be a non-empty text, got None" in warnings[1].message
    assert "'labels' must be a list of texts" in warnings[2].message
    assert "expected a mapping" in warnings[3].message
    assert list(registries.entities) == ["light.lamp"]


@pytest.mark.parametrize("adapter_first", [True, False])
def test_an_adapters_entity_is_enriched_by_the_import(house: Path, adapter_first: bool) -> None:
    registries = Registries()
    adapters = EntityEntry("light.lamp", unique_id="u1", adapter="zigbee", thing_id="z1")
    if adapter_first:
        registries.add_entity(adapters)
    import_ha_registries(registries, house)
    if not adapter_first:
        registries.add_entity(adapters)
    lamp = registries.entities["light.lamp"]
    assert (lamp.adapter, lamp.unique_id, lamp.thing_id) == ("zigbee", "u1", "z1")
    assert (lamp.registry_id, lamp.platform) == (LAMP_ID, "hue")
    assert registries.entity_id_of(LAMP_ID) == "light.lamp"


def test_registry_ids_become_entity_ids_as_written() -> None:
    registries = Registries()
    registries.add_entity(EntityEntry("light.lamp", registry_id=LAMP_ID))
    assert registries.with_entity_ids([LAMP_ID, "light.x"]) == ["light.lamp", "light.x"]
    assert registries.with_entity_ids("all") == "all"
    with pytest.raises(ValueError, match=r"entity registry id .* is not known"):
        registries.with_entity_ids([LAMP_ID.upper()])


async def test_targets_by_registry_id_floor_and_label_skip_hidden_entities(
    house: Path, runtime: Runtime
) -> None:
    import_ha_registries(runtime.registries, house)
    called: list[str] = []

    async def provider(entity_id: str, service: str, data: Mapping[str, Any], _: Context) -> None:
        called.append(entity_id)

    for entity_id in ("light.lamp", "sensor.lamp_signal"):
        runtime.states.set(entity_id, "off")
        runtime.services.set_provider(entity_id, provider)
    runtime.services.register_entity_service(
        "homeassistant", "update_entity", entity_domains=("light", "sensor")
    )
    for target in (
        {"entity_id": LAMP_ID},
        {"device_id": DEVICE_ID},
        {"area_id": "bedroom"},
        {"floor_id": "up"},
        {"label_id": "night"},
    ):
        await runtime.services.call("homeassistant", "update_entity", target=target)
    # The diagnostic sensor is only reached by label, as an area or device target skips it.
    assert called == ["light.lamp"] * 4 + ["light.lamp", "sensor.lamp_signal"]


def test_at_start_only_the_entities_nothing_provides_are_written_unavailable(
    house: Path, runtime: Runtime
) -> None:
    """As Home Assistant at its start: enabled entries without a state, claimed by no
    adapter, get an unavailable state marked restored, with the registry's name."""
    _write(
        house,
        "core.entity_registry",
        _registry(
            "e",
            entities=[
                {"entity_id": e, "id": f"0e{n}a" + "0" * 28, "platform": "hue", "name": e[-1]}
                for n, e in enumerate(
                    ["light.a", "light.b", "light.c", "light.d", "automation.e", "light.f"]
                )
            ]
            + [
                {
                    "entity_id": "light.g",
                    "id": "0e9a" + "0" * 28,
                    "platform": "hue",
                    "disabled_by": "user",
                }
            ],
        ),
    )
    unavailable: dict[str, dict[str, Any]] = {}
    import_ha_registries(runtime.registries, house, unavailable)
    runtime.registries.add_entity(EntityEntry("light.b", unique_id="b", adapter="zigbee"))
    runtime.states.set("light.c", "on")
    write_registry_only_states(runtime, unavailable, provided={"automation.e"})
    written = {s.entity_id: (s.state, dict(s.attributes)) for s in runtime.states.all()}
    assert written == {
        "light.a": ("unavailable", {"restored": True, "friendly_name": "a"}),
        "light.c": ("on", {}),
        "light.d": ("unavailable", {"restored": True, "friendly_name": "d"}),
        "light.f": ("unavailable", {"restored": True, "friendly_name": "f"}),
    }


async def test_a_house_reads_its_entity_registry_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import, the YAML entities', automations', zones', persons' and helpers' ids
    all come from one reading of ``core.entity_registry``."""
    entities = [
        {"entity_id": "sensor.renamed", "id": LAMP_ID, "platform": "template", "unique_id": "t1"},
        {
            "entity_id": "automation.kept",
            "id": DEVICE_ID,
            "platform": "automation",
            "unique_id": "a",
        },
    ]
    _write(tmp_path, "core.entity_registry", _registry("e", entities=entities))
    (tmp_path / "configuration.yaml").write_text(
        "template:\n  - sensor:\n      - {name: Top, unique_id: t1, state: '1'}\n"
        "automation:\n  - {id: a, alias: Any, triggers: [], actions: []}\n"
        "input_boolean:\n  flag: {name: Flag}\n"
    )
    read = _ha_registries.read_entity_registry_file
    reads: list[Path | None] = []
    monkeypatch.setattr(
        _ha_registries,
        "read_entity_registry_file",
        lambda folder: reads.append(folder) or read(folder),
    )
    house = House(tmp_path, clock=TestClock(), persist=False, adapters=False)
    await house.setup()
    await house.start()
    assert house.report.errors == []
    assert house.runtime.states.get("sensor.renamed") is not None
    assert house.runtime.states.get("automation.kept") is not None
    assert reads == [tmp_path]
    await house.stop()
