"""An adapter's entity that Home Assistant registered under a platform and unique id
takes the entity id HA's imported registry keeps for them (Registries.add_entity)."""

from __future__ import annotations

import json
from pathlib import Path

from homeloom.orchestrator import EntityEntry, Registries
from homeloom.orchestrator._ha_registries import import_ha_registries

UNIQUE = "0x00158d0001a2b3c4_temperature_zigbee2mqtt"


def _import(tmp_path: Path, registries: Registries, *entities: dict[str, object]) -> None:
    path = tmp_path / ".storage" / "core.entity_registry"
    path.parent.mkdir(parents=True, exist_ok=True)
    content = {"version": 1, "minor_version": 13, "key": "core.entity_registry"}
    path.write_text(json.dumps({**content, "data": {"entities": list(entities)}}))
    assert import_ha_registries(registries, tmp_path) == []


def _ha(entity_id: str, unique_id: object, **more: object) -> dict[str, object]:
    return {"id": f"{len(entity_id):032x}", "entity_id": entity_id, "platform": "mqtt",
            "unique_id": unique_id, **more}  # fmt: skip


def _published(
    registries: Registries, entity_id: str, unique_id: str = UNIQUE, adapter: str = "mqtt"
) -> EntityEntry:
    """What the MQTT adapter registers for a discovery config with ``unique_id``."""
    return registries.add_entity(
        EntityEntry(
            entity_id,
            unique_id=f"ha-{unique_id}",
            adapter=adapter,
            platform="mqtt",
            ha_unique_id=unique_id,
        )
    )


def test_a_renamed_entity_takes_the_registered_id(tmp_path: Path) -> None:
    registries = Registries()
    _import(tmp_path, registries, _ha("sensor.living_room", UNIQUE, area_id="lounge"))
    entry = _published(registries, "sensor.0x00158d0001a2b3c4_temperature")
    assert entry.entity_id == "sensor.living_room" and not entry.disabled
    assert entry.adapter == "mqtt" and entry.area_id == "lounge"  # the imported facts too
    assert "sensor.0x00158d0001a2b3c4_temperature" not in registries.entities
    # Published again (a reconnect, a restart of the adapter): the same entity.
    assert _published(registries, "sensor.other").entity_id == "sensor.living_room"


def test_the_registry_wins_over_an_id_remembered_from_before(tmp_path: Path) -> None:
    # A run before the registry was matched left its own id in homeloom's database,
    # restored before the import: the resident's automations name HA's id.
    registries = Registries()
    _published(registries, "sensor.0x00158d0001a2b3c4_temperature")
    _import(tmp_path, registries, _ha("sensor.living_room", UNIQUE))
    assert _published(registries, "sensor.x").entity_id == "sensor.living_room"


def test_a_disabled_entry_comes_back_disabled(tmp_path: Path) -> None:
    registries = Registries()
    _import(tmp_path, registries, _ha("sensor.living_room", UNIQUE, disabled_by="user"))
    assert _published(registries, "sensor.x").disabled


def test_only_the_same_domain_platform_and_unique_id_match(tmp_path: Path) -> None:
    registries = Registries()
    _import(
        tmp_path,
        registries,
        _ha("binary_sensor.renamed", UNIQUE),  # another domain
        _ha("sensor.numbered", 42),  # a number in an old file: matched as text
        {**_ha("sensor.hue_one", "hue-1"), "platform": "hue"},
    )
    assert _published(registries, "sensor.plain").entity_id == "sensor.plain"
    assert _published(registries, "sensor.n", "42").entity_id == "sensor.numbered"
    assert _published(registries, "sensor.h", "hue-1").entity_id == "sensor.h"


def test_a_second_entity_with_the_unique_id_keeps_its_own_id(tmp_path: Path) -> None:
    # Home Assistant refuses a second entity with one unique id; here another adapter's
    # entity (a second broker) keeps the id it would have had.
    registries = Registries()
    _import(tmp_path, registries, _ha("sensor.living_room", UNIQUE))
    assert _published(registries, "sensor.a").entity_id == "sensor.living_room"
    second = _published(registries, "sensor.b", adapter="mqtt_2")
    assert second.entity_id == "sensor.b"
