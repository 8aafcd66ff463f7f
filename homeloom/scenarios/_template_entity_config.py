"""Template entities' configuration: a sensor or binary sensor item read into a definition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from homeloom.orchestrator import Runtime

from ._durations import DurationError, parse_duration
from ._errors import ScenarioConfigError, issue_at
from ._registered_ids import free_entity_id, registered_entity_id
from ._sensor_units import house_temperature_unit
from ._slugs import entity_slug
from ._templates import Template, TemplateError, get_template_engine

__all__ = ["_Definition", "_definition", "plain_sensor_definition"]

_COMMON_KEYS = frozenset(
    {"state", "name", "unique_id", "icon", "picture", "attributes", "availability"}
)
_ENTITY_KEYS = {
    "sensor": _COMMON_KEYS | {"unit_of_measurement", "device_class", "state_class", "last_reset"},
    "binary_sensor": _COMMON_KEYS
    | {"unit_of_measurement", "device_class", "delay_on", "delay_off", "auto_off"},
}
_DELAY_KEYS = ("delay_on", "delay_off", "auto_off")


@dataclass(slots=True)
class _Definition:
    """One ``sensor:``/``binary_sensor:`` item, its templates compiled."""

    domain: str
    entity_id: str
    name: Template | None
    # None for a template control whose state only its commands set (a switch
    # without ``value_template``, a button).
    state: Template | None
    availability: Template | None
    icon: Template | None
    picture: Template | None
    attributes: dict[str, Template]
    # A fixed duration, a template rendering one, or absent.
    delays: dict[str, timedelta | Template] = field(default_factory=dict)
    unit: str | None = None
    device_class: str | None = None
    state_class: str | None = None
    # The house's temperature unit for a temperature sensor written in the other one
    # (°C or °F): Home Assistant shows its value converted, unique id or not.
    converted_to: str | None = None

    @property
    def shown_unit(self) -> str | None:
        return self.converted_to or self.unit

    def fixed_attributes(self) -> dict[str, Any]:
        """What every state carries, available or not."""
        fixed: dict[str, Any] = {}
        if self.state_class is not None:
            fixed["state_class"] = self.state_class
        if self.shown_unit is not None:
            fixed["unit_of_measurement"] = self.shown_unit
        if self.device_class is not None:
            fixed["device_class"] = self.device_class
        return fixed


def plain_sensor_definition(
    runtime: Runtime,
    entity_id: str,
    unit: str | None,
    device_class: str | None,
    state_class: str | None,
) -> _Definition:
    """How a sensor whose value comes from elsewhere (a command's output, a REST reply)
    is shown as a template sensor's is: its unit and classes, no template of its own."""
    return _Definition(
        domain="sensor",
        entity_id=entity_id,
        name=None,
        state=None,
        availability=None,
        icon=None,
        picture=None,
        attributes={},
        unit=unit,
        device_class=device_class,
        state_class=state_class,
        converted_to=house_temperature_unit(runtime, device_class, unit),
    )


def _definition(
    runtime: Runtime,
    domain: str,
    entry: Any,
    entries: list[Any],
    number: int,
    path: str,
    block_id: Any,
    taken: set[str],
    *,
    object_id: str | None = None,
    written: Mapping[str, str] | None = None,
) -> _Definition:
    """The definition of ``entry``. A legacy item, rewritten to these keys, gives the
    ``object_id`` its entity id comes from, and ``written``: each key as it wrote it,
    so problems name what the resident wrote."""
    as_written = written or {}

    def at(key: str) -> str:
        return f"{path}.{as_written.get(key, key)}"

    if not isinstance(entry, Mapping):
        raise ScenarioConfigError([issue_at(entries, number, path, "expected a mapping")])
    issues = [
        issue_at(
            entry,
            key,
            f"{path}.{key}",
            f"unknown key {key!r}; valid: {', '.join(sorted(_ENTITY_KEYS[domain]))}",
        )
        for key in entry
        if key not in _ENTITY_KEYS[domain]
    ]
    if "state" not in entry:
        issues.append(issue_at(entry, None, path, "missing 'state'"))
    elif entry["state"] is None:  # a template Home Assistant refuses as well
        issues.append(issue_at(entry, "state", at("state"), "expected a template (a text)"))
    if issues:
        raise ScenarioConfigError(issues)

    def compiled(key: str) -> Template | None:
        return _optional_template(runtime, entry, key, at(key))

    attributes = entry.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        raise ScenarioConfigError(
            [issue_at(entry, "attributes", at("attributes"), "expected a mapping")]
        )
    state = compiled("state")
    assert state is not None
    definition = _Definition(
        domain=domain,
        entity_id="",
        name=compiled("name"),
        state=state,
        availability=compiled("availability"),
        icon=compiled("icon"),
        picture=compiled("picture"),
        attributes={
            str(key): _compile(runtime, attributes, key, f"{at('attributes')}.{key}", str(value))
            for key, value in attributes.items()
        },
        unit=_text(entry.get("unit_of_measurement")),
        device_class=_text(entry.get("device_class")),
        state_class=_text(entry.get("state_class")),
    )
    for key in _DELAY_KEYS:
        if entry.get(key) is not None:
            definition.delays[key] = _delay(runtime, entry, key, at(key))
    if domain == "sensor":
        definition.converted_to = house_temperature_unit(
            runtime, definition.device_class, definition.unit
        )
    definition.entity_id = (
        _entity_id(domain, definition.name, entry, block_id, taken, runtime)
        if object_id is None
        else _template_id(runtime, f"{domain}.{object_id}", taken, entry, block_id)
    )
    return definition


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _optional_template(
    runtime: Runtime, entry: Mapping[str, Any], key: str, path: str
) -> Template | None:
    """``entry[key]`` compiled, None when absent; a mapping or list is no template."""
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, Mapping | list):
        raise ScenarioConfigError([issue_at(entry, key, path, "expected a template (a text)")])
    return _compile(runtime, entry, key, path, str(value))


