"""Home Assistant's registries, read from a configuration directory's ``.storage``.

A resident moving from Home Assistant copies its configuration directory. The
automations its UI wrote name devices, areas, floors, labels and entities by the
ids kept in ``.storage/core.*_registry`` (JSON: ``{"version", "minor_version",
"key", "data": {...}}``). These files are read, never written, into homeloom's
registries at setup, so those ids resolve here as they did there. A malformed
file or entry is a warning naming the file and what is wrong; the rest is read.

An entity an adapter also publishes keeps one entry: the adapter's facts win and
the imported registry id, platform, area and labels fill what it leaves open
(:func:`merge_imported`), whichever of the two comes first. An adapter's entity
that names the platform and unique id Home Assistant registered it under (MQTT
discovery: ``mqtt`` and the config's ``unique_id``) takes the entity id kept for
them, renamed or not (:meth:`Registries.add_entity`). An entity the registry
lists that nothing provides is written ``unavailable`` at start, as Home Assistant
does (:func:`write_registry_only_states`).

The entity registry file is read once per runtime (:func:`entity_registry_file`):
the import and the setups that give YAML entities, UI collections' and config
entries' entities their registered ids all use that one reading.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._context import Context
from ._errors import ConfigIssue
from ._registry import EntityEntry, Registries, Thing, merge_imported
from ._states import valid_entity_id

if TYPE_CHECKING:
    from ._runtime import Runtime

__all__ = [
    "ENTITY_REGISTRY",
    "IMPORTED_ADAPTER",
    "STORAGE_DIR",
    "EntityRegistryFile",
    "RegistryEntry",
    "entity_registry_file",
    "import_ha_registries",
    "read_entity_registry_file",
    "write_registry_only_states",
]

STORAGE_DIR = ".storage"
ENTITY_REGISTRY = "core.entity_registry"
IMPORTED_ADAPTER = "home_assistant"  # the adapter named on things read from its registry
_ENTITY_REGISTRY_COMPONENT = "ha_entity_registry"  # runtime.components: the file read


class _BadEntry(ValueError):
    """One registry entry cannot be read; the message says why."""


def _text(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise _BadEntry(f"'{key}' must be a non-empty text, got {value!r}")
    return value


def _optional_text(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise _BadEntry(f"'{key}' must be a text or null, got {value!r}")
    return value or None


def _texts(item: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = item.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _BadEntry(f"'{key}' must be a list of texts, got {value!r}")
    return tuple(value)


def _unique_id(value: Any) -> str | None:
    """A registered unique id as text (Home Assistant keeps texts; older files, numbers
    too); None for one that cannot be matched, which costs the entry nothing else."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value) or None


def _floor(registries: Registries, item: Mapping[str, Any]) -> None:
    registries.floors[_text(item, "floor_id")] = _text(item, "name")


def _label(registries: Registries, item: Mapping[str, Any]) -> None:
    registries.labels[_text(item, "label_id")] = _text(item, "name")


def _area(registries: Registries, item: Mapping[str, Any]) -> None:
    registries.add_area(
        _text(item, "name"),
        _text(item, "id"),
        _optional_text(item, "floor_id"),
        _texts(item, "aliases"),
    )


def _device(registries: Registries, item: Mapping[str, Any]) -> None:
    thing_id = _text(item, "id")
    name, by_user = _optional_text(item, "name"), _optional_text(item, "name_by_user")
    identifiers = item.get("identifiers") or []
    if not isinstance(identifiers, list) or not all(
        isinstance(pair, list) and len(pair) == 2 for pair in identifiers
    ):
        raise _BadEntry(f"'identifiers' must be a list of [domain, id] pairs, got {identifiers!r}")
    registries.add_thing(
        Thing(
            id=thing_id,
            name=name or by_user or thing_id,
            adapter=IMPORTED_ADAPTER,
            area_id=_optional_text(item, "area_id"),
            manufacturer=_optional_text(item, "manufacturer"),
            model=_optional_text(item, "model"),
            sw_version=_optional_text(item, "sw_version"),
            identifiers=tuple(f"{domain}:{value}" for domain, value in identifiers),
            name_by_user=by_user,
            labels=_texts(item, "labels"),
        )
    )


