"""Template controls: template switches, locks, buttons, numbers and selects, as Home
Assistant 2024.3 makes them.

Each is a state-based template entity (its templates rendered again when what they
read changes, as a template sensor's) whose commands run the actions written for
them, as a single-mode script with the service call's context and the ``this``
variable (a number's also ``value``, a select's ``option``). What Home Assistant
does and homeloom mirrors:

* a switch is on when its ``value_template`` renders true or a text ``on``/``true``
  (any case), off for anything else (a number too); without the template it is
  optimistic: off (or as saved) at start, set by ``turn_on``/``turn_off`` once their
  actions have run; ``toggle`` runs ``turn_off`` when on, else ``turn_on``;
* a lock is ``locked`` for true or a text ``locked``/``on``/``true``, ``jammed``,
  ``locking`` or ``unlocking`` for those texts, ``unlocked`` for anything else;
  ``optimistic`` sets the state before the actions run, to a value Home Assistant
  2024.3 then shows as ``unlocked`` whether locked or unlocked; ``lock.open`` is
  refused (2024.3's template lock has no ``open``);
* a button's state is the time of its last press (``unknown`` before one, or as
  saved), written before its actions run;
* a number's state is its ``state`` read as a number (``unknown`` when it is not),
  with ``min``/``max``/``step``/``mode`` attributes; ``set_value`` outside min..max
  fails;
* a select's state is its ``state`` when one of its ``options``, else ``unknown``;
  ``select_option`` with another option fails;
* an optimistic number or select takes the value at once, and shows ``assumed_state``.

A switch's or lock's state template that fails makes it unavailable (unless it has
an availability template); a number's or select's makes its value unknown. An
unavailable control ignores commands, as Home Assistant passes it by.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from datetime import UTC
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Runtime, ServiceValidationError

from ._errors import ScenarioConfigError, fail
from ._ha_restore import restored_state
from ._platform_options import domain_items
from ._scripts_domain import _FailedRun
from ._select_services import publish_current_option
from ._slugs import entity_slug
from ._template_controls_config import CONTROL_DOMAINS, _Control, _control, _Kind
from ._template_entity_values import _FLOAT_DIGITS
from ._template_state_entities import _Reads, _StateBasedEntity
from ._template_states import TemplateState
from ._templates import Template, TemplateError

__all__ = [
    "CONTROL_DOMAINS",
    "_TemplateControl",
    "keyed_controls",
    "setup_legacy_template_controls",
    "setup_template_controls",
]

_LOGGER = logging.getLogger(__name__)

PLATFORM = "template"
# A number's limits when its templates leave them out, as Home Assistant's.
_NUMBER_DEFAULTS = {"min": 0.0, "max": 100.0, "step": 1.0}
_LOCK_MOTIONS = ("jammed", "locking", "unlocking")


class _TemplateControl(_StateBasedEntity):
    """A template control: rendered as a template sensor is, commanded by services."""

    def __init__(self, runtime: Runtime, control: _Control) -> None:
        super().__init__(runtime, control.definition)
        self.control = control
        self.domain = control.definition.domain
        # Switch: on or off; lock: the rendered text (or True/False once optimistic);
        # number: a float; select: the option; button: the last press. None: not known.
        self.value: Any = False if self.domain == "switch" else None
        self.limits: dict[str, float | None] = dict(_NUMBER_DEFAULTS)
        self.options: list[str] = []
        self.last_results: dict[str, Any] = {}  # each own template's last result, by key

    def start(self) -> None:
        if not self.entity_id:  # not added: see ``registered_entity_id``
            return
        saved = restored_state(self.runtime, self.entity_id)
        if saved is not None and saved.state != "unavailable":
            if self.domain == "button":
                self.value = saved.state
            elif self.domain == "switch" and self.definition.state is None:
                self.value = saved.state == "on"
        super().start()
        self.runtime.services.set_provider(self.entity_id, self.command)
        if self.domain == "select":
            publish_current_option(self.runtime, self.entity_id, lambda: self.value)

    # --- state ---------------------------------------------------------------

    def templates(self) -> list[Template]:
        return [*super().templates(), *self.control.extra.values()]

    def render_state(self, reads: _Reads, variables: Mapping[str, Any]) -> Any:
        """Each of the control's own templates' results (or errors), by key."""
        rendered: dict[str, Any] = {}
        if self.definition.state is not None:
            rendered["state"] = reads.render(self.definition.state, variables, self.entity_id)
        for key, template in self.control.extra.items():
            rendered[key] = reads.render(template, variables, self.entity_id)
        return rendered

    def publish(
        self, value: Any, attributes: dict[str, Any], context: Context, reads: _Reads
    ) -> None:
        changed = self.new_results(value)
        state = value.get("state")
        if self.domain in ("switch", "lock") and self.failed_state(value, context):
            return
        if "state" in changed:
            self.value = _READERS[self.domain](state)
        for key in ("min", "max", "step"):
            if key in changed:
                self.limits[key] = _number(changed[key])
        if "options" in changed:
            self.options = _options(changed["options"])
        self.write(self.state_text(), attributes, context)

    def failed_state(self, value: Mapping[str, Any], context: Context) -> bool:
        """Whether the state template failed with no availability template to say
        otherwise, the entity then written unavailable, as Home Assistant does."""
        if isinstance(value.get("state"), TemplateError) and self.definition.availability is None:
            self.write("unavailable", {}, context)
            return True
        return False

    def new_results(self, value: Mapping[str, Any]) -> dict[str, Any]:
        """The templates' results that differ from their last ones, remembered. As Home
        Assistant: a result equal to the template's last one (1 then True) is no new
        result, and leaves what it set (an optimistic value too)."""
        changed = {
            key: result
            for key, result in value.items()
            if key not in self.last_results or self.last_results[key] != result
        }
        self.last_results.update(value)
        return changed

    def state_text(self) -> str:
        value = self.value
        if self.domain == "switch":
            return "unknown" if value is None else "on" if value else "off"
        if self.domain == "lock":
            # As Home Assistant 2024.3: an optimistic True or False is no locked text.
            if value in _LOCK_MOTIONS:
                return str(value)
            return "locked" if value in ("true", "on", "locked") else "unlocked"
        if self.domain == "number":
            return "unknown" if value is None else f"{value:.{_FLOAT_DIGITS}}"
        if self.domain == "select":
            return value if value is not None and value in self.options else "unknown"
        return "unknown" if value is None else str(value)

    def fixed_attributes(self) -> dict[str, Any]:
        fixed = super().fixed_attributes()
        if self.domain == "number":
            fixed |= {**self.limits, "mode": "auto"}
        elif self.domain == "select":
            fixed["options"] = list(self.options)
        if self.control.optimistic or (self.domain == "switch" and self.definition.state is None):
            fixed["assumed_state"] = True
        return fixed

    # --- commands ------------------------------------------------------------

    def command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        if self.is_unavailable():
            return None  # Home Assistant passes an unavailable entity by
        if service == "toggle" and self.domain == "switch":
            service = "turn_off" if self.value else "turn_on"
        if service not in self.control.actions:
            raise ServiceValidationError(
                self.domain, service, "", f"Entity {entity_id} does not support this service."
            )
        variables: dict[str, Any] = {}
        if self.domain == "number":
            variables["value"] = self.checked_value(service, float(data["value"]))
        elif self.domain == "select":
            variables["option"] = listed_option(
                self.entity_id, service, str(data["option"]), self.options
            )
        if self.domain == "button":
            self.value = self.runtime.now().astimezone(UTC).isoformat()
            self.write(self.state_text(), {}, context)
        elif self.control.optimistic and self.domain == "lock":
            # As Home Assistant 2024.3: True or False, which it shows as unlocked.
            self.value = service == "lock"
            self.write(self.state_text(), {}, context)
        elif self.control.optimistic and self.domain in ("number", "select"):
            self.value = variables["value" if self.domain == "number" else "option"]
            self.write(self.state_text(), {}, context)
        return self.run(service, variables, context)

    def checked_value(self, service: str, value: float) -> float:
        low = self.limits["min"] if self.limits["min"] is not None else _NUMBER_DEFAULTS["min"]
        high = self.limits["max"] if self.limits["max"] is not None else _NUMBER_DEFAULTS["max"]
        return value_in_range(self.entity_id, service, value, low, high)

    def is_unavailable(self) -> bool:
        current = self.runtime.states.get(self.entity_id)
        return current is None or current.state == "unavailable"

    async def run_action(self, key: str, variables: dict[str, Any], context: Context) -> None:
        """Run the action written for ``key`` with ``this`` and ``variables``; an error
        that ended it fails the service call, as Home Assistant raises it again."""
        current = self.runtime.states.get(self.entity_id)
        variables["this"] = TemplateState(current) if current is not None else None
        result = await self.control.actions[key].run(variables, context)
        if isinstance(result, _FailedRun) and result.exception is not None:
            raise result.exception

    async def run(self, service: str, variables: dict[str, Any], context: Context) -> None:
        await self.run_action(service, variables, context)
        if self.domain == "switch" and self.definition.state is None:
            # As Home Assistant: an optimistic switch changes once its actions have run.
            self.value = service == "turn_on"
            self.write(self.state_text(), {}, context)


def value_in_range(entity_id: str, service: str, value: float, low: float, high: float) -> float:
    """A number's new ``value``, refused outside ``low``..``high`` as Home Assistant does."""
    if not low <= value <= high:
        raise ServiceValidationError(
            "number",
            service,
            "value",
            f"Value {value} for {entity_id} is outside valid range {low} - {high}",
            invalid_data=True,  # a ValueError in Home Assistant
        )
    return value


