"""Persons and zones made in Home Assistant's UI, read from its ``.storage``.

Home Assistant keeps them apart from ``configuration.yaml``: ``.storage/person``
and ``.storage/zone`` (JSON: ``{"version", "minor_version", "key", "data":
{"items": [...]}}``; a version 1 person file lists them under ``persons``). They
are read, never written, beside the YAML items, and marked editable as there.
An item's entity id is the one the entity registry (``core.entity_registry``)
gives its platform and unique id (the item's id), else made from its name.

A file that cannot be read, or an item that cannot, is an error naming the file
and the item; the other items are read. (Home Assistant gives up on the whole
zone integration for one zone missing a key.)
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from homeloom.orchestrator import ConfigIssue
from homeloom.orchestrator._ha_registries import STORAGE_DIR

__all__ = ["ItemReader", "read_stored_items", "registered_entity_ids"]

ENTITY_REGISTRY = "core.entity_registry"
# What reads one item: its settings, or the issue that keeps it out.
ItemReader = Callable[[Any, str], tuple[dict[str, Any] | None, ConfigIssue | None]]


def _data(path: Path, list_keys: tuple[str, ...]) -> tuple[list[Any], str, ConfigIssue | None]:
    """The file's ``data.<key>`` list for the first of ``list_keys`` it has, and that key."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        # RecursionError: JSON nested deeper than Python's recursion limit.
        return [], "", ConfigIssue(f"not read: {err}", file=str(path))
    data = content.get("data") if isinstance(content, dict) else None
    for key in list_keys:
        items = data.get(key) if isinstance(data, dict) else None
        if isinstance(items, list):
            return items, key, None
    message = f'not read: expected {{"data": {{"{list_keys[0]}": [...]}}}} as Home Assistant writes'
    return [], "", ConfigIssue(message, file=str(path), key=f"data.{list_keys[0]}")


def read_stored_items(
    config_dir: Path | None, domain: str, read: ItemReader
) -> tuple[list[dict[str, Any]], list[ConfigIssue]]:
    """The items of ``.storage/<domain>`` as ``read`` makes them (with the ``file`` and
    ``path`` they come from), and the issues of those it refuses (each naming the file
    and the item)."""
    path = (config_dir or Path()) / STORAGE_DIR / domain
    if config_dir is None or not path.is_file():
        return [], []
    items, list_key, issue = _data(path, ("items", "persons"))
    issues = [] if issue is None else [issue]
    settings_list: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        where = f"data.{list_key}[{index}]"
        settings, issue = read(item, where)
        if issue is not None:
            item_id = item.get("id") if isinstance(item, Mapping) else None
            named = f" (item {item_id!r})" if item_id is not None else ""
            message = f"{domain} item skipped: {issue.message}{named}"
            issues.append(dataclasses.replace(issue, message=message, file=str(path), line=None))
            continue
        assert settings is not None
        settings_list.append({**settings, "file": str(path), "path": where})
    return settings_list, issues


def registered_entity_ids(config_dir: Path | None, platform: str) -> dict[str, str]:
    """The entity ids Home Assistant's entity registry gives ``platform``'s items, by
    unique id (the registry's own problems are reported where it is imported)."""
    path = (config_dir or Path()) / STORAGE_DIR / ENTITY_REGISTRY
    if config_dir is None or not path.is_file():
        return {}
    entries, _, _ = _data(path, ("entities",))
    return {
        str(entry["unique_id"]): entry["entity_id"]
        for entry in entries
        if isinstance(entry, dict)
        and entry.get("platform") == platform
        and entry.get("unique_id") is not None
        and isinstance(entry.get("entity_id"), str)
        and entry["entity_id"].startswith(f"{platform}.")
    }
