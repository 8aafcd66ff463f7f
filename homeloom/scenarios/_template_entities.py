"""Template entities: the ``template:`` integration's sensors and binary sensors, as in
Home Assistant 2024.3.

A block without ``trigger`` makes state-based entities: each template is rendered
again whenever an entity it read changes (what a render reads is recorded by the
template engine, as for a template trigger), and at the start of each minute when
it read the time. A block with ``trigger`` (and an optional ``action``) makes
trigger-based entities: ``unknown`` until a trigger fires, rendered only then, with
the ``trigger`` variable. Entity ids come from the name (``sensor.`` + its slug),
as Home Assistant makes them. The legacy forms (``sensors:`` keyed by object id,
here or in ``sensor:`` platform items) are rewritten to these (``_template_legacy``).

Set up after the house's own entities and the initial states are written, and
before automations are enabled: Home Assistant renders these at its start, before
automations attach, so automations never see a template entity's first state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import ConfigIssue, Runtime

from ._errors import ScenarioConfigError, issue_at
from ._platform_options import domain_items
from ._script import Script
from ._template_controls import (
    CONTROL_DOMAINS,
    setup_legacy_template_controls,
    setup_template_controls,
)
from ._template_entity_config import _Definition, _definition
from ._template_legacy import legacy_definitions, setup_legacy_template_entities
from ._template_state_entities import _StateBasedEntity
from ._template_trigger_entities import _TriggerBasedEntity, _TriggerBlock
from ._trigger_event import BEFORE_AUTOMATIONS
from ._triggers import attach_triggers, validate_triggers

__all__ = ["setup_template_entities"]

DOMAIN = "template"
PLATFORM = "template"
# The domains of the template devices (``_template_devices``): covers, lights, fans,
# alarm panels and vacuums, whose modules are imported only for a house that has one.
DEVICE_DOMAINS = ("cover", "light", "fan", "alarm_control_panel", "vacuum")

# The legacy forms, keyed by object id, and the domain of their entities.
_LEGACY_KEYS = {"sensors": "sensor", "binary_sensors": "binary_sensor"}
_BLOCK_KEYS = frozenset(
    {
        "unique_id",
        "trigger",
        "action",
        "sensor",
        "binary_sensor",
        "weather",
        "image",
        *_LEGACY_KEYS,
        *CONTROL_DOMAINS,
    }
)


def setup_template_entities(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Make every entity of the ``template:`` block, then the legacy ones (``sensor:``
    items with ``platform: template``); a broken block is reported and skipped whole,
    as Home Assistant skips it."""
    block = config.get(DOMAIN)
    items = [] if block is None else block if isinstance(block, list) else [block]
    issues: list[ConfigIssue] = []
    taken: set[str] = set()
    for index, item in enumerate(items):
        where = f"{DOMAIN}[{index}]"
        try:
            issues.extend(_setup_block(runtime, item, items, index, where, taken))
        except ScenarioConfigError as err:
            issues.extend(err.issues)
    issues.extend(setup_legacy_template_entities(runtime, config))
    # The weathers, images, trigger-based controls and devices are imported only when
    # the configuration has one: a house pays only for the template entities it uses.
    if any(domain_items(config, ("weather",), PLATFORM)):
        from ._template_weather import setup_legacy_template_weather

        issues.extend(setup_legacy_template_weather(runtime, config))
    issues.extend(setup_legacy_template_controls(runtime, config))
    if any(domain_items(config, DEVICE_DOMAINS, PLATFORM)):
        from ._template_devices import setup_template_devices

        issues.extend(setup_template_devices(runtime, config))
    return issues