def _entity(registries: Registries, item: Mapping[str, Any]) -> None:
    entity_id = _text(item, "entity_id")
    if not valid_entity_id(entity_id):
        raise _BadEntry(f"'entity_id' {entity_id!r} is not an entity id")
    imported = EntityEntry(
        entity_id,
        thing_id=_optional_text(item, "device_id"),
        area_id=_optional_text(item, "area_id"),
        name=_optional_text(item, "name"),
        device_class=_optional_text(item, "device_class")
        or _optional_text(item, "original_device_class"),
        labels=_texts(item, "labels"),
        disabled=item.get("disabled_by") is not None,
        registry_id=_text(item, "id"),
        platform=_text(item, "platform"),
        ha_unique_id=_unique_id(item.get("unique_id")),
        hidden=item.get("hidden_by") is not None or item.get("entity_category") is not None,
        config_entry_id=_optional_text(item, "config_entry_id"),
        hidden_by=_optional_text(item, "hidden_by"),
    )
    existing = registries.entities.get(entity_id)
    if existing is not None:  # disabled or not as the registry says now, whatever was saved
        imported = replace(merge_imported(existing, imported), disabled=imported.disabled)
    registries.add_entity(imported)


# In this order: areas name their floor, devices their area, entities their device.
_READERS: tuple[tuple[str, str, Callable[[Registries, Mapping[str, Any]], None]], ...] = (
    ("core.floor_registry", "floors", _floor),
    ("core.label_registry", "labels", _label),
    ("core.area_registry", "areas", _area),
    ("core.device_registry", "devices", _device),
    (ENTITY_REGISTRY, "entities", _entity),
)


def _entries(path: Path, list_key: str, warnings: list[ConfigIssue]) -> list[Any]:
    """The file's ``data.<list_key>``; a warning and nothing when it cannot be read."""
    return _listed(_content(path, warnings), path, list_key, warnings)


def _content(path: Path, warnings: list[ConfigIssue]) -> Any:
    """The file's JSON; None, and a warning, when it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        # RecursionError: JSON nested deeper than Python's recursion limit.
        warnings.append(ConfigIssue(f"not read: {err}", file=str(path)))
        return None


def _listed(content: Any, path: Path, list_key: str, warnings: list[ConfigIssue]) -> list[Any]:
    """``content``'s ``data.<list_key>``; a warning and nothing when it has none."""
    if content is None:
        return []  # not read: already warned
    data = content.get("data") if isinstance(content, dict) else None
    entries = data.get(list_key) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        message = f'not read: expected {{"data": {{"{list_key}": [...]}}}} as Home Assistant writes'
        warnings.append(ConfigIssue(message, file=str(path), key=f"data.{list_key}"))
        return []
    return entries


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """What the entity registry keeps of an entity, as the setups that name entities
    read it: the entity id it gives, whether it is disabled, and the name, icon and
    device class ("Show as") a resident gave the entity in the UI (None when not)."""

    entity_id: str
    disabled: bool
    name: str | None = None
    icon: str | None = None
    device_class: str | None = None

    def shown(self) -> dict[str, str]:
        """The attributes the entry gives its entity's state in place of the entity's
        own, as Home Assistant writes every state of a registered entity: its name as
        ``friendly_name``, its icon and its device class, those the resident set."""
        shown = {}
        if self.device_class is not None:
            shown["device_class"] = self.device_class
        if self.icon is not None:
            shown["icon"] = self.icon
        if self.name is not None:
            shown["friendly_name"] = self.name
        return shown


