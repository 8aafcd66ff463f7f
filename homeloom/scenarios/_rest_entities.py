"""RESTful sensors and binary sensors: what each shows of its resource's latest reply.

A sensor's state is the reply (a JSON reply's ``value_json`` readable too) through
``value_template``, ``unknown`` when that fails; a ``date`` or ``timestamp`` sensor
reads it as one. A binary sensor is on for a whole number other than 0 or for
``true``, ``on``, ``open`` or ``yes`` (any case), else off. Both are unavailable while
their resource fails, when ``availability`` renders false or when a template fails.

As Home Assistant does, each update writes the new state with the icon, picture, name
and availability rendered at the update before, then renders them (with ``value``,
``value_json`` and ``this``) and writes it again: what they say shows at once, after a
first write that automations may see.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from homeloom.orchestrator import Context, Runtime

from ._command_line_entity import value_variables
from ._registered_ids import with_registry_names
from ._rest_config import RestEntityOptions
from ._rest_json import json_attributes
from ._rest_xml import reply_as_json
from ._template_entity_config import plain_sensor_definition
from ._template_entity_values import _sensor_state
from ._template_states import TemplateState
from ._templates import Template, TemplateError

__all__ = ["RestBinarySensor", "RestEntity", "RestSensor"]

_LOGGER = logging.getLogger(__name__)
_ON_WORDS = frozenset({"true", "on", "open", "yes"})
# Templates rendered at each update, and the attribute each shows as.
_SHOWN = (("icon", "icon"), ("picture", "entity_picture"), ("name", "friendly_name"))


def render_value(template: Template | None, value: str, error_value: Any) -> Any:
    """``value`` through ``template`` (``value`` itself without one); ``error_value``,
    with an error logged, when it fails."""
    if template is None:
        return value
    try:
        return str(template.render(value_variables(value), parse_result=False))
    except TemplateError as err:
        _LOGGER.error("Error parsing value: %s (value: %s)", err, value)
        return error_value


class RestEntity:
    """What a REST sensor and binary sensor share: templates, availability, writes."""

    def __init__(
        self,
        runtime: Runtime,
        options: RestEntityOptions,
        entity_id: str,
        refresh: Callable[[], Awaitable[None]],
    ) -> None:
        self.runtime = runtime
        self.options = options
        self.entity_id = entity_id
        self.refresh = refresh  # fetch the resource now (homeassistant.update_entity)
        # Static templates show as written; the name renders once now (it made the id).
        self._static: dict[str, Any] = {}
        self._to_render: list[str] = []
        for key in ("availability", "icon", "name", "picture"):
            template: Template | None = getattr(options, key)
            if template is None:
                continue
            if template.is_static:
                self._static[key] = template.source
            else:
                self._to_render.append(key)
        self._rendered = dict(self._static)
        self._render_failed = False
        self._unrefresh: Callable[[], None] | None = None
        if not options.name.is_static:
            self._rendered["name"] = self._render_name()

    def _render_name(self) -> Any:
        try:
            return self.options.name.render({}, parse_result=False)
        except TemplateError as err:
            _LOGGER.error("Error rendering name template for %s: %s", self.entity_id, err)
            return None

    def start(self) -> None:
        self._unrefresh = self.runtime.services.set_refresher(self.entity_id, self.refresh)

    def stop(self) -> None:
        """Removed, as Home Assistant removes a reloaded platform's entities."""
        if self._unrefresh is not None:
            self._unrefresh()
        self.runtime.states.remove(self.entity_id)

    def update(self, data: str | None, media_type: str, context: Context) -> None:
        """Show what the resource's latest reply (None: it failed), of ``media_type``,
        makes of the entity."""
        raise NotImplementedError

    def _render_templates(self, value: Any) -> None:
        current = self.runtime.states.get(self.entity_id)
        variables = {"this": TemplateState(current) if current else None, **value_variables(value)}
        rendered = dict(self._static)
        for key in self._to_render:
            template: Template = getattr(self.options, key)
            try:
                rendered[key] = template.render(variables, parse_result=key == "availability")
            except TemplateError as err:
                _LOGGER.error("Error rendering %s template for %s: %s", key, self.entity_id, err)
                self._render_failed = True
                self._rendered = dict(self._static)
                return
        self._render_failed = False
        self._rendered = rendered

    def available(self, data: str | None) -> bool:
        # Only a rendered False makes it unavailable: None (or "off") does not.
        return (
            data is not None
            and not self._render_failed
            and self._rendered.get("availability") is not False
        )

    def write(
        self,
        state: str,
        available: bool,
        context: Context,
        fixed: Mapping[str, Any],
        reading: Mapping[str, Any] | None = None,
    ) -> None:
        """Write ``state`` with the ``fixed`` attributes and, while available, those of
        its ``reading``."""
        shown: dict[str, Any] = dict(fixed)
        if available:
            shown.update(reading or {})
        for key, attribute in _SHOWN:
            if self._rendered.get(key) is not None:
                shown[attribute] = self._rendered[key]
        self.runtime.states.set(
            self.entity_id,
            state if available else "unavailable",
            with_registry_names(self.runtime, self.entity_id, shown),
            context=context,
            force_update=self.options.force_update,
        )


class RestSensor(RestEntity):
    """The reply through ``value_template``; JSON keys as attributes."""

    def __init__(
        self,
        runtime: Runtime,
        options: RestEntityOptions,
        entity_id: str,
        refresh: Callable[[], Awaitable[None]],
    ) -> None:
        super().__init__(runtime, options, entity_id, refresh)
        self._definition = plain_sensor_definition(
            runtime, entity_id, options.unit, options.device_class, options.state_class
        )
        self._reading: dict[str, Any] = {}

    def update(self, data: str | None, media_type: str, context: Context) -> None:
        data = reply_as_json(data, media_type)  # a sensor reads an XML reply as JSON
        if self.options.json_attributes:
            path = self.options.json_attributes_path
            self._reading = json_attributes(data, self.options.json_attributes, path)
        value = None if data is None else render_value(self.options.value_template, data, None)
        state = _sensor_state(self._definition, value)
        self._write(state, data, context)
        self._render_templates(data)
        self._write(state, data, context)

    def _write(self, state: str | None, data: str | None, context: Context) -> None:
        available = self.available(data)
        if state is None and available:  # a value a numeric sensor refuses: the last stays
            return
        fixed = self._definition.fixed_attributes()
        self.write(state or "unknown", available, context, fixed, self._reading)


class RestBinarySensor(RestEntity):
    """On or off as the (templated) reply reads."""

    def update(self, data: str | None, media_type: str, context: Context) -> None:
        # As in Home Assistant, a binary sensor reads an XML reply as text.
        fixed = {"device_class": self.options.device_class} if self.options.device_class else {}
        if data is None:
            self.write("off", False, context, fixed)
            return
        response = render_value(self.options.value_template, data, False)
        state = "on" if _is_on(response) else "off"
        self.write(state, self.available(data), context, fixed)
        self._render_templates(data)
        self.write(state, self.available(data), context, fixed)


def _is_on(response: Any) -> bool:
    """A whole number other than 0, or one of the words for on."""
    try:
        return bool(int(response))
    except ValueError:
        return str(response).lower() in _ON_WORDS
