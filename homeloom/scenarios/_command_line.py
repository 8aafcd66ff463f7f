"""``command_line:`` entities, as Home Assistant 2024.3 makes them: sensors, binary
sensors, switches and covers whose state a command line on the house's machine
prints, and notify services that give their message to one on its standard input.

Every command is given to a shell, with ``command_timeout`` seconds (15) to finish;
one that fails, exits with other than 0 or runs out of time counts as printing
nothing (Home Assistant's ``None``). A sensor's or binary sensor's command may hold
templates after its program name.

* A sensor runs its command at setup and every ``scan_interval`` (60 s): its state is
  the output, stripped, through ``value_template`` (``value``, ``value_json``);
  ``unknown`` for a failure. ``json_attributes`` take those keys of the output's
  JSON object as attributes, the state then ``unknown`` without a ``value_template``.
* A binary sensor compares the (templated) output with ``payload_on``/``payload_off``
  (``ON``/``OFF``); anything else is ``unknown``.
* A switch without ``command_state`` is optimistic (``assumed_state``): it starts
  off and follows its commands when they exit with 0. With one it is polled every
  ``scan_interval`` (30 s, the first poll then, not at setup) and after each
  command: on when ``command_state`` exits with 0, or, with a ``value_template``,
  when the template renders ``true``.
* A cover's position is ``command_state``'s output (through ``value_template``),
  polled every 15 s and after each move; without it the cover stays ``unknown``.

``icon`` and ``availability`` are templates rendered after each update with
``value``; the entity is unavailable when ``availability`` renders ``false``
(``off`` is not false there) or a template fails. A sensor writes its state
before rendering them, so a new icon or availability shows from its next update,
as in Home Assistant. ``homeassistant.update_entity`` runs the update at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Runtime, ServiceCall

from ._command_line_config import KINDS, CommandOptions, read_command_options
from ._command_line_controls import CommandCover, CommandSwitch
from ._command_line_entity import CommandEntity
from ._commands import run_command_line
from ._notify_groups import _GroupCall
from ._platform_options import OptionError, option_issue
from ._registered_ids import registered_entity_id
from ._slugs import entity_slug
from ._template_entity_config import plain_sensor_definition
from ._template_entity_values import _sensor_state
from ._templates import TemplateError, get_template_engine

__all__ = ["setup_command_line", "take_first_readings"]

_LOGGER = logging.getLogger(__name__)
DOMAIN = "command_line"


class CommandSensor(CommandEntity):
    """The (templated) output of its command, its JSON keys as attributes."""

    def __init__(self, runtime: Runtime, options: CommandOptions, entity_id: str) -> None:
        super().__init__(runtime, options, entity_id)
        self._written_once = False
        self._definition = plain_sensor_definition(
            runtime, entity_id, options.unit, options.device_class, options.state_class
        )

    async def _update(self, context: Context) -> None:
        value = await self.read_output()
        json_attributes: dict[str, Any] = {}
        if self.options.json_attributes:
            json_attributes = self._json_attributes(value)
        if value is not None:
            value = self.render_value(value)
        # The output is for the attributes alone when no template reads it.
        for_attributes = self.options.json_attributes and self.options.value_template is None
        state = _sensor_state(self._definition, None if for_attributes else value)
        # As Home Assistant: after setup, the state is written before the templates
        # render, so what they say shows from the next update.
        if self._written_once and self._definition.device_class not in ("date", "timestamp"):
            self._write(state, json_attributes, context)
            self.render_templates(value)
            return
        self.render_templates(value)
        self._write(state, json_attributes, context)
        self._written_once = True

    def _json_attributes(self, value: str | None) -> dict[str, Any]:
        if not value:
            _LOGGER.warning("%s: empty reply found when expecting JSON data", self.entity_id)
            return {}
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            _LOGGER.warning("%s: unable to parse output as JSON: %s", self.entity_id, value)
            return {}
        if not isinstance(parsed, Mapping):
            _LOGGER.warning("%s: JSON result was not a dictionary", self.entity_id)
            return {}
        return {key: parsed[key] for key in self.options.json_attributes or () if key in parsed}

    def _write(
        self, state: str | None, json_attributes: Mapping[str, Any], context: Context
    ) -> None:
        if state is None:  # a non-numeric value for a numeric sensor: the last one stays
            return
        fixed = self._definition.fixed_attributes()
        self.write(state, context, fixed=fixed, reading=json_attributes)


class CommandBinarySensor(CommandEntity):
    """On or off as its (templated) output is ``payload_on`` or ``payload_off``."""

    async def _update(self, context: Context) -> None:
        value = self.render_value(await self.read_output())
        state = "unknown"
        if value == self.options.payload_on:
            state = "on"
        elif value == self.options.payload_off:
            state = "off"
        self.render_templates(value)
        device_class = self.options.device_class
        self.write(state, context, fixed={"device_class": device_class} if device_class else None)


_ENTITIES: dict[str, type[CommandEntity]] = {
    "sensor": CommandSensor,
    "binary_sensor": CommandBinarySensor,
    "switch": CommandSwitch,
    "cover": CommandCover,
}


def _notify_service(runtime: Runtime, options: CommandOptions) -> None:
    """``notify.<name>`` (``notify.notify`` without one): the message, rendered once
    more as Home Assistant's notify services do, goes to the command's standard input."""
    command = options.commands["command"]

    async def send(call: ServiceCall) -> None:
        message = call.data.get("message")
        try:
            text = get_template_engine(runtime).template(str(message)).render(parse_result=False)
        except TemplateError as err:
            _LOGGER.error("notify: error rendering the message: %s", err)
            return
        try:
            output = await run_command_line(command, options.timeout_s, stdin=str(text))
        except TimeoutError:
            _LOGGER.error("Timeout for command: %s", command)
            return
        except OSError as err:
            _LOGGER.error("Error trying to exec command: %s: %s", command, err)
            return
        if output.returncode != 0:
            _LOGGER.error("Command failed (with return code %s): %s", output.returncode, command)

    service = entity_slug(options.name or "notify")
    runtime.services.register("notify", service, send, schema=_GroupCall)


def setup_command_line(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Make every ``command_line:`` item's entity or notify service; a bad item is
    reported and skipped."""
    block = config.get(DOMAIN)
    if block is None:
        return []
    items = block if isinstance(block, list) else [block]
    issues: list[ConfigIssue] = []
    entities: list[CommandEntity] = []
    taken: set[str] = set()
    for index, item in enumerate(items):
        where = f"{DOMAIN}[{index}]"
        if not isinstance(item, Mapping):
            issues.append(option_issue(item, where, OptionError(None, _ITEM_HELP)))
            continue
        for kind, options_item in item.items():
            if kind not in KINDS:
                message = f"unknown key {kind!r}; valid: {', '.join(KINDS)}"
                issues.append(option_issue(item, where, OptionError(str(kind), message)))
                continue
            try:
                options = read_command_options(runtime, kind, options_item)
            except OptionError as err:
                issues.append(option_issue(options_item, f"{where}.{kind}", err, (item, kind)))
                continue
            if kind == "notify":
                _notify_service(runtime, options)
                continue
            base = f"{kind}.{entity_slug(options.name or kind)}"
            entity_id = registered_entity_id(
                runtime, base, taken, "command_line", options.unique_id
            )
            if entity_id is None:  # not added, as Home Assistant does not
                continue
            entities.append(_ENTITIES[kind](runtime, options, entity_id))
    for entity in entities:
        entity.start()
    readers = [e for e in entities if isinstance(e, CommandSensor | CommandBinarySensor)]
    if readers:
        runtime.components[DOMAIN] = readers
    return issues


async def take_first_readings(runtime: Runtime) -> None:
    """The sensors' and binary sensors' first readings, as Home Assistant takes them
    while setting up: before automations listen (so they are no change to them), yet
    only when the house starts, so that checking its configuration runs no command."""
    for reader in runtime.components.pop(DOMAIN, ()):
        await reader.update(Context())


_ITEM_HELP = "each item holds one of: " + ", ".join(KINDS) + " (with its options)"
