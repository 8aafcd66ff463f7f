"""Helpers made in Home Assistant's UI, read from its ``.storage`` collections.

Home Assistant keeps them apart from ``configuration.yaml``: ``.storage/input_boolean``,
``counter``, ``timer``, ``schedule``... (JSON: ``{"version": 1, "minor_version",
"key", "data": {"items": [{"id", "name", ...}]}}``). They are read, never written,
and set up after the YAML items of their domain, as Home Assistant 2024.3 does.
A YAML item, too, takes the entity id its entity registry entry has (the entry of
its domain whose unique id is the item's id), and is left out when that entry is
disabled. A stored item:

* its options are those of the YAML form, checked by the same models; keys
  the model does not know are ignored, as Home Assistant ignores them on loading;
* its entity id is the one the entity registry gives its domain and unique id (the
  item's id), else made from its name (``_2`` when taken); a disabled registry
  entry keeps it out;
* its ``editable`` attribute is true; ``initial`` and restoring behave as in YAML;
* it is left out when a YAML item has its id (Home Assistant logs that the id
  is not unique);
* an input_select file older than minor version 2 has its duplicated options
  dropped, as Home Assistant's migration does; an input_number's stored ``initial``
  is ignored, as there.

Unlike Home Assistant, which gives up on the whole domain for some bad items (a
timer without duration, a bad schedule block, a file of another major version), a
bad item or file is an error naming the file and the item, and everything else is
set up. An item lacking a key Home Assistant reads without a default (a counter's
``minimum``...: its UI always writes them) is such an error, as it fails there.
"""

from __future__ import annotations

import logging
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from homeloom.orchestrator import ConfigIssue, Runtime
from homeloom.orchestrator._ha_registries import STORAGE_DIR

from ._ha_collections import (
    EntityRegistry,
    StorageError,
    StoredList,
    read_entity_registry,
    read_stored_list,
    stored_item_issue,
)
from ._helpers_base import HelperEntity

__all__ = ["COLLECTION_DOMAINS", "HelperCollections", "read_helper_collections"]

_LOGGER = logging.getLogger(__name__)

# The helpers Home Assistant's UI makes into a collection of that name (person and
# zone are read with their integrations, through the same :mod:`._ha_collections`).
COLLECTION_DOMAINS = (
    "input_boolean",
    "input_button",
    "input_datetime",
    "input_number",
    "input_select",
    "input_text",
    "counter",
    "timer",
    "schedule",
)
COLLECTION_VERSION = 1  # the major version of every helper collection in 2024.3
# The keys Home Assistant 2024.3 reads from a stored item without a default, though
# the YAML form has one: an item lacking one fails to load there.
_KEYS_READ_WITHOUT_DEFAULT = {
    "counter": ("initial", "restore", "step", "minimum", "maximum"),
    "input_datetime": ("has_date", "has_time"),
    "input_number": ("step", "mode"),
    "input_text": ("min", "max", "mode"),
}
SELECT_UNIQUE_OPTIONS_SINCE = 2  # the input_select minor version with unique options