def _compile(runtime: Runtime, container: Any, key: Any, path: str, source: str) -> Template:
    template = get_template_engine(runtime).template(source)
    try:
        template.ensure_valid()
    except TemplateError as err:
        raise ScenarioConfigError([issue_at(container, key, path, str(err))]) from None
    return template


def _delay(runtime: Runtime, entry: Mapping[str, Any], key: str, path: str) -> timedelta | Template:
    value = entry[key]
    if get_template_engine(runtime).is_template(value):
        return _compile(runtime, entry, key, path, str(value))
    try:
        duration = parse_duration(value)
    except DurationError as err:
        raise ScenarioConfigError([issue_at(entry, key, path, str(err))]) from None
    if duration < timedelta(0):
        raise ScenarioConfigError([issue_at(entry, key, path, "a duration cannot be negative")])
    return duration


def _entity_id(
    domain: str,
    name: Template | None,
    entry: Mapping[str, Any],
    block_id: Any,
    taken: set[str],
    runtime: Runtime,
) -> str:
    """As Home Assistant names a new entity: from its name (rendered once, with no
    ``this``); without one, ``template_`` and its unique id, else ``unnamed_device``;
    ``_2``, ``_3``... when the id is taken."""
    shown: str | None = None
    if name is not None:
        try:
            shown = str(name.render({"this": None}, parse_result=False))
        except TemplateError:
            shown = None
    unique_id = entry.get("unique_id")
    if not shown and unique_id is not None:
        shown = f"template {block_id}-{unique_id}" if block_id else f"template {unique_id}"
    base = f"{domain}.{entity_slug(shown or 'Unnamed Device')}"
    return _template_id(runtime, base, taken, entry, block_id)


def _template_id(
    runtime: Runtime, base: str, taken: set[str], entry: Mapping[str, Any], block_id: Any
) -> str:
    """The id the entity registry keeps for the entity (its unique id prefixed with its
    block's, as Home Assistant registers it), else ``base`` made free; empty when Home
    Assistant would not add the entity (see ``registered_entity_id``)."""
    unique_id = _unique_id(entry, block_id)
    return registered_entity_id(runtime, base, taken, "template", unique_id) or ""


def _unique_id(entry: Mapping[str, Any], block_id: Any) -> Any:
    """The unique id Home Assistant registers the entity under: its block's first."""
    unique_id = entry.get("unique_id")
    return f"{block_id}-{unique_id}" if unique_id and block_id else unique_id


def _free_id(base: str, taken: set[str], runtime: Runtime) -> str:
    """``base``, or with ``_2``, ``_3``... when it is taken (see ``free_entity_id``)."""
    return free_entity_id(base, taken, runtime)
