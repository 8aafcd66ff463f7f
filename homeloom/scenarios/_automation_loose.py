"""What an automation writes loosely and still loads: warnings of ``homeloom check``.

- A ``state`` trigger's ``from``/``to``/``not_from``/``not_to`` or a ``state``
  condition's ``state`` written as a YAML boolean or number (an unquoted ``on``,
  which YAML 1.1 reads as true) is read as its state text, a deliberate leniency
  (docs/scenarios.md) where Home Assistant 2024.3 refuses the automation: the warning
  says what to write instead (``to: "on"``). With an ``attribute``, any value is valid
  and compared as it is, so nothing is said.
- A trigger that loads but is left out when the automation turns on
  (``_trigger_unattached``): a ``time_pattern`` of ``/0``, a ``calendar`` the house
  does not have.

Triggers, conditions and actions are walked alike, so the triggers of a
``wait_for_trigger`` and the conditions of ``if``, ``choose`` or ``repeat`` are seen too.
Only a house that keeps its configuration after loading is walked (``homeloom check``,
``simulate``, the tests): one that runs for days lets its automations' conditions and
actions go as it loads them, and walking ten thousand automations would add a
noticeable share to its start for warnings that only ``homeloom check`` prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from homeloom.orchestrator import ConfigIssue, Runtime

from ._automation import Automation
from ._errors import issue_written_at
from ._trigger_unattached import left_out_reason
from ._yaml_values import Position, YamlDict, position_of

__all__ = ["loose_warnings", "loose_warnings_of"]

_STATE_TRIGGER_KEYS = ("from", "to", "not_from", "not_to")
_PATTERN_UNITS = ("hours", "minutes", "seconds")
# The end of a plain scalar as written: what YAML's flow and comment syntax starts.
_SCALAR_END = re.compile(r"\s*(?:[,\]}#]|$)")
# Where a value lies: the trail of keys and indexes from its section, innermost last,
# as nested pairs (made at each step of the walk, the path text only for a finding).
Trail = tuple[Any, str | int] | str
# A finding: the container and key of the value, its trail, and what to say.
Finding = tuple[Any, Any, Trail, str]


def loose_warnings_of(automations: Iterable[Automation]) -> list[ConfigIssue]:
    """The warnings of every automation of ``automations``, in their order."""
    warnings: list[ConfigIssue] = []
    for automation in automations:
        loose_warnings(automation, warnings)
    return warnings


def loose_warnings(automation: Automation, warnings: list[ConfigIssue]) -> None:
    """A warning in ``warnings`` for each loose spelling of ``automation``."""
    spec = automation.spec
    runtime = automation.runtime
    found: list[Finding] = []
    _walk(runtime, spec.triggers, "triggers", found)
    _walk(runtime, spec.conditions, "conditions", found)
    _walk(runtime, spec.actions, "actions", found)
    for container, key, trail, message in found:
        warnings.append(_warning(automation, container, key, _path(trail), message))


# Values holding nothing to look into: passed over without a call.
_LEAVES = (str, int, float, type(None))


def _walk(runtime: Runtime, value: Any, trail: Trail, found: list[Finding]) -> None:
    """Each loose spelling under ``value`` (a list or a mapping), added to ``found``.
    No generator and no ABC check: every automation of the house is walked."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, _LEAVES):
                _walk(runtime, item, (trail, index), found)
        return
    if not isinstance(value, dict):
        return
    # Most mappings are none of those watched: a lookup or three, then their values.
    kind = value.get("platform") or value.get("trigger") or value.get("condition")
    if kind in _WATCHED_KINDS and "attribute" not in value:
        _WATCHED[kind](runtime, value, trail, found)
    for key, item in value.items():
        if not isinstance(item, _LEAVES):
            _walk(runtime, item, (trail, key), found)


def _path(trail: Trail) -> str:
    """``triggers[0].to`` for the trail ``(("triggers", 0), "to")``."""
    parts: list[str] = []
    while isinstance(trail, tuple):
        trail, step = trail
        parts.append(f"[{step}]" if isinstance(step, int) else f".{step}")
    return trail + "".join(reversed(parts))


def _state_trigger(runtime: Runtime, config: Any, trail: Trail, found: list[Finding]) -> None:
    if config.get("platform", config.get("trigger")) == "state":  # not a condition
        for key in _STATE_TRIGGER_KEYS:
            _unquoted_states(runtime, config, key, trail, found)
    elif config.get("condition") == "state":
        _unquoted_states(runtime, config, "state", trail, found)


def _left_out(runtime: Runtime, config: Any, trail: Trail, found: list[Finding]) -> None:
    why = left_out_reason(runtime, {**config, "_path": _path(trail)})
    if why is not None:
        key, reason = why
        message = (
            f"{key}: {reason}: the automation loads, but this trigger is left out when it"
            " turns on (as in Home Assistant, which logs 'Error setting up trigger')"
        )
        found.append((config, key, (trail, key), message))


# What is looked at, by the platform (or condition) a mapping names: an attribute's
# values are compared as they are, so a state written as a number is no leniency there.
_WATCHED: dict[Any, Callable[[Runtime, Any, Trail, list[Finding]], None]] = {
    "state": _state_trigger,
    "time_pattern": _left_out,
    "calendar": _left_out,
}
# Compared rather than hashed: a kind written as a list or a mapping is no key.
_WATCHED_KINDS = tuple(_WATCHED)


def _unquoted_states(
    runtime: Runtime, config: Any, key: str, trail: Trail, found: list[Finding]
) -> None:
    value = config.get(key)
    items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    for index, item in items:
        if isinstance(item, bool | int | float):
            container, at = (value, index) if index is not None else (config, key)
            where: Trail = (trail, key) if index is None else ((trail, key), index)
            written = _read_as_written(runtime, container, at)
            found.append((container, at, where, _unquoted_message(written, key, item)))


def _unquoted_message(written: str | None, key: str, value: bool | float) -> str:
    """What to say of ``value``, written unquoted (``written``, when the file could be
    read): what YAML made of it, what homeloom reads, and what to write."""
    meant = ("on" if value else "off") if isinstance(value, bool) else str(value)
    kind = f"YAML's boolean {str(value).lower()}" if isinstance(value, bool) else "a number"
    return (
        f"`{key}: {written or meant}` unquoted is {kind}: homeloom reads it as the state"
        f" {meant!r}, but Home Assistant 2024.3 refuses the automation; quote it:"
        f' `{key}: "{meant}"`'
    )


def _read_as_written(runtime: Runtime, container: Any, at: Any) -> str | None:
    """The text of the scalar at ``container[at]`` as its file has it, if it can be read
    (a file named relative to the configuration directory, as loading names it)."""
    pos = _value_at(container, at)
    if pos is None:
        return None
    file = Path(pos.file)
    if not file.is_absolute() and runtime.config_dir is not None:
        file = runtime.config_dir / file
    try:
        line = file.read_text(encoding="utf-8").splitlines()[pos.line - 1]
    except (OSError, UnicodeError, IndexError):
        return None
    text = line[pos.column - 1 :]
    end = _SCALAR_END.search(text)
    return (text[: end.start()] if end is not None else text).strip() or None


def _value_at(container: Any, at: Any) -> Position | None:
    """Where the value ``container[at]`` was written (a key's value, or a list's item)."""
    if isinstance(container, YamlDict):
        return container.value_position(at)
    return position_of(container, at) if isinstance(at, int) else None


def _warning(
    automation: Automation, container: Any, key: Any, path: str, message: str
) -> ConfigIssue:
    pos = _value_at(container, key) or position_of(container, key)
    return issue_written_at(message, pos, path, automation.label)
