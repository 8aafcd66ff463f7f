"""Reading one automation's YAML: both syntax generations, blueprints, and clear errors."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from homeloom.orchestrator import ConfigIssue, parse_level

from ._blueprints import BlueprintError, use_blueprint
from ._durations import DurationError, parse_duration
from ._errors import issue_written_at
from ._platform_options import read_boolean
from ._yaml import Position, position_of

__all__ = ["AUTOMATION_KEYS", "AutomationConfigError", "AutomationSpec", "parse_automation"]

DOMAIN = "automation"
DEFAULT_STORED_TRACES = 5
_NO_VARIABLES: Mapping[str, Any] = MappingProxyType({})  # shared, read-only
MODES = ("single", "restart", "queued", "parallel")


class AutomationOptions(NamedTuple):
    """What the keys with a default say (see :class:`AutomationSpec`)."""

    mode: str = "single"
    max_runs: int = 10
    max_exceeded: str = "warning"
    mode_scope: str | None = None
    variables: Mapping[str, Any] = _NO_VARIABLES
    trigger_variables: Mapping[str, Any] = _NO_VARIABLES
    initial_state: bool | None = None
    stored_traces: int = DEFAULT_STORED_TRACES
    # homeloom's keys (autonomy...); read-only, shared when empty (replace it to add keys)
    extra: Mapping[str, Any] = _NO_VARIABLES


DEFAULT_OPTIONS = AutomationOptions()


@dataclass(slots=True)
class AutomationSpec:
    """An automation's configuration, normalised to the current key names.

    The keys with a default are kept together (``options``), one record shared by
    every automation that writes none of them (most): a large house keeps thousands.
    """

    id: str | None
    alias: str | None
    description: str
    triggers: list[dict[str, Any]]
    conditions: list[Any]
    actions: list[Any]
    options: AutomationOptions = DEFAULT_OPTIONS

    @property
    def name(self) -> str:
        return self.alias or self.id or "automation"

    @property
    def mode(self) -> str:
        return self.options.mode

    @property
    def max_runs(self) -> int:
        return self.options.max_runs

    @property
    def max_exceeded(self) -> str:
        return self.options.max_exceeded

    @property
    def mode_scope(self) -> str | None:
        return self.options.mode_scope

    @property
    def variables(self) -> Mapping[str, Any]:
        return self.options.variables

    @property
    def trigger_variables(self) -> Mapping[str, Any]:
        return self.options.trigger_variables

    @property
    def initial_state(self) -> bool | None:
        return self.options.initial_state

    @property
    def stored_traces(self) -> int:
        return self.options.stored_traces

    @property
    def extra(self) -> Mapping[str, Any]:
        return self.options.extra

    @extra.setter
    def extra(self, extra: Mapping[str, Any]) -> None:
        self.options = self.options._replace(extra=extra)


# Each key of the current generation with the older names Home Assistant still reads.
_RENAMED = {"triggers": "trigger", "conditions": "condition", "actions": "action"}
AUTOMATION_KEYS = frozenset(
    {
        "id",
        "alias",
        "description",
        "triggers",
        "trigger",
        "conditions",
        "condition",
        "actions",
        "action",
        "mode",
        "max",
        "max_exceeded",
        "mode_scope",
        "variables",
        "trigger_variables",
        "initial_state",
        "trace",
        "hide_entity",
        "use_blueprint",
        # homeloom's own keys
        "autonomy",
        "approval_timeout",
        "approvers",
        "guarded",
    }
)
_HOMELOOM_KEYS = ("autonomy", "approval_timeout", "approvers", "guarded")
# The keys with a default: an automation that writes none of them (most) skips their checks.
_OPTIONAL_KEYS = AUTOMATION_KEYS - {"id", "alias", "description", *_RENAMED, *_RENAMED.values()}
APPROVER_ROLES = ("admin", "resident", "guest")
_MAX_EXCEEDED = ("silent", "critical", "fatal", "error", "warning", "warn", "info", "debug")


class AutomationConfigError(Exception):
    """One automation's configuration is invalid; ``issues`` says where and why."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(issue) for issue in issues))


