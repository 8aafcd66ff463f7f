"""Home Assistant's ``.storage`` collections, and what its entity registry says of
their entities: the one reader of the persons, zones and helpers made in its UI.

Home Assistant keeps them apart from ``configuration.yaml``, one file per
domain: ``.storage/person``, ``zone``, ``input_boolean``, ``counter``... (JSON:
``{"version", "minor_version", "key", "data": {"items": [{"id", "name", ...}]}}``;
a version 1 person file lists them under ``persons``). They are read, never
written. An item's entity id is the one the entity registry
(``core.entity_registry``) gives its domain and unique id (the item's id), else
made from its name, numbered around the entity ids the registry keeps; an item
whose registry entry is disabled has no entity, as Home Assistant's entity
platform does not add one.

A file that cannot be read is an error naming it; an item that cannot is an
error naming the file, the item and the key, and the other items are read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homeloom.orchestrator import ConfigIssue, Runtime
from homeloom.orchestrator._ha_registries import (
    STORAGE_DIR,
    EntityRegistryFile,
    RegistryEntry,
    entity_registry_file,
)

from ._slugs import entity_id_for

__all__ = [
    "EntityRegistry",
    "ItemReader",
    "StorageError",
    "StoredList",
    "read_entity_registry",
    "read_storage_file",
    "read_stored_items",
    "read_stored_list",
    "stored_item_issue",
]

# What reads one item: its settings, or the issue that keeps it out.
ItemReader = Callable[[Any, str], tuple[dict[str, Any] | None, ConfigIssue | None]]


class StorageError(ValueError):
    """A file or an item cannot be read; the message says why, ``key`` where."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True, slots=True)
class StoredList:
    """A ``.storage`` file's list of items, and where it is (``data.<list_key>``)."""

    path: Path
    list_key: str
    minor_version: int
    items: list[Any]


def read_storage_file(path: Path) -> dict[str, Any]:
    """A file Home Assistant wrote in ``.storage`` (``{"version", "key", "data"...}``),
    empty when it is JSON of another shape; StorageError saying why it cannot be read."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        # RecursionError: JSON nested deeper than Python's recursion limit.
        raise StorageError(f"not read: {err}") from None
    return content if isinstance(content, dict) else {}


def read_stored_list(
    path: Path, list_keys: tuple[str, ...], major_version: int | None = None
) -> StoredList:
    """The file's ``data.<key>`` list for the first of ``list_keys`` it has, when its
    version is ``major_version`` (any without one); StorageError saying why not."""
    content = read_storage_file(path)
    data = content.get("data")
    found = [key for key in list_keys if isinstance(data, dict) and isinstance(data.get(key), list)]
    if not found:
        raise StorageError(
            f'not read: expected {{"data": {{"{list_keys[0]}": [...]}}}} as Home Assistant writes',
            f"data.{list_keys[0]}",
        )
    version, minor = content.get("version"), content.get("minor_version", 1)
    if major_version is not None and (version != major_version or not isinstance(minor, int)):
        raise StorageError(
            f"not read: version {version}.{minor} is not one Home Assistant 2024.3 "
            f"reads ({major_version}.x)"
        )
    assert isinstance(data, dict)
    return StoredList(path, found[0], minor if isinstance(minor, int) else 1, data[found[0]])


def stored_item_issue(domain: str, path: Path, item: Any, message: str, key: str) -> ConfigIssue:
    """The error for a stored item left out, naming the file, the item and the key."""
    item_id = item.get("id") if isinstance(item, Mapping) else None
    named = f" {item_id!r}" if isinstance(item_id, str | int) else ""
    return ConfigIssue(f"{domain} item{named} skipped: {message}", file=str(path), key=key)


def read_stored_items(
    config_dir: Path | None, domain: str, read: ItemReader
) -> tuple[list[dict[str, Any]], list[ConfigIssue]]:
    """The items of ``.storage/<domain>`` as ``read`` makes them (with the ``file`` and
    ``path`` they come from), and the issues of the file or of the items it refuses."""
    path = (config_dir or Path()) / STORAGE_DIR / domain
    if config_dir is None or not path.is_file():
        return [], []
    try:
        stored = read_stored_list(path, ("items", "persons"))
    except StorageError as err:
        return [], [ConfigIssue(str(err), file=str(path), key=err.key)]
    issues: list[ConfigIssue] = []
    settings_list: list[dict[str, Any]] = []
    for index, item in enumerate(stored.items):
        where = f"data.{stored.list_key}[{index}]"
        settings, issue = read(item, where)
        if issue is not None:
            issues.append(stored_item_issue(domain, path, item, issue.message, issue.key or where))
            continue
        assert settings is not None
        settings_list.append({**settings, "file": str(path), "path": where})
    return settings_list, issues


@dataclass(frozen=True, slots=True)
class EntityRegistry:
    """What the entity registry says of the entities of collections, whose platform is
    their domain: the runtime's one reading of the file (:func:`entity_registry_file`)."""

    file: EntityRegistryFile = field(default_factory=EntityRegistryFile)

    def get(self, platform: str, unique_id: Any) -> RegistryEntry | None:
        return self.file.get(platform, platform, unique_id)

    def disabled(self, platform: str, unique_id: Any) -> bool:
        """Whether the entity is disabled there, so Home Assistant does not add it."""
        entry = self.get(platform, unique_id)
        return entry is not None and entry.disabled

    def named_entity_id(self, domain: str, name: str, taken: Container[str]) -> str:
        """An entity id made from ``name`` that is neither ``taken`` nor kept by an entry
        (``_2`` when it is)."""
        return entity_id_for(domain, name, _Either(taken, self.file.by_entity_id))


@dataclass(frozen=True, slots=True)
class _Either(Container[str]):
    first: Container[str]
    second: Container[str]

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self.first or entity_id in self.second


def read_entity_registry(runtime: Runtime) -> EntityRegistry:
    """The entity registry's entries, read once per runtime; its problems are reported
    where the registries are imported (:mod:`homeloom.orchestrator._ha_registries`)."""
    return EntityRegistry(entity_registry_file(runtime))
