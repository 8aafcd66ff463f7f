"""Legacy template entities: ``sensor:``/``binary_sensor:`` items with ``platform: template``,
as Home Assistant 2024.3 reads them.

Each entity under ``sensors:`` is rewritten to a modern ``template:`` item
(``value_template`` to ``state``, ``friendly_name`` to ``name``...) and made as a
state-based template entity, as Home Assistant rewrites them. What differs: the
entity id comes from the key (``sensor.`` + the key), not from the name, and an
entity without a name is named after its key. Items of other platforms are left
to ``unsupported_keys``, which warns about each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import ConfigIssue, Runtime

from ._errors import ScenarioConfigError, fail, issue_at
from ._platform_options import domain_items
from ._slugs import entity_slug
from ._template_entity_config import _Definition, _definition
from ._template_state_entities import _StateBasedEntity
from ._yaml_values import Position, YamlDict, position_of

__all__ = ["legacy_definitions", "setup_legacy_template_entities"]

PLATFORM = "template"
DOMAINS = ("sensor", "binary_sensor")

# Each legacy key and the modern key it becomes. Order matters: when two legacy keys
# become the same modern key the first written here wins, as in Home Assistant (a
# sensor with both ``friendly_name`` and ``friendly_name_template`` shows the first).
_RENAMED = {
    "icon_template": "icon",
    "entity_picture_template": "picture",
    "availability_template": "availability",
    "attribute_templates": "attributes",
    "friendly_name": "name",
    "friendly_name_template": "name",
    "value_template": "state",
}
_KEPT = frozenset({"unique_id", "device_class"})
# What each legacy schema accepts (no ``state_class`` for sensors, no
# ``friendly_name_template``, ``unit_of_measurement`` or ``auto_off`` for binary sensors).
_LEGACY_KEYS = {
    "sensor": frozenset(_RENAMED) | _KEPT | {"unit_of_measurement", "entity_id"},
    "binary_sensor": (frozenset(_RENAMED) - {"friendly_name_template"})
    | _KEPT
    | {"delay_on", "delay_off", "entity_id"},
}
# ``entity_id`` once listed what the templates read; Home Assistant 2024.3 still
# accepts it, with a deprecation warning, and ignores it. ``scan_interval`` means
# nothing for entities that never poll.
_IGNORED = frozenset({"entity_id"})
_PLATFORM_KEYS = frozenset({"platform", "sensors", "scan_interval"})


def setup_legacy_template_entities(
    runtime: Runtime, config: Mapping[str, Any]
) -> list[ConfigIssue]:
    """Make the entities of every ``platform: template`` item under ``sensor:`` and
    ``binary_sensor:`` (labelled blocks, ``sensor old:``, too); an item with a problem is
    reported and skipped whole, as Home Assistant skips a platform it cannot validate."""
    issues: list[ConfigIssue] = []
    taken: set[str] = set()
    for domain, where, item in domain_items(config, DOMAINS, PLATFORM):
        try:
            definitions = _platform_item(runtime, domain, item, where, taken)
        except ScenarioConfigError as err:
            issues.extend(err.issues)
            continue
        for definition in definitions:
            _StateBasedEntity(runtime, definition).start()
    return issues


def _platform_item(
    runtime: Runtime, domain: str, item: Mapping[str, Any], where: str, taken: set[str]
) -> list[_Definition]:
    for key in item:
        if key == "trigger":
            raise fail(item, key, f"{where}.{key}", "triggers need the 'template:' block")
        if key not in _PLATFORM_KEYS:
            message = f"unknown key {key!r}; valid: {', '.join(sorted(_PLATFORM_KEYS))}"
            raise fail(item, key, f"{where}.{key}", message)
    if item.get("sensors") is None:
        raise fail(item, None, f"{where}.sensors", "'sensors' missing")
    return legacy_definitions(runtime, domain, item, "sensors", where, taken)


def legacy_definitions(
    runtime: Runtime,
    domain: str,
    container: Mapping[str, Any],
    key: str,
    where: str,
    taken: set[str],
    *,
    block_id: Any = None,
    id_from_key: bool = True,
) -> list[_Definition]:
    """The definitions of the legacy entities ``container[key]`` maps by object id. The
    entity id comes from the object id when ``id_from_key``, else from the name (as a
    trigger-based entity's, which Home Assistant names so)."""
    sensors = container[key]
    if not isinstance(sensors, Mapping):
        raise fail(container, key, f"{where}.{key}", "expected a mapping of object id: entity")
    problems = [
        issue_at(
            sensors,
            object_id,
            f"{where}.{key}",
            f"invalid object id {object_id!r} (try {entity_slug(str(object_id))!r})",
        )
        for object_id in sensors
        if entity_slug(str(object_id)) != str(object_id)
    ]
    if problems:
        raise ScenarioConfigError(problems)
    definitions = []
    for object_id, entry in sensors.items():
        path = f"{where}.{key}.{object_id}"
        modern, written = _rewritten(domain, entry, sensors, object_id, path)
        definitions.append(
            _definition(
                runtime,
                domain,
                modern,
                [modern],
                0,
                path,
                block_id,
                taken,
                object_id=str(object_id) if id_from_key else None,
                written=written,
            )
        )
    return definitions


def _rewritten(
    domain: str, entry: Any, sensors: Mapping[str, Any], object_id: str, path: str
) -> tuple[YamlDict, dict[str, str]]:
    """``entry`` with modern keys (each keeping where it was written), and for each
    modern key the legacy key it came from."""
    if not isinstance(entry, Mapping):
        raise fail(sensors, object_id, path, "expected a mapping")
    problems = [
        issue_at(
            entry,
            key,
            f"{path}.{key}",
            f"unknown key {key!r}; valid: {', '.join(sorted(_LEGACY_KEYS[domain]))}",
        )
        for key in entry
        if key not in _LEGACY_KEYS[domain]
    ]
    if "value_template" not in entry:
        problems.append(issue_at(sensors, object_id, path, "missing 'value_template'"))
    if problems:
        raise ScenarioConfigError(problems)
    modern = YamlDict()
    modern.position = position_of(sensors, object_id)
    written: dict[str, str] = {}
    # In this order, so that of two keys becoming one the first listed wins.
    moved = [(key, _RENAMED[key]) for key in _RENAMED if key in entry]
    moved += [(key, key) for key in entry if key not in _RENAMED and key not in _IGNORED]
    for key, target in moved:
        if target not in modern:
            modern.set_at(target, entry[key], position_of(entry, key), _value_position(entry, key))
            written[target] = key
    if "name" not in modern:
        modern["name"] = object_id
    return modern, written


def _value_position(container: Any, key: Any) -> Position | None:
    return container.value_position(key) if isinstance(container, YamlDict) else None
