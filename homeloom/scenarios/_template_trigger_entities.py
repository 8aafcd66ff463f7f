"""Trigger-based template entities: rendered only when their block's trigger fires."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from homeloom.orchestrator import Context, Runtime, State, Unsubscribe

from ._ha_restore import restored_extra_data, restored_state
from ._registered_ids import with_registry_names
from ._script import Script
from ._template_entity_config import _Definition
from ._template_entity_values import _duration_of, _on_off, _sensor_state
from ._template_states import TemplateState
from ._templates import Template, TemplateError, as_boolean, get_template_engine

__all__ = ["_TriggerBasedEntity", "_TriggerBlock"]

_LOGGER = logging.getLogger(__name__)

_UNSET = frozenset({"unknown", "unavailable"})
# The attribute each of an entity's own keys gives, restored when the key is configured.
_KEY_ATTRIBUTES = (("name", "friendly_name"), ("icon", "icon"), ("picture", "entity_picture"))


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
        # As Home Assistant: every entity of the block is written before any listener
        # (a run) hears of the first, so a run on one reads its siblings' new states.
        with self.runtime.states.holding_announcements():
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
        """``unknown``, or the state saved before a restart (homeloom's, else Home
        Assistant's) as Home Assistant's trigger-based entities restore it: the value,
        the configured keys' attributes (name, icon, picture, ``attributes:``), and a
        binary sensor's pending auto off."""
        self.runtime.services.set_refresher(self.entity_id, self.refuse_refresh)
        saved = restored_state(self.runtime, self.entity_id)
        extra = restored_extra_data(self.runtime, self.entity_id)
        value, auto_off_at = _saved_value(self.definition.domain, extra, saved)
        if saved is None or value is None:
            self.write("unknown", self.static_attributes(), Context())
            return
        attributes = self.static_attributes()
        for kind, key in _KEY_ATTRIBUTES:
            if getattr(self.definition, kind) is not None and key in saved.attributes:
                attributes[key] = saved.attributes[key]
        for key in self.definition.attributes:
            if key in saved.attributes:
                attributes[key] = saved.attributes[key]
        if self.definition.domain == "sensor":
            # homeloom's own saved state (no extra data) is the value as shown, converted.
            as_shown = extra is None and self.definition.converted_to is not None
            shown = value if as_shown else _sensor_state(self.definition, value)
            self.write(shown or "unknown", attributes, Context())
            return
        self.is_on = value == "on"
        if "auto_off" in self.definition.delays and auto_off_at is not None:
            self.is_on = self.is_on and auto_off_at > self.runtime.now()
            if self.is_on:
                self.auto_off = self.runtime.scheduler.call_at(auto_off_at, self.turn_off)
        self.write(_on_off(self.is_on), attributes, Context())

    def refuse_refresh(self) -> None:
        """A forced update (``homeassistant.update_entity``): nothing to render without
        a trigger's data, so the state stays; Home Assistant logs it as failed."""
        _LOGGER.error(
            "%s: update_entity: a trigger-based template entity renders only when its"
            " trigger fires; left as it is",
            self.entity_id,
        )

    def turn_off(self, _: datetime) -> None:
        """The auto off: ``off``, keeping the attributes last written."""
        self.auto_off = None
        self.is_on = False
        self.write("off", self.last, Context())

    def static_attributes(self) -> dict[str, Any]:
        attributes = self.definition.fixed_attributes()
        for kind, key in _KEY_ATTRIBUTES:
            template: Template | None = getattr(self.definition, kind)
            if template is not None and template.is_static:
                attributes[key] = template.source
        return attributes

    def rendered_key_attributes(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The attributes of the name, icon and picture templates that have code,
        rendered; TemplateError when one fails."""
        rendered: dict[str, Any] = {}
        for kind, key in _KEY_ATTRIBUTES:
            template: Template | None = getattr(self.definition, kind)
            if template is not None and not template.is_static:
                rendered[key] = template.render(variables, parse_result=False)
        return rendered

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
        assert definition.state is not None  # required of sensors and binary sensors
        try:
            available = (
                definition.availability.render(variables) is not False
                if definition.availability is not None
                else True
            )
            value = definition.state.render(variables, parse_result=False)
            attributes.update(self.rendered_key_attributes(variables))
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
        if auto_off is not None:
            self.auto_off = self.runtime.scheduler.call_later(
                auto_off.total_seconds(), self.turn_off
            )

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
        shown = with_registry_names(self.runtime, self.entity_id, attributes)
        self.runtime.states.set(self.entity_id, state, shown, context=context)


def _saved_value(
    domain: str, extra: Mapping[str, Any] | None, saved: State | None
) -> tuple[str | None, datetime | None]:
    """The value to restore (None for none) and a binary sensor's saved auto off time.
    Home Assistant restores only a set state, and only with the extra data its
    entities save beside it (a sensor's native value and unit, a binary sensor's auto
    off time); homeloom's own saved state has none, its state is the value."""
    if saved is None or saved.state in _UNSET:
        return None, None
    if extra is None:
        return saved.state, None
    try:
        if domain == "sensor":
            if "native_value" not in extra or "native_unit_of_measurement" not in extra:
                return None, None
            return _decoded(extra["native_value"]), None
        if "auto_off_time" not in extra:
            return None, None
        when = _decoded(extra["auto_off_time"])
        auto_off_at = datetime.fromisoformat(when) if when is not None else None
    except ValueError:  # as Home Assistant, which then restores nothing
        return None, None
    if auto_off_at is not None and auto_off_at.tzinfo is None:
        auto_off_at = auto_off_at.replace(tzinfo=UTC)
    return saved.state, auto_off_at


def _decoded(value: Any) -> str | None:
    """A saved value as text: Home Assistant saves a date, a time or a decimal as
    ``{"__type": ..., "isoformat" | "decimal_str": ...}``; ValueError for a mapping
    cut short, which Home Assistant does not restore."""
    if isinstance(value, Mapping):
        text = value.get("isoformat", value.get("decimal_str"))
        if "__type" not in value or text is None:
            raise ValueError(f"a saved value cut short: {value!r}")
        return str(text)
    return None if value is None else str(value)
