"""State-based template entities: rendered again whenever what their templates read changes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from homeloom.orchestrator import STATE_UNKNOWN, Context, Event, Runtime, State, Unsubscribe

from ._entity_hooks import show_removed
from ._registered_ids import with_registry_names
from ._template_entity_config import _Definition
from ._template_entity_values import _duration_of, _on_off, _sensor_state, _value
from ._template_states import OwnTemplateState, RenderInfo
from ._template_tracking import ReadWatch
from ._templates import Template, TemplateError, as_boolean

__all__ = ["_StateBasedEntity"]

_LOGGER = logging.getLogger(__name__)


class _StateBasedEntity:
    """Renders its templates again when what they read changes (or each minute when
    they read the time) and writes the state they make."""

    def __init__(self, runtime: Runtime, definition: _Definition) -> None:
        self.runtime = runtime
        self.definition = definition
        self.entity_id = definition.entity_id
        self.tracking = ReadWatch(runtime, self.update)
        self.delayed: Unsubscribe | None = None
        self.is_on: bool | None = None  # a binary sensor's state, None: unknown
        self.pending: bool | None = None  # the state a pending delay_on/off leads to
        # A templated delay_on/off's last result. As Home Assistant, a change of state
        # takes the delay rendered before it: none on the first render (the state comes
        # at once), and the one from before when the same change alters both.
        self.shown_delays: dict[str, timedelta | None] = {}
        # As Home Assistant: renders caused by the entity's own change stop after a few.
        self.own_changes = 0
        # What a render skipped for a loop gave (its state result and attributes).
        self.unwritten: tuple[Any, dict[str, Any]] | None = None
        self.last_name: str | None = None
        self.last_icon: str | None = None
        self.last_picture: str | None = None
        self.unrefresh: Unsubscribe | None = None

    def start(self) -> None:
        if not self.entity_id:  # not added: see ``registered_entity_id``
            return
        # As Home Assistant: the name, icon and picture are rendered once before the
        # rest, so an entity unavailable from the start has them.
        for kind in ("name", "icon", "picture"):
            self.render_shown(kind, _Reads(), {"this": None})
        self.update(None)
        self.unrefresh = self.runtime.services.set_refresher(self.entity_id, self.refresh)

    def stop(self) -> None:
        """End its listeners, tick, pending delay and refresher; show it removed."""
        self.tracking.stop()
        for cancel in (self.delayed, self.unrefresh):
            if cancel is not None:
                cancel()
        self.delayed = self.unrefresh = None
        # Its unit is fixed: Home Assistant's registry kept it when the entity was added.
        show_removed(self.runtime, self.entity_id, unit=self.definition.shown_unit)

    def refresh(self) -> None:
        """A forced update (``homeassistant.update_entity``): every template rendered
        again now, whatever the rate limit, as Home Assistant does."""
        self.update(None)

    def update(self, event: Event | None) -> None:
        now = self.runtime.now()
        looping = False
        if event is not None and event.data["entity_id"] == self.entity_id:
            self.own_changes += 1
            if self.own_changes > len({template.source for template in self.templates()}):
                _LOGGER.warning("%s: template loop detected, render skipped", self.entity_id)
                looping = True
        else:
            self.own_changes = 0
        context = event.context if event is not None else Context()
        # As Home Assistant: ``this`` is the state written last (unknown before the
        # first write), and reading it makes the entity watch itself.
        current = self.runtime.states.get(self.entity_id) or State(
            self.entity_id, STATE_UNKNOWN, {}, now, now, context
        )
        variables = {"this": OwnTemplateState(current)}
        reads = _Reads()
        definition = self.definition
        if definition.availability is not None:
            shown = reads.render(definition.availability, variables, self.entity_id)
            if not isinstance(shown, TemplateError) and not as_boolean(shown):
                self.tracking.follow(reads.info)  # as Home Assistant: nothing else is rendered then
                self.unwritten = None
                if not looping:
                    self.write("unavailable", {}, context)
                return
        value = self.render_state(reads, variables)
        delays = {
            key: _duration_of(_value(reads.render(template, variables, self.entity_id)))
            for key, template in definition.delays.items()
            if isinstance(template, Template)
        }
        attributes = {
            key: _value(reads.render(template, variables, self.entity_id))
            for key, template in definition.attributes.items()
        }
        for kind in ("name", "icon", "picture"):
            self.render_shown(kind, reads, variables)
        self.tracking.follow(reads.info)
        # As Home Assistant: a render skipped for a loop still happened (it restarts the
        # rate limit) and its result becomes the one later renders are compared with, so
        # rendering the same again later writes nothing: the entity keeps its older state
        # until a render gives something else.
        rendered = (value, attributes)
        if looping:
            self.unwritten = rendered
            return
        if self.unwritten is not None and self.unwritten == rendered:
            self.shown_delays.update(delays)
            return
        self.unwritten = None
        self.publish(value, attributes, context, reads)
        self.shown_delays.update(delays)

    def templates(self) -> list[Template]:
        """The templates Home Assistant follows for the entity. As there, renders caused
        by its own change stop once they outnumber these, counting alike texts once
        (Home Assistant keys them by their text); a fixed name is not one."""
        definition = self.definition
        shown = [
            definition.state,
            definition.availability,
            definition.icon,
            definition.picture,
            definition.name,
            *definition.attributes.values(),
            *definition.delays.values(),
        ]
        return [t for t in shown if isinstance(t, Template) and not t.is_static]

    def render_state(self, reads: _Reads, variables: Mapping[str, Any]) -> Any:
        """What the state comes from: the state template's result, or its error."""
        assert self.definition.state is not None  # required of sensors and binary sensors
        return reads.render(self.definition.state, variables, self.entity_id)

    def publish(
        self, value: Any, attributes: dict[str, Any], context: Context, reads: _Reads
    ) -> None:
        """Write the state ``value`` (what :meth:`render_state` gave) makes."""
        definition = self.definition
        failed = isinstance(value, TemplateError)
        if failed and definition.availability is None:
            self.write("unavailable", {}, context)
            return
        if definition.domain == "binary_sensor":
            self.update_binary(None if failed else as_boolean(value), attributes, context, reads)
            return
        state = _sensor_state(definition, None if failed else value)
        if state is not None:
            self.write(state, attributes, context)

    def render_shown(self, kind: str, reads: _Reads, variables: Mapping[str, Any]) -> None:
        template: Template | None = getattr(self.definition, kind)
        if template is None:
            return
        shown = reads.render(template, variables, self.entity_id)
        text = None if isinstance(shown, TemplateError) or shown is None else str(shown)
        if kind == "icon" and text is not None and ":" not in text:
            _LOGGER.error("%s: %r is not an icon", self.entity_id, text)
            text = None
        setattr(self, f"last_{kind}", text)

    def update_binary(
        self,
        state: bool | None,
        attributes: dict[str, Any],
        context: Context,
        reads: _Reads,
    ) -> None:
        if self.delayed is not None:
            if state == self.pending:
                # As Home Assistant: the result it waits for, rendered again (a forced
                # update, a tick), is no new result: the delay runs on.
                self.write(_on_off(self.is_on), attributes, context)
                return
            # As Home Assistant: any new result cancels a pending delay.
            self.delayed()
            self.delayed = None
        if state == self.is_on or state is None:
            self.is_on = state
            self.write(_on_off(state), attributes, context)
            return
        key = "delay_on" if state else "delay_off"
        raw = self.definition.delays.get(key)
        delay = self.shown_delays.get(key) if isinstance(raw, Template) else raw
        if not delay:
            self.is_on = state
            self.write(_on_off(state), attributes, context)
            return
        self.pending = state

        def settle(_: datetime) -> None:
            self.delayed = None
            self.is_on = state
            self.write(_on_off(state), attributes, Context())

        self.delayed = self.runtime.scheduler.call_later(delay.total_seconds(), settle)
        # Written once the delay is pending: a render this write causes (an entity
        # reading ``this``) must find it, not start a second one.
        self.write(_on_off(self.is_on), attributes, context)

    def fixed_attributes(self) -> dict[str, Any]:
        """What every state carries, available or not."""
        return self.definition.fixed_attributes()

    def write(self, state: str, attributes: dict[str, Any], context: Context) -> None:
        fixed = self.fixed_attributes()
        shown = {"icon": self.last_icon, "entity_picture": self.last_picture}
        full = {
            **fixed,
            **(attributes if state != "unavailable" else {}),
            **{key: value for key, value in shown.items() if value is not None},
        }
        if self.last_name:
            full["friendly_name"] = self.last_name
        named = with_registry_names(self.runtime, self.entity_id, full)
        self.runtime.states.set(self.entity_id, state, named, context=context)


class _Reads:
    """What the renders of one update read, together."""

    __slots__ = ("info",)

    def __init__(self) -> None:
        self.info = RenderInfo()

    def render(self, template: Template, variables: Mapping[str, Any], entity_id: str) -> Any:
        """The template's result, or the error it raised (logged)."""
        try:
            value, info = template.render_with_info(variables)
        except TemplateError as err:
            if err.read is not None:
                self.info.add(err.read)
            self.info.failed = True
            _LOGGER.error("%s: template %r: %s", entity_id, template.source, err)
            return err
        self.info.add(info)
        return value