def listed_option(entity_id: str, service: str, option: str, options: list[str]) -> str:
    """A select's new ``option``, refused when not one of its ``options``."""
    if option not in options:
        raise ServiceValidationError(
            "select", service, "option", f"Option {option} is not valid for {entity_id}"
        )
    return option


def block_controls(
    runtime: Runtime, item: Mapping[str, Any], domain: str, where: str, taken: set[str]
) -> list[_Control]:
    """The controls of ``domain`` (one entry or a list) in one ``template:`` block item."""
    entries = item.get(domain)
    if entries is None:
        return []
    entries = entries if isinstance(entries, list) else [entries]
    return [
        _control(
            runtime,
            domain,
            entry,
            entries,
            number,
            f"{where}.{domain}[{number}]",
            taken,
            block_id=item.get("unique_id"),
        )
        for number, entry in enumerate(entries)
    ]


def _switch_value(result: Any) -> bool | None:
    if isinstance(result, TemplateError):
        return None
    if isinstance(result, bool):
        return result
    return isinstance(result, str) and result.lower() in ("true", "on")


def _lock_value(result: Any) -> str | None:
    if isinstance(result, bool):
        return "locked" if result else "unlocked"
    return result.lower() if isinstance(result, str) else None


def _number(result: Any) -> float | None:
    if isinstance(result, TemplateError) or result is None:
        return None
    try:
        return float(result)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int past a float's range
        _LOGGER.error("template number: %r is not a number", result)
        return None