def _setup_block(
    runtime: Runtime, item: Any, items: list[Any], index: int, where: str, taken: set[str]
) -> list[ConfigIssue]:
    """Make the block's entities; the warnings about what it cannot make."""
    if not isinstance(item, Mapping):
        raise ScenarioConfigError([issue_at(items, index, where, "expected a mapping")])
    problems = [
        issue_at(item, key, f"{where}.{key}", _unknown_key_message(str(key)))
        for key in item
        if key not in _BLOCK_KEYS
    ]
    if problems:
        raise ScenarioConfigError(problems)
    triggers = None
    if "trigger" in item:
        triggers = validate_triggers(runtime, item["trigger"], path=f"{where}.trigger")
    elif "action" in item:
        raise ScenarioConfigError(
            [issue_at(item, "action", f"{where}.action", "'action' needs a 'trigger'")]
        )
    block_id = item.get("unique_id")
    definitions: list[_Definition] = []
    for domain in ("sensor", "binary_sensor"):
        entries = item.get(domain)
        if entries is None:
            continue
        entries = entries if isinstance(entries, list) else [entries]
        for number, entry in enumerate(entries):
            path = f"{where}.{domain}[{number}]"
            definitions.append(
                _definition(runtime, domain, entry, entries, number, path, block_id, taken)
            )
    # After the modern ones, as Home Assistant appends them. A trigger-based entity's
    # id comes from its name, as Home Assistant makes it, not from its key.
    for key, domain in _LEGACY_KEYS.items():
        if item.get(key) is not None:
            definitions += legacy_definitions(
                runtime,
                domain,
                item,
                key,
                where,
                taken,
                block_id=block_id,
                id_from_key=triggers is None,
            )
    if triggers is None:
        issues = _state_based_weather(item, where)
        setup_template_controls(runtime, item, where, taken)
        _images(runtime, item, where, taken, triggered=False)
        for definition in definitions:
            _StateBasedEntity(runtime, definition).start()
        return issues
    controls, issues = _trigger_controls(runtime, item, where, taken)
    weathers = _block_weathers(runtime, item, where, taken)
    images = _images(runtime, item, where, taken, triggered=True)
    action = item.get("action")
    script = (
        Script(runtime, action if isinstance(action, list) else [action], name=where, item_id=where)
        if action is not None
        else None
    )
    entities = [_TriggerBasedEntity(runtime, definition) for definition in definitions]
    entities += controls + weathers + images
    entities = [entity for entity in entities if entity.entity_id]  # the ones added
    for entity in entities:
        entity.publish_first()
    block = _TriggerBlock(runtime, entities, script)
    # Their start triggers fire before the automations attach (see BEFORE_AUTOMATIONS).
    triggers = [
        {**trigger, BEFORE_AUTOMATIONS: True}
        if trigger.get("platform") == "homeassistant"
        else trigger
        for trigger in triggers
    ]
    attach_triggers(runtime, triggers, block.on_trigger, name=where)
    return issues


def _has(item: Mapping[str, Any], *keys: str) -> bool:
    return any(item.get(key) is not None for key in keys)


def _images(
    runtime: Runtime, item: Mapping[str, Any], where: str, taken: set[str], *, triggered: bool
) -> list[_TriggerBasedEntity]:
    if not _has(item, "image"):
        return []
    from ._template_image import template_images

    return template_images(runtime, item, where, taken, triggered=triggered)


def _trigger_controls(
    runtime: Runtime, item: Mapping[str, Any], where: str, taken: set[str]
) -> tuple[list[_TriggerBasedEntity], list[ConfigIssue]]:
    if not _has(item, "number", "select", "button"):
        return [], []
    from ._template_trigger_controls import trigger_controls

    return trigger_controls(runtime, item, where, taken)


def _block_weathers(
    runtime: Runtime, item: Mapping[str, Any], where: str, taken: set[str]
) -> list[_TriggerBasedEntity]:
    if not _has(item, "weather"):
        return []
    from ._template_weather import template_block_weather

    return template_block_weather(runtime, item, where, taken)


def _unknown_key_message(key: str) -> str:
    return f"unknown key {key!r}; valid: {', '.join(sorted(_BLOCK_KEYS))}"


def _state_based_weather(item: Mapping[str, Any], where: str) -> list[ConfigIssue]:
    """A warning for ``weather:`` in a block without ``trigger``: Home Assistant 2024.3
    makes state-based template weathers only from ``weather:`` ``platform: template``
    items (its ``template:`` block hands them an empty configuration, which fails)."""
    if item.get("weather") is None:
        return []
    message = (
        "a template 'weather' needs a 'trigger' in its block: Home Assistant 2024.3 fails"
        " to set up a state-based one here; use a 'weather:' item with 'platform: template'"
    )
    return [issue_at(item, "weather", f"{where}.weather", message)]
