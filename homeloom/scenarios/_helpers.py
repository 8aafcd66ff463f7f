"""Setting up every helper of a configuration in one call: its YAML items, then
those made in Home Assistant's UI (:mod:`._helper_storage`), and the helper domains'
``reload`` services.

Every house has the helper integrations' services, whatever the configuration holds,
as Home Assistant 2024.3 sets them up in every house.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import ConfigIssue, Runtime, ServiceCall

from ._config_dir import reread_config_dir
from ._groups import Group, group_items, install_group_services
from ._helper_storage import read_helper_collections
from ._helpers_base import HelperEntity, activate, build_items, setup_kind
from ._input_helpers import HELPER_KINDS
from ._scenes import setup_scenes
from ._schedule import Schedule, install_schedule_reload
from ._timers import Timer

__all__ = ["HELPER_DOMAINS", "setup_helpers"]

_KINDS: tuple[type[HelperEntity], ...] = (*HELPER_KINDS, Timer, Schedule, Group)
HELPER_DOMAINS = frozenset(kind.domain for kind in _KINDS) | {"scene"}
# The kinds whose ``reload`` is set up here (schedule's and group's have their own).
_RELOADED_KINDS: tuple[type[HelperEntity], ...] = (*HELPER_KINDS, Timer)


async def setup_helpers(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Every helper item (input_*, counter, timer, schedule, group, scene): bad ones
    reported, good ones set up."""
    issues: list[ConfigIssue] = []
    created: dict[str, HelperEntity] = {}
    stored = read_helper_collections(runtime)
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
    for kind in _RELOADED_KINDS:
        activate(runtime, kind, [])  # the commands, YAML items or not
        _install_reload(runtime, kind, created)
    runtime.components["helpers"] = created
    return issues


def _install_reload(
    runtime: Runtime, kind: type[HelperEntity], created: dict[str, HelperEntity]
) -> None:
    """``<domain>.reload``: the domain's YAML block read again, as Home Assistant does. An
    item kept (by its key) takes its new options in place, a dropped one is removed, a
    new one made; the items made in Home Assistant's UI stay as they are, and a new YAML
    item with one's id is skipped (there, a duplicate id).

    Unlike Home Assistant, which drops every YAML item of the domain when the
    configuration cannot be read or the block has a bad item, a bad block fails the
    call and changes nothing.
    """
    of_kind = [item for item in created.values() if type(item) is kind]
    yaml_items = {item.object_id: item for item in of_kind if not item.editable}
    stored_ids = {item.object_id for item in of_kind if item.editable}

    def reload(call: ServiceCall) -> None:
        block = reread_config_dir(runtime.config_dir, "helpers").get(kind.domain)
        built, issues = build_items(runtime, {} if block is None else {kind.domain: block}, kind)
        if issues:
            raise ValueError(str(issues[0]))
        wanted = {key: item for key, item in built.items() if key not in stored_ids}
        # Home Assistant's order: the kept items updated, the dropped ones removed, then
        # the new ones added.
        for key, item in wanted.items():
            if key in yaml_items:
                yaml_items[key].apply_reload(item.config)
        for key in [key for key in yaml_items if key not in wanted]:
            dropped = yaml_items.pop(key)
            created.pop(dropped.entity_id, None)
            dropped.remove(call.context)
        place = read_helper_collections(runtime).place_yaml_item
        added = [item for key, item in wanted.items() if key not in yaml_items and place(item)]
        activate(runtime, kind, added)
        for item in added:
            yaml_items[item.object_id] = created[item.entity_id] = item

    runtime.services.register(kind.domain, "reload", reload)
