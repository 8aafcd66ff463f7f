"""Reading a universal media player's options (``media_player: - platform: universal``)
as Home Assistant 2024.3's schema reads them: ``name`` required, ``children`` entity
ids, ``commands`` service calls keyed by service, ``attributes`` overrides keyed by
attribute, ``device_class`` tv, speaker or receiver; unknown keys dropped without a
word, as its schema drops them (see ``_universal_media``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._platform_options import OptionError, entity_id_list, required_text_option, text_option
from ._slugs import entity_slug

__all__ = ["UniversalOptions", "read_universal_options"]

_DEVICE_CLASSES = frozenset({"tv", "speaker", "receiver"})


@dataclass
class UniversalOptions:
    name: str
    children: list[str]
    commands: dict[str, list[Any]]
    # An override: the entity read, and its attribute (None: its state).
    overrides: dict[str, tuple[str, str | None]]
    device_class: str | None = None
    browse_media_entity: str | None = None
    templates: dict[str, str] = field(default_factory=dict)


def read_universal_options(item: Mapping[str, Any]) -> UniversalOptions:
    # As Home Assistant's schema: unknown keys are dropped without a word.
    children = entity_id_list(item.get("children") or [])
    for child in children:
        if not isinstance(child, str) or "." not in child:
            raise OptionError("children", f"{child!r} is not an entity id")
    device_class = text_option(item, "device_class")
    if device_class is not None and device_class not in _DEVICE_CLASSES:
        valid = ", ".join(sorted(_DEVICE_CLASSES))
        raise OptionError("device_class", f"unknown device_class {device_class!r}; valid: {valid}")
    templates = {}
    for key in ("state_template", "active_child_template"):
        source = text_option(item, key)
        if source is not None:
            templates[key] = source
    return UniversalOptions(
        name=required_text_option(item, "name"),
        children=children,
        commands=_commands(item.get("commands")),
        overrides=_overrides(item.get("attributes")),
        device_class=device_class,
        browse_media_entity=text_option(item, "browse_media_entity"),
        templates=templates,
    )


def _commands(block: Any) -> dict[str, list[Any]]:
    """Each command's service call, as one step of a script."""
    if block is None:
        return {}
    if not isinstance(block, Mapping):
        raise OptionError("commands", "commands maps a service (turn_on...) to a service call")
    found: dict[str, list[Any]] = {}
    for key, call in block.items():
        if entity_slug(str(key)) != str(key):
            raise OptionError("commands", f"invalid command {key!r}: use a service name")
        if not isinstance(call, Mapping) or not {"service", "service_template", "action"} & set(
            call
        ):
            raise OptionError(
                "commands", f"command {key!r} must be a service call (with 'service')"
            )
        found[str(key)] = [call]
    return found


def _overrides(block: Any) -> dict[str, tuple[str, str | None]]:
    """Each ``attributes:`` override: ``entity_id`` or ``entity_id|attribute``."""
    if block is None:
        return {}
    if not isinstance(block, Mapping):
        raise OptionError("attributes", "attributes maps an attribute to entity_id|attribute")
    found: dict[str, tuple[str, str | None]] = {}
    for key, value in block.items():
        if entity_slug(str(key)) != str(key):
            raise OptionError("attributes", f"invalid attribute {key!r}: use a slug")
        if value is None or isinstance(value, Mapping | list):
            raise OptionError("attributes", f"{key}: expected entity_id or entity_id|attribute")
        entity_id, _, attribute = (part.strip() for part in str(value).partition("|"))
        found[str(key)] = (entity_id, attribute or None)
    return found
