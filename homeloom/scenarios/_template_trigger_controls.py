"""Trigger-based template numbers and selects: the ``number:`` and ``select:`` items of
a ``template:`` block with ``trigger``, as Home Assistant 2024.3 makes them.

Rendered only when the block's trigger fires (with ``trigger`` and ``this``):
``unknown`` until then, and after a restart too (2024.3 restores neither). A template
that fails makes the entity unavailable until the next trigger. Their commands run
``set_value`` (with ``value``) or ``select_option`` (with ``option``) with the call's
context; as in 2024.3, without ``this``, and ``optimistic`` changes nothing shown (the
state is always the last rendered one). A ``button:`` item there is refused by 2024.3
(its platform has no trigger-based buttons): it is reported and not made.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Runtime, ServiceValidationError

from ._errors import issue_at
from ._scripts_domain import _FailedRun
from ._select_services import publish_current_option
from ._template_controls import _NUMBER_DEFAULTS, block_controls, listed_option, value_in_range
from ._template_controls_config import _Control
from ._template_entity_values import _FLOAT_DIGITS
from ._template_states import TemplateState
from ._template_trigger_entities import _TriggerBasedEntity
from ._templates import TemplateError, get_template_engine

__all__ = ["TriggerControl", "trigger_controls"]

_LOGGER = logging.getLogger(__name__)


class TriggerControl(_TriggerBasedEntity):
    """A trigger-based template number or select."""

    def __init__(self, runtime: Runtime, control: _Control) -> None:
        super().__init__(runtime, control.definition)
        self.control = control
        self.domain = control.definition.domain
        self.value: Any = None  # a number's float, a select's option; None: unknown
        self.limits = dict(_NUMBER_DEFAULTS)
        self.options: list[str] = []
        self.shown: dict[str, Any] = {}  # the rendered name, icon and picture

    def publish_first(self) -> None:
        self.runtime.services.set_refresher(self.entity_id, self.refuse_refresh)
        self.runtime.services.set_provider(self.entity_id, self.command)
        if self.domain == "select":
            publish_current_option(self.runtime, self.entity_id, lambda: self.value)
        self.publish("unknown", Context())

    def on_data(self, run_variables: Mapping[str, Any], context: Context) -> None:
        current = self.runtime.states.get(self.entity_id)
        variables = {"this": TemplateState(current) if current else None, **run_variables}
        try:
            rendered = self.render_all(variables)
        except TemplateError as err:
            _LOGGER.error("%s: error rendering a template: %s", self.entity_id, err)
            self.shown, self.value, self.limits, self.options = {}, None, dict(_NUMBER_DEFAULTS), []
            self.publish("unavailable", context)
            return
        available, state, extra, shown = rendered
        try:
            value, limits, options = self.read(state, extra)
        except ValueError as err:
            # As Home Assistant, whose state write then fails: the state stays.
            _LOGGER.error("%s: %s", self.entity_id, err)
            return
        self.shown, self.value, self.limits, self.options = shown, value, limits, options
        self.publish("available" if available else "unavailable", context)

    def render_all(
        self, variables: Mapping[str, Any]
    ) -> tuple[bool, Any, dict[str, Any], dict[str, Any]]:
        """Availability, the state's text, the own templates' results (a select's
        options parsed, a number's limits as text) and the rendered name, icon and
        picture; TemplateError when one failed, as Home Assistant renders them all."""
        definition = self.definition
        available = (
            definition.availability.render(variables) is not False
            if definition.availability is not None
            else True
        )
        shown = self.rendered_key_attributes(variables)
        assert definition.state is not None  # required of numbers and selects
        state = definition.state.render(variables, parse_result=False)
        engine = get_template_engine(self.runtime)
        extra = {
            key: engine.render_complex(template.source, variables)
            if key == "options"
            else template.render(variables, parse_result=False)
            for key, template in self.control.extra.items()
        }
        return available, state, extra, shown

    def read(self, state: Any, extra: Mapping[str, Any]) -> tuple[Any, dict[str, float], list[str]]:
        """The value, limits and options the rendered results give; ValueError for a
        number that is none."""
        if self.domain == "select":
            options = extra.get("options")
            listed = options if isinstance(options, list) else [] if options is None else [options]
            return (
                (None if state is None else str(state)),
                dict(_NUMBER_DEFAULTS),
                [str(o) for o in listed],
            )
        limits = {key: _float(extra.get(key, default)) for key, default in _NUMBER_DEFAULTS.items()}
        return _float(state), {k: v for k, v in limits.items() if v is not None}, []

    def publish(self, availability: str, context: Context) -> None:
        attributes = self.static_attributes() | self.shown
        if self.domain == "number":
            attributes |= {**_NUMBER_DEFAULTS, **self.limits, "mode": "auto"}
        else:
            attributes["options"] = list(self.options)
        if availability == "unavailable":
            self.write("unavailable", attributes, context)
            return
        self.write(self.state_text(), attributes, context)

    def state_text(self) -> str:
        if self.value is None:
            return "unknown"
        if self.domain == "number":
            return f"{self.value:.{_FLOAT_DIGITS}}"
        return str(self.value) if self.value in self.options else "unknown"

    def command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        current = self.runtime.states.get(self.entity_id)
        if current is None or current.state == "unavailable":
            return None  # Home Assistant passes an unavailable entity by
        if service not in self.control.actions:
            raise ServiceValidationError(
                self.domain, service, "", f"Entity {entity_id} does not support this service."
            )
        if self.domain == "number":
            low, high = (self.limits.get(key, _NUMBER_DEFAULTS[key]) for key in ("min", "max"))
            value = value_in_range(self.entity_id, service, float(data["value"]), low, high)
            variables: dict[str, Any] = {"value": value}
        else:
            option = listed_option(self.entity_id, service, str(data["option"]), self.options)
            variables = {"option": option}
        return self.run(service, variables, context)

    async def run(self, service: str, variables: dict[str, Any], context: Context) -> None:
        """Run the action; an error that ended it fails the call, as in Home Assistant."""
        result = await self.control.actions[service].run(variables, context)
        if isinstance(result, _FailedRun) and result.exception is not None:
            raise result.exception


def _float(result: Any) -> float | None:
    """``result`` as a number (None for none); ValueError when it is no number."""
    if result is None:
        return None
    try:
        return float(result)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{result!r} is not a number") from None


def trigger_controls(
    runtime: Runtime, item: Mapping[str, Any], where: str, taken: set[str]
) -> tuple[list[_TriggerBasedEntity], list[ConfigIssue]]:
    """The numbers and selects of one ``template:`` block item with ``trigger``, and a
    warning for its buttons, which Home Assistant 2024.3 does not make there."""
    entities: list[_TriggerBasedEntity] = []
    issues: list[ConfigIssue] = []
    if item.get("button") is not None:
        message = (
            "a template 'button' cannot be trigger-based (Home Assistant 2024.3 refuses it):"
            " it is not made; move it to a template: block without 'trigger'"
        )
        issues.append(issue_at(item, "button", f"{where}.button", message))
    for domain in ("number", "select"):
        controls = block_controls(runtime, item, domain, where, taken)
        entities += [TriggerControl(runtime, control) for control in controls]
    return entities, issues
