"""Template controls' configuration: a template switch, lock, button, number or select
item read into a :class:`_Control`, with the keys Home Assistant 2024.3 accepts.

The legacy items (``switches:`` under a ``switch:`` ``platform: template`` item, a
``lock:`` ``platform: template`` item) have their legacy keys renamed to the modern
ones (``value_template`` to ``state``, ``friendly_name`` to ``name``...), as Home
Assistant rewrites them; problems name the key as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from homeloom.orchestrator import Runtime

from ._actions import Run
from ._errors import ScenarioConfigError, fail, issue_at
from ._script import Script
from ._script_records import RunResult
from ._scripts_domain import _FailedRun
from ._template_entity_config import (
    _compile,
    _Definition,
    _entity_id,
    _optional_template,
    _template_id,
)
from ._templates import Template

__all__ = ["CONTROL_DOMAINS", "_ActionScript", "_Control", "_Kind", "_control", "_optimistic"]

# A legacy key and the modern key it becomes.
_RENAMED = {
    "value_template": "state",
    "friendly_name": "name",
    "icon_template": "icon",
    "entity_picture_template": "picture",
    "availability_template": "availability",
}
# Modern keys compiled as templates (besides ``name``, which is one too).
_TEMPLATE_KEYS = ("state", "icon", "picture", "availability", "min", "max", "step", "options")
# Templates the entity definition holds; the others are the control's own.
_DEFINED_KEYS = frozenset({"name", "state", "icon", "picture", "availability"})
_TRUE = frozenset({"true", "yes", "on", "enable", "1"})
_FALSE = frozenset({"false", "no", "off", "disable", "0"})


@dataclass(frozen=True, slots=True)
class _Kind:
    """What one kind of template control accepts (keys as Home Assistant 2024.3 names them
    in that form: legacy or modern) and which service runs each action key."""

    domain: str
    keys: frozenset[str]
    required: tuple[str, ...]
    actions: Mapping[str, str]
    default_name: str | None


# The keys every legacy template device item takes, and those of the kinds with an icon
# and a picture (fans and vacuums have none).
LEGACY_KEYS = frozenset({"friendly_name", "entity_id", "unique_id", "availability_template"})
LEGACY_PICTURE_KEYS = frozenset({"icon_template", "entity_picture_template"})

_KINDS = {
    "switch": _Kind(
        "switch",
        frozenset(
            {
                "value_template",
                "turn_on",
                "turn_off",
                *LEGACY_KEYS,
                *LEGACY_PICTURE_KEYS,
            }
        ),
        ("turn_on", "turn_off"),
        {"turn_on": "turn_on", "turn_off": "turn_off"},
        None,  # named after its key
    ),
    "lock": _Kind(
        "lock",
        frozenset(
            {
                "platform",
                "name",
                "lock",
                "unlock",
                "value_template",
                "optimistic",
                "unique_id",
                "availability_template",
            }
        ),
        ("lock", "unlock", "value_template"),
        {"lock": "lock", "unlock": "unlock"},
        "Template Lock",
    ),
    "button": _Kind(
        "button",
        frozenset({"name", "press", "device_class", "unique_id", "availability", "icon"}),
        ("press",),
        {"press": "press"},
        "Template Button",
    ),
    "number": _Kind(
        "number",
        frozenset(
            {
                "name",
                "state",
                "set_value",
                "step",
                "min",
                "max",
                "optimistic",
                "unique_id",
                "availability",
                "icon",
            }
        ),
        ("state", "set_value", "step"),
        {"set_value": "set_value"},
        "Template Number",
    ),
    "select": _Kind(
        "select",
        frozenset(
            {
                "name",
                "state",
                "select_option",
                "options",
                "optimistic",
                "unique_id",
                "availability",
                "icon",
            }
        ),
        ("state", "select_option", "options"),
        {"select_option": "select_option"},
        "Template Select",
    ),
}
# The ``template:`` block's keys that make controls (switches and locks are legacy only).
CONTROL_DOMAINS = ("button", "number", "select")


class _ActionScript(Script):
    """A control's action: a run that failed keeps the error that ended it, to fail the
    service call with, as Home Assistant's entity service raises it again."""

    __slots__ = ()

    def _ended_by(self, error: Exception, run: Run) -> RunResult:
        result = super()._ended_by(error, run)
        if result.execution != "error":
            return result
        return _FailedRun(
            result.execution, result.error, result.response, result.variables, exception=error
        )


