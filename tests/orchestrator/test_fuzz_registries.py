"""Hostile Home Assistant registries (``.storage/core.*_registry``): whatever the files
hold, importing them warns about what it cannot read, never raises, and reads the rest."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from homeloom.orchestrator import ConfigIssue, EntityEntry, Registries
from homeloom.orchestrator._ha_registries import STORAGE_DIR, import_ha_registries

# Derandomized: CI runs the same examples each time, and a failure reproduces.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# (file, list key, id key) of each registry.
FILES = {
    "floors": ("core.floor_registry", "floor_id"),
    "labels": ("core.label_registry", "label_id"),
    "areas": ("core.area_registry", "id"),
    "devices": ("core.device_registry", "id"),
    "entities": ("core.entity_registry", "id"),
}
# The keys Home Assistant writes, so junk entries come close to real ones. No value
# junk is made of starts with "good": the good entries' ids stay their own.
KEYS = [
    "id",
    "floor_id",
    "label_id",
    "name",
    "name_by_user",
    "area_id",
    "device_id",
    "entity_id",
    "platform",
    "unique_id",  # matched with adapters' entities: junk there must not break it
    "aliases",
    "labels",
    "identifiers",
    "disabled_by",
    "hidden_by",
    "entity_category",
    "device_class",
    "original_device_class",
    "data",
    "floors",
    "entities",
]
junk_text = st.one_of(
    st.sampled_from(["", "light.lamp", "light.adapter", "0e1a", "kitchen", "x" * 300]),
    st.text(max_size=6),
).filter(lambda text: not text.startswith("good"))
junk_json: Any = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False),
        junk_text,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), junk_text), children, max_size=5),
    ),
    max_leaves=16,
)


def _good_entry(kind: str, number: int) -> dict[str, Any]:
    """A well-formed entry of registry ``kind``, its id made of ``number``."""
    name = f"good{number}"
    return {
        "floors": {"floor_id": name, "name": name},
        "labels": {"label_id": name, "name": name},
        "areas": {"id": name, "name": name},
        "devices": {"id": name, "name": name, "identifiers": [["hue", name]]},
        "entities": {"entity_id": f"light.{name}", "id": name, "platform": "hue"},
    }[kind]


def _loaded(registries: Registries, kind: str, number: int) -> bool:
    name = f"good{number}"
    found = {
        "floors": registries.floors,
        "labels": registries.labels,
        "areas": registries.areas,
        "devices": registries.things,
        "entities": {e.registry_id for e in registries.entities.values()},
    }[kind]
    return name in found


def _import(files: dict[str, bytes], adapter_entity: bool = False) -> tuple[Registries, list[Any]]:
    """Import ``files`` (name under ``.storage``: content) into fresh registries, one
    entity ``light.adapter`` published by an adapter beforehand when asked."""
    registries = Registries()
    if adapter_entity:
        registries.add_entity(EntityEntry("light.adapter", unique_id="u1", adapter="zigbee"))
    with tempfile.TemporaryDirectory() as folder:
        storage = Path(folder, STORAGE_DIR)
        storage.mkdir()
        for name, content in files.items():
            (storage / name).write_bytes(content)
        warnings = import_ha_registries(registries, Path(folder))
        for warning in warnings:
            assert isinstance(warning, ConfigIssue) and warning.message
            assert warning.file is not None and Path(warning.file).parent == storage
    return registries, warnings


@FUZZ
@given(
    kind=st.sampled_from(sorted(FILES)),
    junk=st.lists(junk_json, max_size=6),
    goods=st.lists(st.integers(0, 5), max_size=3, unique=True),
    adapter_entity=st.booleans(),
    data=st.data(),
)
def test_junk_entries_warn_and_the_good_ones_load(
    kind: str, junk: list[Any], goods: list[int], adapter_entity: bool, data: st.DataObject
) -> None:
    entries = list(junk)
    for number in goods:  # each good entry somewhere among the junk
        entries.insert(data.draw(st.integers(0, len(entries))), _good_entry(kind, number))
    file_name, _ = FILES[kind]
    content = {"version": 1, "minor_version": 1, "key": file_name, "data": {kind: entries}}
    registries, warnings = _import({file_name: json.dumps(content).encode()}, adapter_entity)
    assert all(_loaded(registries, kind, number) for number in goods)
    assert len(warnings) <= len(junk)
    if adapter_entity:  # whatever was imported, the adapter still owns its entity
        assert registries.entities["light.adapter"].adapter == "zigbee"


@FUZZ
@given(kind=st.sampled_from(sorted(FILES)), content=junk_json)
def test_any_json_file_is_read_or_warned_about(kind: str, content: Any) -> None:
    file_name, _ = FILES[kind]
    _import({file_name: json.dumps(content).encode()})


@FUZZ
@given(kind=st.sampled_from(sorted(FILES)), content=st.binary(max_size=300))
# Found by this test: JSON nested past Python's recursion limit raised RecursionError.
@example(kind="entities", content=b"[" * 5000)
@example(kind="floors", content=b'{"data": {"floors": [{"floor_id": "\xff", "name": "x"}]}}')
def test_any_bytes_are_read_or_warned_about(kind: str, content: bytes) -> None:
    file_name, _ = FILES[kind]
    _, warnings = _import({file_name: content})
    if content.startswith(b"[" * 100):
        assert "not read" in warnings[0].message


def test_duplicate_and_colliding_ids_keep_the_adapters_entity() -> None:
    entities = [
        {"entity_id": "light.adapter", "id": "r1", "platform": "hue", "area_id": "hall"},
        {"entity_id": "light.adapter", "id": "r2", "platform": "lifx"},
        {"entity_id": "light.other", "id": "r1", "platform": "hue"},
    ]
    content = {"data": {"entities": entities}}
    registries, _ = _import({"core.entity_registry": json.dumps(content).encode()}, True)
    lamp = registries.entities["light.adapter"]
    assert (lamp.adapter, lamp.unique_id, lamp.area_id) == ("zigbee", "u1", "hall")
    assert "light.other" in registries.entities
