"""Setting up every helper of a configuration in one call: its YAML items, then
those made in Home Assistant's UI (:mod:`._helper_storage`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import ConfigIssue, Runtime

from ._groups import Group, group_items, install_group_services
from ._helper_storage import read_helper_collections
from ._helpers_base import HelperEntity, activate, setup_kind
from ._input_helpers import HELPER_KINDS
from ._scenes import setup_scenes
from ._schedule import Schedule, install_schedule_reload
from ._timers import Timer

__all__ = ["HELPER_DOMAINS", "setup_helpers"]

_KINDS: tuple[type[HelperEntity], ...] = (*HELPER_KINDS, Timer, Schedule, Group)
HELPER_DOMAINS = frozenset(kind.domain for kind in _KINDS) | {"scene"}


async def setup_helpers(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Every helper item (input_*, counter, timer, schedule, group, scene): bad ones
    reported, good ones set up."""
    issues: list[ConfigIssue] = []
    created: dict[str, HelperEntity] = {}
    stored = read_helper_collections(runtime.config_dir)
    issues.extend(stored.issues)
    if "group" in config:
        config = {**config, "group": group_items(config["group"])}
    for kind in _KINDS:
        items, found = setup_kind(runtime, config, kind, stored.place_yaml_item)
        issues.extend(found)
        created.update({item.entity_id: item for item in items.values()})
        stored_items, found = stored.entities(runtime, kind, items)
        issues.extend(found)
        if stored_items:
            activate(runtime, kind, stored_items.values())
            created.update({item.entity_id: item for item in stored_items.values()})
    issues.extend(setup_scenes(runtime, config))
    install_group_services(runtime, created)
    # schedule.reload rereads YAML: the schedules made in the UI stay as they are.
    schedules = {
        key: item
        for key, item in created.items()
        if isinstance(item, Schedule) and not item.editable
    }
    install_schedule_reload(runtime, schedules)
    runtime.components["helpers"] = created
    return issues
