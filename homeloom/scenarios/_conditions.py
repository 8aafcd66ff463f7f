"""Conditions, compiled once into callables: ``check(variables) -> bool``, traced.

Both as top-level ``conditions:`` and as condition steps. An evaluation error
(a non-numeric state for ``numeric_state``, a failing template) makes the
condition false and is recorded in the trace and the log, as Home Assistant does.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import Runtime

from ._condition_base import Builder, ConditionCheck, ConditionError, _Condition, _Traced
from ._condition_state import _device, _NumericState, _State
from ._condition_time import _sun, _time
from ._condition_zone import _zone
from ._errors import fail
from ._templates import TemplateEngine, TemplateError, get_template_engine, renders_true
from ._trace import current_trace
from ._triggers import as_list, read_enabled

__all__ = [
    "ConditionCheck",
    "ConditionError",
    "compile_condition",
    "compile_conditions",
    "holds_or_fails",
]

_LOGGER = logging.getLogger(__name__)

CONDITION_TYPES = (
    "and",
    "or",
    "not",
    "state",
    "numeric_state",
    "template",
    "time",
    "sun",
    "zone",
    "trigger",
    "device",
)


def compile_conditions(
    runtime: Runtime, configs: Any, *, path: str = "condition"
) -> ConditionCheck:
    """All of ``configs`` must hold; each is traced at ``path/i``."""
    items = as_list(configs)
    if len(items) == 1:  # the usual single condition: nothing to gather
        return compile_condition(runtime, items[0], path=_item_path(path, 0))
    return _AllOf(
        tuple(
            compile_condition(runtime, config, path=_item_path(path, index))
            for index, config in enumerate(items)
        )
    )


def _item_path(path: str, index: int) -> str:
    """``condition/0``: one string for every scenario's first condition, not one each."""
    return sys.intern(f"{path}/{index}")


class _AllOf:
    """Several top-level conditions, all of which must hold (an object: few slots)."""

    __slots__ = ("checks",)

    def __init__(self, checks: tuple[ConditionCheck, ...]) -> None:
        self.checks = checks

    def __call__(self, variables: Mapping[str, Any]) -> bool:
        return all(check(variables) for check in self.checks)


def holds_or_fails(check: ConditionCheck, variables: Mapping[str, Any]) -> bool | None:
    """Whether compiled conditions hold, or None when one cannot be evaluated.

    As Home Assistant 2024.3 weighs a list of conditions where an error differs
    from false (a ``repeat``'s ``until``): they are checked in order, the first
    false one makes it False, an error met before any false one makes it None
    (logged), and the rest are not checked.
    """
    members = check.checks if isinstance(check, _AllOf) else (check,)
    for member in members:
        if not isinstance(member, _Condition):  # a disabled one: always true
            if not member(variables):
                return False
            continue
        try:
            if not member(variables, True):
                return False
        except ConditionError as err:
            trace = current_trace.get()
            whose = f"{trace.domain} {trace.item_id}: " if trace is not None else ""
            _LOGGER.warning("%scondition %s: %s", whose, member.path, err)
            return None
    return True


def _always_true(variables: Mapping[str, Any]) -> bool:
    """A disabled condition (one function shared by all); and/or/not leave it out."""
    return True


_LOGIC_KEYS = frozenset({"conditions", "and", "or", "not"})  # a shorthand keeps its key
# Each condition's own keys, as Home Assistant 2024.3's schemas allow: any other is
# refused there. A device condition takes its integration's keys.
_CONDITION_KEYS: dict[str, frozenset[str]] = {
    kind: frozenset({"condition", "alias", "enabled"}) | keys
    for kind, keys in {
        # "from" and a zone's "event": kept by Home Assistant for old automations.
        "state": {"entity_id", "match", "attribute", "state", "for", "from"},
        "numeric_state": {"entity_id", "attribute", "above", "below", "value_template"},
        "template": {"value_template"},
        "time": {"before", "after", "weekday"},
        "sun": {"before", "before_offset", "after", "after_offset"},
        "zone": {"entity_id", "zone", "event"},
        "trigger": {"id"},
        "and": _LOGIC_KEYS,
        "or": _LOGIC_KEYS,
        "not": _LOGIC_KEYS,
    }.items()
}


