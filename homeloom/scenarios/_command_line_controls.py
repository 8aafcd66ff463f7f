"""``command_line:`` switches and covers: commands that act, and a ``command_state``
one that tells (see :mod:`homeloom.scenarios._command_line`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping
from typing import Any

from homeloom.orchestrator import Context, Runtime

from ._command_line_config import CommandOptions
from ._command_line_entity import CommandEntity, exit_code_of, output_of

__all__ = ["CommandCover", "CommandSwitch"]

_LOGGER = logging.getLogger(__name__)
# A cover that can open, close and stop (Home Assistant's feature bits).
_COVER_FEATURES = 1 | 2 | 8
_SET_POSITION = 4


class _CommandedEntity(CommandEntity):
    """A switch or cover: service calls run its commands, and it polls only when a
    ``command_state`` tells its state."""

    def __init__(self, runtime: Runtime, options: CommandOptions, entity_id: str) -> None:
        super().__init__(runtime, options, entity_id)
        self.state_command = options.commands.get("command_state")
        self.polls = self.state_command is not None

    def start(self) -> None:
        super().start()
        self.runtime.services.set_provider(self.entity_id, self.command, internal=True)
        self._write(Context())

    def command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        raise NotImplementedError

    def _write(self, context: Context) -> None:
        raise NotImplementedError


class CommandSwitch(_CommandedEntity):
    """Optimistic without ``command_state``; else what it says, after each command."""

    def __init__(self, runtime: Runtime, options: CommandOptions, entity_id: str) -> None:
        super().__init__(runtime, options, entity_id)
        self.is_on: bool | None = False

    def command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        if service == "toggle":
            service = "turn_off" if self.is_on else "turn_on"
        if service not in ("turn_on", "turn_off"):
            return None
        return self._switch(service == "turn_on", context)

    async def _switch(self, on: bool, context: Context) -> None:
        command = self.options.commands["command_on" if on else "command_off"]
        succeeded = await exit_code_of(command, self.options.timeout_s) == 0
        if not succeeded:
            _LOGGER.error("Command failed: %s", command)
        elif self.state_command is None:
            self.is_on = on
            self._write(context)
        await self.update(context)

    async def _update(self, context: Context) -> None:
        if self.state_command is None:
            return
        timeout = self.options.timeout_s
        if self.options.value_template is not None:
            payload = str(await output_of(self.state_command, timeout))
        else:
            payload = str(await exit_code_of(self.state_command, timeout) == 0)
        value = None if self.options.value_template is None else self.render_value(payload)
        # As Home Assistant: on only for "true" (any case); nothing at all is unknown.
        self.is_on = (value or payload).lower() == "true" if payload or value else None
        self.render_templates(payload)
        self._write(context)

    def _write(self, context: Context) -> None:
        state = "unknown" if self.is_on is None else "on" if self.is_on else "off"
        optimistic = {"assumed_state": True} if self.state_command is None else None
        self.write(state, context, fixed=optimistic)


class CommandCover(_CommandedEntity):
    """Opens, closes and stops with its commands; its position is ``command_state``'s."""

    _MOVES = {"open_cover": "command_open", "close_cover": "command_close"}

    def __init__(self, runtime: Runtime, options: CommandOptions, entity_id: str) -> None:
        super().__init__(runtime, options, entity_id)
        self.position: int | None = None

    def command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        if service == "toggle":  # Home Assistant opens a closed cover, else closes it
            service = "open_cover" if self.position == 0 else "close_cover"
        key = {**self._MOVES, "stop_cover": "command_stop"}.get(service)
        return None if key is None else self._move(self.options.commands[key], context)

    async def _move(self, command: str, context: Context) -> None:
        code = await exit_code_of(command, self.options.timeout_s)
        if code != 0:
            _LOGGER.error("Command failed (with return code %s): %s", code, command)
        await self.update(context)

    async def _update(self, context: Context) -> None:
        if self.state_command is None:
            return
        payload: str | None = str(await output_of(self.state_command, self.options.timeout_s))
        if self.options.value_template is not None:
            payload = self.render_value(payload)
        try:
            self.position = int(payload) if payload else None
        except ValueError:
            # Home Assistant's update fails there: the last state stays.
            _LOGGER.error("%s: the position %r is not a whole number", self.entity_id, payload)
            return
        self.render_templates(payload)
        self._write(context)

    def _write(self, context: Context) -> None:
        if self.position is None:
            self.write("unknown", context, fixed={"supported_features": _COVER_FEATURES})
            return
        # As Home Assistant: a cover with a position counts as able to be set to one.
        features = {"supported_features": _COVER_FEATURES | _SET_POSITION}
        state = "closed" if self.position == 0 else "open"
        self.write(state, context, fixed=features, reading={"current_position": self.position})
