"""Trigger-based template entities: rendered only when their block's trigger fires."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from homeloom.orchestrator import Context, Runtime, Unsubscribe

from ._script import Script
from ._template_entity_config import _Definition
from ._template_entity_values import _duration_of, _on_off, _sensor_state
from ._template_states import TemplateState
from ._templates import Template, TemplateError, as_boolean, get_template_engine

__all__ = ["_TriggerBasedEntity", "_TriggerBlock"]

_LOGGER = logging.getLogger(__name__)

_UNSET = frozenset({"unknown", "unavailable"})


class _TriggerBlock:
    """A block with triggers: runs its ``action`` (when written), then hands the run's
    variables to its entities, as Home Assistant's trigger coordinator does."""

    def __init__(
        self, runtime: Runtime, entities: list[_TriggerBasedEntity], script: Script | None
    ) -> None:
        self.runtime = runtime
        self.entities = entities
        self.script = script

    def on_trigger(self, variables: dict[str, Any], context: Context | None) -> Any:
        if self.script is None:
            self.hand_over(variables, context)
            return None
        return self.run_action(variables, context)

    async def run_action(self, variables: dict[str, Any], context: Context | None) -> None:
        assert self.script is not None
        own = context.child("system", "template") if context is not None else Context()
        result = await self.script.run(variables, own)
        self.hand_over(result.variables or variables, context)

    def hand_over(self, variables: dict[str, Any], context: Context | None) -> None:
        for entity in self.entities:
            entity.on_data(variables, context or Context())


class _TriggerBasedEntity:
    """Rendered only when its block's trigger fires; ``unknown`` until then."""

    def __init__(self, runtime: Runtime, definition: _Definition) -> None:
        self.runtime = runtime
        self.definition = definition
        self.entity_id = definition.entity_id
        self.is_on: bool | None = None
        self.delayed: Unsubscribe | None = None
        self.auto_off: Unsubscribe | None = None
        self.last: dict[str, Any] = {}  # attributes last written

    def publish_first(self) -> None:
        """``unknown``, or the state kept from before a restart, as Home Assistant restores."""
        current = self.runtime.states.get(self.entity_id)
        if current is not None and current.restored and current.state not in _UNSET:
            if self.definition.domain == "binary_sensor":
                self.is_on = current.state == "on"
            return
        self.write("unknown", self.static_attributes(), Context())

    def static_attributes(self) -> dict[str, Any]:
        attributes = self.definition.fixed_attributes()
        for kind, key in (
            ("name", "friendly_name"),
            ("icon", "icon"),
            ("picture", "entity_picture"),
        ):
            template: Template | None = getattr(self.definition, kind)
            if template is not None and template.is_static:
                attributes[key] = template.source
        return attributes

    def on_data(self, run_variables: Mapping[str, Any], context: Context) -> None:
        current = self.runtime.states.get(self.entity_id)
        variables = {"this": TemplateState(current) if current else None, **run_variables}
        rendered = self.render(variables)
        for pending in (self.delayed, self.auto_off):
            if pending is not None:
                pending()
        self.delayed = self.auto_off = None
        if rendered is None:  # as Home Assistant: a failed render makes it unavailable
            self.write("unavailable", self.static_attributes(), context)
            return
        available, value, attributes = rendered
        if not available:
            self.write("unavailable", attributes, context)
            return
        if self.definition.domain == "sensor":
            state = _sensor_state(self.definition, value)
            if state is not None:
                self.write(state, attributes, context)
            return
        self.update_binary(as_boolean(value), attributes, variables, context)

    def render(self, variables: Mapping[str, Any]) -> tuple[bool, Any, dict[str, Any]] | None:
        """Availability, state and attributes; None when a template failed."""
        definition = self.definition
        engine = get_template_engine(self.runtime)
        attributes = self.static_attributes()
        try:
            available = (
                definition.availability.render(variables) is not False
                if definition.availability is not None
                else True
            )
            value = definition.state.render(variables, parse_result=False)
            for kind, key in (
                ("name", "friendly_name"),
                ("icon", "icon"),
                ("picture", "entity_picture"),
            ):
                template: Template | None = getattr(definition, kind)
                if template is not None and not template.is_static:
                    attributes[key] = template.render(variables, parse_result=False)
            attributes.update(
                {
                    key: engine.render_complex(template.source, variables)
                    for key, template in definition.attributes.items()
                }
            )
        except TemplateError as err:
            _LOGGER.error("%s: error rendering a template: %s", self.entity_id, err)
            return None
        return available, value, attributes

    def update_binary(
        self,
        state: bool,
        attributes: dict[str, Any],
        variables: Mapping[str, Any],
        context: Context,
    ) -> None:
        delay = self.delay("delay_on" if state else "delay_off", variables)
        if state == self.is_on or delay is None:
            self.set_binary(state, attributes, variables, context)
            return

        def settle(_: datetime) -> None:
            self.delayed = None
            self.set_binary(state, attributes, variables, context)

        self.delayed = self.runtime.scheduler.call_later(delay.total_seconds(), settle)

    def set_binary(
        self,
        state: bool,
        attributes: dict[str, Any],
        variables: Mapping[str, Any],
        context: Context,
    ) -> None:
        self.is_on = state
        self.write(_on_off(state), attributes, context)
        auto_off = self.delay("auto_off", variables) if state else None
        if auto_off is None:
            return

        def turn_off(_: datetime) -> None:
            self.auto_off = None
            self.is_on = False
            self.write("off", self.last, Context())

        self.auto_off = self.runtime.scheduler.call_later(auto_off.total_seconds(), turn_off)

    def delay(self, key: str, variables: Mapping[str, Any]) -> timedelta | None:
        raw = self.definition.delays.get(key)
        if not isinstance(raw, Template):
            return raw or None
        try:
            value = raw.render(variables)
        except TemplateError as err:
            _LOGGER.warning("%s: error rendering %s: %s", self.entity_id, key, err)
            return None
        return _duration_of(value) or None

    def write(self, state: str, attributes: dict[str, Any], context: Context) -> None:
        self.last = attributes
        self.runtime.states.set(self.entity_id, state, attributes, context=context)