def _check_keys(kind: str, config: Mapping[str, Any], path: str) -> None:
    allowed = _CONDITION_KEYS.get(kind)
    if allowed is not None and not allowed.issuperset(config):
        key = next(key for key in config if key not in allowed)
        valid = ", ".join(sorted(allowed - {"and", "or", "not"}))
        raise fail(
            config,
            key,
            f"{path}.{key}",
            f"unknown key {key!r} in a {kind} condition; valid: {valid}",
        )


def compile_condition(runtime: Runtime, config: Any, *, path: str = "condition") -> ConditionCheck:
    """One condition (a mapping, a shorthand template string, or and/or/not shorthand)."""
    engine = get_template_engine(runtime)
    if isinstance(config, str):
        config = {"condition": "template", "value_template": config}
    # dict first: a loaded mapping is one, and the ABC check costs more.
    if not isinstance(config, dict) and not isinstance(config, Mapping):
        raise fail(
            config, None, path, f"a condition must be a mapping or a template, got {config!r}"
        )
    if "condition" not in config:
        shorthand = [key for key in ("and", "or", "not") if key in config]
        if not shorthand:
            raise fail(
                config, None, path, f"missing 'condition'; valid: {', '.join(CONDITION_TYPES)}"
            )
        config = {**config, "condition": shorthand[0], "conditions": config[shorthand[0]]}
    elif isinstance(config["condition"], list) and "conditions" not in config:
        # `condition:` given a list of conditions: Home Assistant reads it as an `and`.
        config = {**config, "condition": "and", "conditions": config["condition"]}
    kind = str(config["condition"])
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise fail(
            config,
            "condition",
            f"{path}.condition",
            f"unknown condition {kind!r}; valid: {', '.join(CONDITION_TYPES)}",
        )
    _check_keys(kind, config, path)
    enabled = read_enabled(engine, config, path)
    condition = builder(runtime, engine, config, path)
    if enabled is False:
        return _always_true
    if isinstance(condition, _Condition):
        return condition
    return _Traced(path, condition)


# --- builders -------------------------------------------------------------------------


class _Logic(_Condition):
    """``and``, ``or`` or ``not`` over its member conditions."""

    __slots__ = ("kind", "members")

    def __init__(
        self, runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
    ) -> None:
        super().__init__(path)
        self.kind = str(config["condition"])
        compiled = (
            compile_condition(runtime, item, path=f"{path}/conditions/{index}")
            for index, item in enumerate(as_list(config.get("conditions")))
        )
        # A disabled member is left out, as Home Assistant's counts as absent (its
        # check gives None): an ``or`` of only disabled ones is false, a ``not`` true.
        self.members = tuple(member for member in compiled if isinstance(member, _Condition))

    def check(self, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        # As Home Assistant: a member's error is raised unless another member already
        # decided (a false one for ``and``, a true one for ``or`` and ``not``).
        decisive = self.kind != "and"
        errors: list[str] = []
        for member in self.members:
            try:
                if member(variables, True) is decisive:
                    return self.kind == "or"
            except ConditionError as err:
                errors.append(str(err))
        if errors:
            raise ConditionError("; ".join(errors))
        return self.kind != "or"


class _Template(_Condition):
    """A template that renders the text ``true``."""

    __slots__ = ("template",)

    def __init__(
        self, runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
    ) -> None:
        super().__init__(path)
        source = config.get("value_template")
        if not isinstance(source, str):
            raise fail(config, "value_template", f"{path}.value_template", "a template is required")
        self.template = engine.template(source)
        try:
            self.template.ensure_valid()
        except TemplateError as err:
            raise fail(config, "value_template", f"{path}.value_template", str(err)) from None

    def check(self, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        return renders_true(self.template, variables)


class _Trigger(_Condition):
    """The run was started by one of the listed trigger ids."""

    __slots__ = ("ids",)

    def __init__(
        self, runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
    ) -> None:
        super().__init__(path)
        # As Home Assistant: 'id' must be there; an empty one is met by no trigger.
        if "id" not in config:
            raise fail(config, "id", f"{path}.id", "a trigger condition needs 'id'")
        self.ids = tuple(str(i) for i in as_list(config.get("id")))

    def check(self, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        trigger = variables.get("trigger") or {}
        return str(trigger.get("id")) in self.ids


_BUILDERS: dict[str, Builder] = {
    "and": _Logic,
    "or": _Logic,
    "not": _Logic,
    "state": _State,
    "numeric_state": _NumericState,
    "template": _Template,
    "time": _time,
    "sun": _sun,
    "zone": _zone,
    "trigger": _Trigger,
    "device": _device,
}