@dataclass(slots=True)
class HelperCollections:
    """The helper collections of a ``.storage`` folder, and what the entity registry
    says of their entities."""

    collections: dict[str, StoredList] = field(default_factory=dict)
    registry: EntityRegistry = field(default_factory=EntityRegistry)
    issues: list[ConfigIssue] = field(default_factory=list)

    def place_yaml_item(self, entity: HelperEntity) -> bool:
        """Give a YAML item the entity id its registry entry has (renamed in Home
        Assistant's UI); False when that entry is disabled, as there."""
        registered = self.registry.get(entity.domain, entity.object_id)
        if registered is not None:
            entity.entity_id = registered.entity_id
        return registered is None or not registered.disabled

    def entities(
        self, runtime: Runtime, kind: type[HelperEntity], yaml_items: Mapping[str, HelperEntity]
    ) -> tuple[dict[str, HelperEntity], list[ConfigIssue]]:
        """The stored items of ``kind`` beside its YAML ones, by id (not yet given their
        first state), and the issues of those left out."""
        collection = self.collections.get(kind.domain)
        made: dict[str, HelperEntity] = {}
        if collection is None:
            return made, []
        issues: list[ConfigIssue] = []
        by_id = dict(yaml_items)  # a stored item whose id is taken is left out
        helpers = {entity.entity_id for entity in yaml_items.values()}
        for index, item in enumerate(collection.items):
            where = f"data.items[{index}]"
            try:
                entity = self._entity(runtime, kind, collection, item, by_id)
                if entity is not None:
                    entity.entity_id = self._entity_id(runtime, entity, helpers)
            except StorageError as err:
                key = f"{where}.{err.key}" if err.key else where
                issues.append(stored_item_issue(kind.domain, collection.path, item, str(err), key))
                continue
            if entity is None:
                continue
            helpers.add(entity.entity_id)
            made[entity.object_id] = by_id[entity.object_id] = entity
        return made, issues

    def _entity(
        self,
        runtime: Runtime,
        kind: type[HelperEntity],
        collection: StoredList,
        item: Any,
        existing: Mapping[str, HelperEntity],
    ) -> HelperEntity | None:
        """The helper of one stored item; None for one its registry entry disables."""
        if not isinstance(item, Mapping):
            raise StorageError(f"expected a mapping, got {item!r}")
        item_id = item.get("id")
        if not isinstance(item_id, str) or not item_id:
            raise StorageError(f"'id' must be a non-empty text, got {item_id!r}", "id")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise StorageError(f"'name' must be a non-empty text, got {name!r}", "name")
        if item_id in existing:
            raise StorageError(f"its id is already used by {existing[item_id].entity_id}", "id")
        if self.registry.disabled(kind.domain, item_id):
            _LOGGER.debug("%s %r left out: its registry entry is disabled", kind.domain, item_id)
            return None
        options = {
            key: value for key, value in item.items() if key in kind.config_model.model_fields
        }
        options = _as_loaded(kind.domain, collection.minor_version, options)
        try:
            entity = kind(runtime, item_id, kind.config_model.model_validate(options))
        except ValidationError as err:
            first = err.errors()[0]
            key = ".".join(str(part) for part in first["loc"][:1]) or None
            raise StorageError(f"{key}: {first['msg']}" if key else first["msg"], key) from None
        except ValueError as err:
            raise StorageError(str(err)) from None
        for key in _KEYS_READ_WITHOUT_DEFAULT.get(kind.domain, ()):
            if key not in item:
                raise StorageError(
                    f"'{key}' missing (Home Assistant fails to add an item without it)", key
                )
        entity.editable = True
        return entity

    def _entity_id(self, runtime: Runtime, entity: HelperEntity, helpers: set[str]) -> str:
        """The registry's entity id for the item, else one made from its name that neither
        another helper nor a registry entry has."""
        registered = self.registry.get(entity.domain, entity.object_id)
        if registered is None:
            return self.registry.named_entity_id(
                entity.domain, entity.name, _Taken(runtime, helpers)
            )
        if registered.entity_id in helpers:
            message = f"its registry entity id {registered.entity_id} is already used"
            raise StorageError(message, "id")
        return registered.entity_id


def _as_loaded(domain: str, minor_version: int, options: dict[str, Any]) -> dict[str, Any]:
    """An item's options as Home Assistant loads them: an input_select file older than
    minor version 2 has its duplicated options dropped (its migration), and an
    input_number's stored ``initial`` is dropped (an old UI bug stored one for every
    input_number, so Home Assistant ignores them all)."""
    if (
        domain == "input_select"
        and minor_version < SELECT_UNIQUE_OPTIONS_SINCE
        and isinstance(options.get("options"), list)
    ):
        return {**options, "options": list(dict.fromkeys(options["options"]))}
    if domain == "input_number":
        return {key: value for key, value in options.items() if key != "initial"}
    return options


@dataclass(frozen=True, slots=True)
class _Taken(Container[str]):
    """Entity ids a new helper cannot have (besides those registry entries keep): other
    helpers', and a live state's (not one saved before a restart: it may be its own)."""

    runtime: Runtime
    entity_ids: set[str]

    def __contains__(self, entity_id: object) -> bool:
        if entity_id in self.entity_ids:
            return True
        state = self.runtime.states.get(str(entity_id))
        return state is not None and not state.restored


def read_helper_collections(runtime: Runtime) -> HelperCollections:
    """The helper collections in the runtime's ``config_dir/.storage`` (none without that
    folder); a file that cannot be read is an issue and is left out."""
    read, config_dir = HelperCollections(), runtime.config_dir
    folder = (config_dir or Path()) / STORAGE_DIR
    if config_dir is None or not folder.is_dir():
        return read
    for domain in COLLECTION_DOMAINS:
        path = folder / domain
        if not path.is_file():
            continue
        try:
            read.collections[domain] = read_stored_list(path, ("items",), COLLECTION_VERSION)
        except StorageError as err:
            read.issues.append(ConfigIssue(str(err), file=str(path), key=err.key))
    read.registry = read_entity_registry(runtime)
    return read