@dataclass(frozen=True, slots=True)
class EntityRegistryFile:
    """``.storage/core.entity_registry`` read once: its entries as written, which the
    import reads one by one (``warnings``: why the file itself could not be read), and
    the indexes the setups that name entities look them up by. An entry whose
    ``entity_id`` is no entity id is in no index, as the import skips it."""

    config_dir: Path | None = None
    items: list[Any] = field(default_factory=list)
    warnings: list[ConfigIssue] = field(default_factory=list)
    # By (entity domain, platform, unique id as text).
    by_unique_id: dict[tuple[str, str, str], RegistryEntry] = field(default_factory=dict)
    by_registry_id: dict[str, str] = field(default_factory=dict)  # entity ids by 32-hex id
    # Every entity id it keeps (an id made from a name steps around them), its entry as written.
    by_entity_id: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    # The enabled entries giving their entity a name, an icon or a device class, by
    # entity id.
    renamed: dict[str, RegistryEntry] = field(default_factory=dict)

    def get(self, domain: str, platform: str, unique_id: Any) -> RegistryEntry | None:
        return self.by_unique_id.get((domain, platform, str(unique_id)))


def read_entity_registry_file(config_dir: Path | None) -> EntityRegistryFile:
    """``config_dir/.storage/core.entity_registry`` read and indexed; empty when missing."""
    path = (config_dir or Path()) / STORAGE_DIR / ENTITY_REGISTRY
    if config_dir is None or not path.is_file():
        return EntityRegistryFile(config_dir)
    warnings: list[ConfigIssue] = []
    content = _content(path, warnings)
    items = _listed(content, path, "entities", warnings)
    if isinstance(content, dict) and content.get("version") == 1:
        minor_version = content.get("minor_version", 1)  # as Home Assistant reads none
        if isinstance(minor_version, int):
            items = [_migrated_entity(item, minor_version) for item in items]
    read = EntityRegistryFile(config_dir, items, warnings)
    for item in read.items:
        entity_id = item.get("entity_id") if isinstance(item, dict) else None
        if not isinstance(entity_id, str) or not valid_entity_id(entity_id):
            continue
        read.by_entity_id[entity_id] = item
        if isinstance(item.get("id"), str):
            read.by_registry_id[item["id"]] = entity_id
        platform, unique_id = item.get("platform"), _unique_id(item.get("unique_id"))
        if not isinstance(platform, str) or unique_id is None:
            continue
        entry = RegistryEntry(
            entity_id,
            disabled=item.get("disabled_by") is not None,
            name=_given_text(item.get("name")),
            icon=_given_text(item.get("icon")),
            device_class=_given_text(item.get("device_class")),
        )
        read.by_unique_id[(entity_id.partition(".")[0], platform, unique_id)] = entry
    for entry in read.by_unique_id.values():
        if not entry.disabled and entry.shown():
            read.renamed[entry.entity_id] = entry
    return read


# The entity domains whose device class a registry file older than version 1.8 keeps:
# Home Assistant clears the others' (set wrongly by an old frontend) when it loads one.
_DEVICE_CLASS_KEPT_BEFORE_1_8 = frozenset({"binary_sensor", "cover"})


def _migrated_entity(item: Any, minor_version: int) -> Any:
    """An entry of a version 1 file as Home Assistant 2024.3 reads it after migrating
    it from ``minor_version`` (it writes 1.13), as far as the device class goes:
    before 1.3 the integration's was in ``device_class`` (the resident had none to
    give); before 1.8 the resident's is cleared but for binary sensors and covers.
    An entry from before 1.4 has no registry id: it is given a new one."""
    if not isinstance(item, dict) or minor_version >= 8:
        return item
    migrated = dict(item)
    if minor_version < 4 and "id" not in migrated:
        migrated["id"] = uuid.uuid4().hex
    if minor_version < 3:
        migrated["original_device_class"] = migrated.get("device_class")
        migrated["device_class"] = None
    domain = str(migrated.get("entity_id", "")).partition(".")[0]
    if domain not in _DEVICE_CLASS_KEPT_BEFORE_1_8:
        migrated["device_class"] = None
    return migrated


