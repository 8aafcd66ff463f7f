"""Which automations a reload keeps running: those whose name and configuration
are written as before, matched as Home Assistant matches them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ._automation import Automation
from ._automation_broken import _has_entity
from ._automation_config import DOMAIN, _from_blueprint
from ._config_dir import blocks_for

__all__ = ["Written", "automation_items", "unchanged_automations", "written_hash", "written_item"]

# How an automation was configured: a hash of its name and of its configuration as
# written (a blueprint's as filled in), kept rather than the configuration, which a
# long-running house lets go. As Home Assistant, a reload keeps running the automations
# whose name and configuration are unchanged. A hash of the text ``repr`` gives: the
# reload it is compared at happens in the same process, and ``repr`` costs a third of
# a sorted JSON text (an automation whose keys were only reordered is replaced, where
# Home Assistant keeps it: no run is lost that an edit would not lose).
Written = int


def written_item(item: Any, config_dir: Path | None) -> Any:
    """``item`` as its automation is read: a blueprint's filled in (raises if it
    cannot be)."""
    if isinstance(item, Mapping) and "use_blueprint" in item:
        return _from_blueprint(item, config_dir)
    return item


def written_hash(written: Mapping[str, Any], number: int) -> Written:
    """How the automation of ``written``, ``number``-th of the configuration, was
    written (see ``Written``)."""
    alias = written.get("alias")
    name = str(alias) if alias not in (None, "") else f"{DOMAIN} {number}"
    return hash((name, repr(written)))


def automation_items(config: Any) -> Iterator[tuple[int, Any, list[Any], int]]:
    """Each automation of ``config``: its index, the item, the list that holds it and
    its place there."""
    index = 0
    for _, block in blocks_for(config, DOMAIN):
        items = block if isinstance(block, list) else [block] if block is not None else []
        for place, item in enumerate(items):
            yield index, item, items, place
            index += 1


def unchanged_automations(
    config: Any,
    written_as: Mapping[str, Written],
    automations: Mapping[str, Automation],
    config_dir: Path | None,
) -> tuple[set[str], set[int]]:
    """The automations that ``config`` writes as they run: their entity ids, and
    the places of their items in ``config``.

    Matched as Home Assistant does: one with an id to the item with that id (the
    first: the others are refused), one without to the first unmatched item without
    an id; each matches if its name (its alias, else ``automation <place>``) and
    its configuration as written are the same.
    """
    with_id: dict[str, tuple[int, Written]] = {}
    without_id: list[tuple[int, Written]] = []
    number = 0
    for index, item, _, _ in automation_items(config):
        if not _has_entity(item):
            continue
        number += 1
        try:
            written = written_hash(written_item(item, config_dir), number - 1)
        except Exception:  # a blueprint that cannot be filled in: loaded, as broken
            continue
        automation_id = item.get("id")
        if automation_id:
            with_id.setdefault(automation_id, (index, written))
        else:
            without_id.append((index, written))
    keep: set[str] = set()
    kept: set[int] = set()
    for entity_id, was in written_as.items():
        automation_id = automations[entity_id].spec.id
        if automation_id:
            index, now = with_id.pop(automation_id, (-1, None))
            if now == was:
                keep.add(entity_id)
                kept.add(index)
            continue
        for index, now in without_id:
            if index not in kept and now == was:
                keep.add(entity_id)
                kept.add(index)
                break
    return keep, kept