@dataclass(slots=True)
class _Control:
    """One template control: its entity's templates, its actions by the service that
    runs them, whether commands set its state at once, and its own templates
    (a number's ``min``/``max``/``step``, a select's ``options``)."""

    definition: _Definition
    actions: dict[str, _ActionScript]
    optimistic: bool
    extra: dict[str, Template] = field(default_factory=dict)


def _control(
    runtime: Runtime,
    domain: str,
    entry: Any,
    container: Any,
    key: Any,
    path: str,
    taken: set[str],
    *,
    object_id: str | None = None,
    block_id: Any = None,
    kind: _Kind | None = None,
) -> _Control:
    """The control ``entry`` (``container[key]``) describes. A legacy switch gives the
    ``object_id`` its entity id and default name come from; a kind not listed here (a
    cover, light or fan) comes with the entity's ``kind``."""
    kind = kind or _KINDS[domain]
    if not isinstance(entry, Mapping):
        raise fail(container, key, path, "expected a mapping")
    problems = [
        issue_at(entry, name, f"{path}.{name}", _unknown(name, kind))
        for name in entry
        if name not in kind.keys
    ]
    problems += [
        issue_at(container, key, path, f"missing {name!r}")
        for name in kind.required
        if name not in entry
    ]
    if problems:
        raise ScenarioConfigError(problems)
    # Each modern key and the key it was written as.
    written = {_RENAMED.get(str(name), str(name)): name for name in entry}
    templates: dict[str, Template] = {}
    for modern, name in written.items():
        is_template = modern in _TEMPLATE_KEYS or modern.endswith("_template")
        if is_template or modern == "name":
            template = _optional_template(runtime, entry, name, f"{path}.{name}")
            if template is not None:
                templates[modern] = template
    if "name" not in templates:
        shown = object_id if object_id is not None else kind.default_name
        assert shown is not None
        templates["name"] = _compile(runtime, entry, None, path, shown)
    definition = _Definition(
        domain=domain,
        entity_id="",
        name=templates["name"],
        state=templates.get("state"),
        availability=templates.get("availability"),
        icon=templates.get("icon"),
        picture=templates.get("picture"),
        attributes=_attribute_templates(runtime, entry, path),
        device_class=None if entry.get("device_class") is None else str(entry["device_class"]),
    )
    definition.entity_id = (
        _template_id(runtime, f"{domain}.{object_id}", taken, entry, block_id)
        if object_id is not None
        else _entity_id(domain, definition.name, entry, block_id, taken, runtime)
    )
    actions = {
        service: _action(runtime, entry, name, f"{path}.{name}", definition.entity_id)
        for name, service in kind.actions.items()
        if name in entry  # a cover's, light's or fan's actions are mostly optional
    }
    extra: dict[str, Template] = {
        name: template for name, template in templates.items() if name not in _DEFINED_KEYS
    }
    return _Control(definition, actions, _optimistic(entry, path), extra)


def _attribute_templates(
    runtime: Runtime, entry: Mapping[str, Any], path: str
) -> dict[str, Template]:
    """A legacy vacuum's ``attribute_templates``, compiled (no other control has them)."""
    attributes = entry.get("attribute_templates") or {}
    if not isinstance(attributes, Mapping):
        message = "expected a mapping of attribute name: template"
        raise fail(entry, "attribute_templates", f"{path}.attribute_templates", message)
    compiled: dict[str, Template] = {}
    for name, value in attributes.items():
        where = f"{path}.attribute_templates.{name}"
        if value is None or isinstance(value, Mapping | list):
            raise fail(attributes, name, where, "expected a template (a text)")
        compiled[str(name)] = _compile(runtime, attributes, name, where, str(value))
    return compiled


def _unknown(name: Any, kind: _Kind) -> str:
    return f"unknown key {name!r}; valid: {', '.join(sorted(kind.keys - {'platform'}))}"


def _action(
    runtime: Runtime, entry: Mapping[str, Any], key: str, path: str, entity_id: str
) -> _ActionScript:
    steps = entry[key]
    # As Home Assistant's script schema: nothing written is no action (an empty list).
    sequence = [] if steps is None else steps if isinstance(steps, list) else [steps]
    # As Home Assistant's: a single-mode script, named after the entity.
    return _ActionScript(
        runtime, sequence, name=entity_id, domain="template", item_id=entity_id, path=path
    )


def _optimistic(entry: Mapping[str, Any], path: str, key: str = "optimistic") -> bool:
    value = entry.get(key, False)
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise fail(entry, key, f"{path}.{key}", "expected a boolean (true or false)")