def _given_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def entity_registry_file(runtime: Runtime) -> EntityRegistryFile:
    """The runtime's entity registry file, read once (again when its config dir changes)."""
    known = runtime.components.get(_ENTITY_REGISTRY_COMPONENT)
    if not isinstance(known, EntityRegistryFile) or (
        # The same path object (asked for each automation): no paths compared.
        known.config_dir is not runtime.config_dir and known.config_dir != runtime.config_dir
    ):
        known = read_entity_registry_file(runtime.config_dir)
        runtime.components[_ENTITY_REGISTRY_COMPONENT] = known
    return known


def _unavailable_attributes(item: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes Home Assistant writes for a registered entity nothing provides:
    ``restored``, its capabilities, and the names and unit its registry entry keeps
    (the resident's choice, else the integration's)."""
    attributes: dict[str, Any] = {"restored": True}
    capabilities = item.get("capabilities")
    if isinstance(capabilities, dict):
        attributes.update(capabilities)
    for attribute, chosen, original in (
        ("device_class", "device_class", "original_device_class"),
        ("icon", "icon", "original_icon"),
        ("friendly_name", "name", "original_name"),
    ):
        value = item.get(chosen) or item.get(original)
        if value is not None:
            attributes[attribute] = value
    for attribute in ("supported_features", "unit_of_measurement"):
        if item.get(attribute) is not None:
            attributes[attribute] = item[attribute]
    return attributes


def import_ha_registries(
    registries: Registries,
    config_dir: Path,
    unavailable: dict[str, dict[str, Any]] | None = None,
    entity_file: EntityRegistryFile | None = None,
) -> list[ConfigIssue]:
    """Read the Home Assistant registries found in ``config_dir/.storage`` into
    ``registries``; the warnings about what could not be read. ``unavailable``, when
    given, receives the attributes of each imported entity's unavailable state (see
    :func:`write_registry_only_states`). ``entity_file``: the entity registry file
    already read (:func:`entity_registry_file`), else it is read here."""
    warnings: list[ConfigIssue] = []
    folder = config_dir / STORAGE_DIR
    if not folder.is_dir():
        return warnings
    for file_name, list_key, read in _READERS:
        path = folder / file_name
        if not path.is_file():
            continue
        if read is _entity:
            entity_file = entity_file or read_entity_registry_file(config_dir)
            warnings.extend(entity_file.warnings)
            items = entity_file.items
        else:
            items = _entries(path, list_key, warnings)
        for index, item in enumerate(items):
            try:
                if not isinstance(item, dict):
                    raise _BadEntry(f"expected a mapping, got {item!r}")
                read(registries, item)
            except _BadEntry as err:
                key = f"data.{list_key}[{index}]"
                warnings.append(ConfigIssue(f"entry skipped: {err}", file=str(path), key=key))
                continue
            if read is _entity and unavailable is not None:
                unavailable[item["entity_id"]] = _unavailable_attributes(item)
    return warnings


def write_registry_only_states(
    runtime: Runtime, unavailable: Mapping[str, Mapping[str, Any]], provided: Container[str]
) -> None:
    """At start, before the automations attach, as Home Assistant at its start: each
    entity the imported registry lists that is enabled, has no state yet, and that no
    adapter (nor ``provided``: those whose states starting writes) claims, is written
    ``unavailable`` with the attributes :func:`import_ha_registries` gathered. The state
    its device or the events file writes later replaces it."""
    context = Context(origin="system")
    entities, states = runtime.registries.entities, runtime.states
    for entity_id, attributes in unavailable.items():
        entry = entities.get(entity_id)
        if (
            entry is None
            or entry.disabled
            or entry.adapter is not None
            or entity_id in provided
            or states.get(entity_id) is not None
        ):
            continue
        states.set(entity_id, "unavailable", attributes, context=context, raw=True)