def _issue(message: str, container: Any, key: Any, path: str) -> ConfigIssue:
    pos: Position | None = position_of(container, key) or getattr(container, "position", None)
    return issue_written_at(message, pos, path)


def scenario_label(item: Any, index: int) -> str:
    """How errors name an automation: its id, else its alias, else its place in the list."""
    if isinstance(item, Mapping):
        for key in ("id", "alias"):
            if item.get(key):
                return str(item[key])
    return f"automation {index + 1}"


def _as_list(value: Any) -> list[Any]:
    """``value`` as a list: a loaded list itself (read, never changed), shared rather
    than copied, since a large house keeps thousands of them."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def parse_automation(item: Any, *, config_dir: Path | None) -> AutomationSpec:
    """One ``automation:`` list item as an :class:`AutomationSpec`; raises with every issue."""
    # dict first: a loaded mapping is one, and the ABC check costs more.
    if not isinstance(item, dict) and not isinstance(item, Mapping):
        message = f"an automation must be a mapping, got {type(item).__name__}"
        pos = getattr(item, "position", None)
        raise AutomationConfigError([issue_written_at(message, pos, None)])
    if "use_blueprint" in item:
        item = _from_blueprint(item, config_dir)
    issues: list[ConfigIssue] = []
    if not AUTOMATION_KEYS.issuperset(item):  # one pass in C when every key is known
        for key in item:
            if key not in AUTOMATION_KEYS:
                valid = ", ".join(sorted(k for k in AUTOMATION_KEYS if k not in _RENAMED.values()))
                message = f"unknown key {key!r}; valid keys: {valid}"
                issues.append(_issue(message, item, key, str(key)))
    values: dict[str, Any] = {}
    for new, old in _RENAMED.items():
        if old not in item:
            values[new] = item.get(new)
            continue
        if new in item:
            issues.append(_issue(f"use either {new!r} or {old!r}, not both", item, old, old))
        values[new] = item.get(new, item[old])
    # Written but empty (``action:`` with nothing after it) is an empty list, as Home
    # Assistant reads it; only a missing key is refused.
    for required, legacy in (("triggers", "trigger"), ("actions", "action")):
        if required not in item and legacy not in item:
            issues.append(_issue(f"an automation needs {required!r}", item, None, required))
    if isinstance(values["actions"], str):
        # As Home Assistant 2024.3, a text is no step (a template condition's shorthand
        # is for lists of conditions only): placed here, where its key knows its line.
        key = "actions" if "actions" in item else "action"
        message = (
            f"a step must be a mapping (such as `action: light.turn_on`), got"
            f" {values['actions']!r}; as a condition: `condition: template`,"
            f" `value_template: {values['actions']!r}`"
        )
        issues.append(_issue(message, item, key, key))
    options = DEFAULT_OPTIONS if _OPTIONAL_KEYS.isdisjoint(item) else _options(item, issues)
    if issues:
        raise AutomationConfigError(issues)
    automation_id, alias = item.get("id"), item.get("alias")
    return AutomationSpec(
        id=str(automation_id) if automation_id is not None else None,
        alias=str(alias) if alias is not None else None,
        description=str(item.get("description") or ""),
        triggers=_as_list(values["triggers"]),
        conditions=_as_list(values["conditions"]),
        actions=_as_list(values["actions"]),
        options=options,
    )


def _options(item: Mapping[str, Any], issues: list[ConfigIssue]) -> AutomationOptions:
    """The keys with a default, checked; each problem added to ``issues``."""
    mode = str(item.get("mode", "single"))
    if mode not in MODES:
        issues.append(
            _issue(f"unknown mode {mode!r}; valid: {', '.join(MODES)}", item, "mode", "mode")
        )
    max_runs = item.get("max", 10)
    # Home Assistant 2024.3 refuses a max below 2, whatever the mode.
    if not isinstance(max_runs, int) or isinstance(max_runs, bool) or max_runs < 2:
        issues.append(_issue("max must be a whole number of 2 or more", item, "max", "max"))
        max_runs = 10
    max_exceeded = sys.intern(str(item.get("max_exceeded", "warning")).lower())  # one "warning"
    if max_exceeded not in _MAX_EXCEEDED:
        valid = ", ".join(_MAX_EXCEEDED)
        issues.append(
            _issue(
                f"unknown max_exceeded {max_exceeded!r}; valid: {valid}",
                item,
                "max_exceeded",
                "max_exceeded",
            )
        )
    mode_scope = item.get("mode_scope")
    if mode_scope not in (None, "trigger_entity", "automation"):
        issues.append(
            _issue(
                "mode_scope must be 'automation' or 'trigger_entity'",
                item,
                "mode_scope",
                "mode_scope",
            )
        )
    for key in ("variables", "trigger_variables"):
        if key in item and not isinstance(item[key], Mapping):
            issues.append(_issue(f"{key} must be a mapping", item, key, key))
    # One refused above is left out: the options are still built, the issues raised after.
    own_variables, trigger_variables = (
        value if isinstance(value := item.get(key), Mapping) else {}
        for key in ("variables", "trigger_variables")
    )
    if "autonomy" in item:
        try:
            parse_level(item["autonomy"])
        except ValueError as err:
            issues.append(_issue(str(err), item, "autonomy", "autonomy"))
    if "approval_timeout" in item:
        try:
            parse_duration(item["approval_timeout"])
        except DurationError as err:
            issues.append(_issue(str(err), item, "approval_timeout", "approval_timeout"))
    if "approvers" in item:
        issues.extend(approver_issues(item, "approvers"))
    initial_state = item.get("initial_state")
    if initial_state is not None:
        try:  # as Home Assistant's cv.boolean: 'off', 'yes', 1 too
            initial_state = read_boolean(initial_state)
        except ValueError as err:
            issues.append(_issue(f"initial_state: {err}", item, "initial_state", "initial_state"))
            initial_state = None
    stored = DEFAULT_STORED_TRACES
    trace_cfg = item.get("trace")
    if isinstance(trace_cfg, Mapping) and "stored_traces" in trace_cfg:
        stored = trace_cfg["stored_traces"]
        # 0 is accepted, as Home Assistant does; the last run's trace is kept all the
        # same (see ``_Recent``), for "why did that happen".
        if not isinstance(stored, int) or isinstance(stored, bool) or stored < 0:
            issues.append(
                _issue(
                    "stored_traces must be a whole number of 0 or more",
                    trace_cfg,
                    "stored_traces",
                    "trace.stored_traces",
                )
            )
            stored = DEFAULT_STORED_TRACES
    return AutomationOptions(
        mode=mode,
        max_runs=max_runs,
        max_exceeded=max_exceeded,
        mode_scope=None if mode_scope == "automation" else mode_scope,
        # As Home Assistant: a run's variables start from the trigger_variables.
        variables={**trigger_variables, **own_variables} or _NO_VARIABLES,
        trigger_variables=trigger_variables or _NO_VARIABLES,
        initial_state=initial_state,
        stored_traces=stored,
        extra={key: item[key] for key in _HOMELOOM_KEYS if key in item} or _NO_VARIABLES,
    )


def approver_issues(container: Any, key: str, path: str | None = None) -> list[ConfigIssue]:
    """Who may decide a proposal: roles of the house's accounts, or people (``person.x``)."""
    value = container[key]
    items = value if isinstance(value, list) else [value]
    valid = f"valid: {', '.join(APPROVER_ROLES)} or a person such as person.alice"
    return [
        _issue(f"unknown approver {item!r}; {valid}", container, key, path or key)
        for item in items
        if not isinstance(item, str)
        or (item not in APPROVER_ROLES and not item.startswith("person."))
    ]


def _from_blueprint(item: Mapping[str, Any], config_dir: Path | None) -> dict[str, Any]:
    try:
        return use_blueprint(config_dir, "automation", item)
    except BlueprintError as err:
        raise AutomationConfigError(err.issues) from None