def _option(result: Any) -> str | None:
    if isinstance(result, TemplateError | list | dict) or result is None:
        return None
    return str(result)


def _options(result: Any) -> list[str]:
    if isinstance(result, TemplateError) or result is None:
        return []
    items = result if isinstance(result, list) else [result]
    if any(item is None or isinstance(item, list | dict) for item in items):
        _LOGGER.error("template select: options %r are not texts", result)
        return []
    return [str(item) for item in items]


_READERS = {"switch": _switch_value, "lock": _lock_value, "number": _number, "select": _option}


def setup_template_controls(
    runtime: Runtime, item: Mapping[str, Any], where: str, taken: set[str]
) -> None:
    """Make the buttons, numbers and selects of one ``template:`` block item without
    ``trigger`` (a block with one makes them in ``_template_trigger_controls``)."""
    for domain in CONTROL_DOMAINS:
        for control in block_controls(runtime, item, domain, where, taken):
            _TemplateControl(runtime, control).start()


def setup_legacy_template_controls(
    runtime: Runtime, config: Mapping[str, Any]
) -> list[ConfigIssue]:
    """Make the controls of every ``platform: template`` item under ``switch:`` and
    ``lock:`` (labelled blocks too); an item with a problem is reported and skipped whole,
    as Home Assistant skips a platform it cannot validate."""
    issues: list[ConfigIssue] = []
    taken: set[str] = set()
    for domain, where, item in domain_items(config, ("switch", "lock"), PLATFORM):
        try:
            controls = (
                _switches(runtime, item, where, taken)
                if domain == "switch"
                # A missing key is reported where the item starts (no key of its own).
                else [_control(runtime, "lock", item, item, None, where, taken)]
            )
        except ScenarioConfigError as err:
            issues.extend(err.issues)
            continue
        for control in controls:
            _TemplateControl(runtime, control).start()
    return issues


def _switches(
    runtime: Runtime, item: Mapping[str, Any], where: str, taken: set[str]
) -> list[_Control]:
    return keyed_controls(runtime, item, where, taken, "switch", "switches")


def keyed_controls(
    runtime: Runtime,
    item: Mapping[str, Any],
    where: str,
    taken: set[str],
    domain: str,
    plural: str,
    kind: _Kind | None = None,
) -> list[_Control]:
    """The controls of a legacy ``platform: template`` item that lists them by object id
    under ``plural`` (``switches:``, ``covers:``...)."""
    allowed = ("platform", plural)
    for key in item:
        if key not in allowed:
            message = f"unknown key {key!r}; valid: {', '.join(sorted(allowed))}"
            raise fail(item, key, f"{where}.{key}", message)
    entries = item.get(plural)
    if entries is None:
        raise fail(item, None, f"{where}.{plural}", f"'{plural}' missing")
    if not isinstance(entries, Mapping):
        message = f"expected a mapping of object id: {domain}"
        raise fail(item, plural, f"{where}.{plural}", message)
    for object_id in entries:
        if entity_slug(str(object_id)) != str(object_id):
            message = f"invalid object id {object_id!r} (try {entity_slug(str(object_id))!r})"
            raise fail(entries, object_id, f"{where}.{plural}", message)
    return [
        _control(
            runtime,
            domain,
            entry,
            entries,
            object_id,
            f"{where}.{plural}.{object_id}",
            taken,
            object_id=str(object_id),
            kind=kind,
        )
        for object_id, entry in entries.items()
    ]
