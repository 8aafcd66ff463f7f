"""What every ``command_line:`` entity shares: running its command (through a shell,
within ``command_timeout``), rendering its templates, polling and writing its state."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Mapping
from typing import Any

from homeloom.orchestrator import Context, Runtime

from ._command_line_config import CommandOptions
from ._commands import run_command_line
from ._registered_ids import with_registry_names
from ._template_states import TemplateState
from ._templates import TemplateError, get_template_engine

__all__ = ["CommandEntity", "exit_code_of", "output_of", "value_variables"]

_LOGGER = logging.getLogger(__name__)


async def output_of(command: str, timeout_s: int) -> str | None:
    """What ``command`` printed, stripped; None (and an error logged) when it failed."""
    try:
        output = await run_command_line(command, timeout_s)
    except TimeoutError:
        _LOGGER.error("Timeout for command: %s", command)
        return None
    except OSError as err:
        _LOGGER.error("Error trying to exec command: %s: %s", command, err)
        return None
    if output.returncode != 0:
        _LOGGER.error("Command failed (with return code %s): %s", output.returncode, command)
        return None
    return output.stdout.strip()


async def exit_code_of(command: str, timeout_s: int) -> int:
    """``command``'s exit code; -1 when it could not run or ran out of time."""
    try:
        return (await run_command_line(command, timeout_s)).returncode
    except TimeoutError:
        _LOGGER.error("Timeout for command: %s", command)
    except OSError as err:
        _LOGGER.error("Error trying to exec command: %s: %s", command, err)
    return -1


def value_variables(value: Any) -> dict[str, Any]:
    """A value template's variables: ``value``, and ``value_json`` when it reads as JSON."""
    variables: dict[str, Any] = {"value": value}
    if isinstance(value, str):
        with contextlib.suppress(ValueError, RecursionError):
            variables["value_json"] = json.loads(value)
    return variables


class CommandEntity:
    """What every command line entity shares: its templates, its polls, its writes."""

    def __init__(self, runtime: Runtime, options: CommandOptions, entity_id: str) -> None:
        self.runtime = runtime
        self.options = options
        self.entity_id = entity_id
        self.polls = True
        self._icon: Any = None
        self._availability: Any = None
        self._templates_failed = False
        self._updating = False
        self._last_output: str | None = None
        # A template without code shows as written ("false" is then no False).
        for template, attribute in (
            (options.icon, "_icon"),
            (options.availability, "_availability"),
        ):
            if template is not None and template.is_static:
                setattr(self, attribute, template.source)

    def start(self) -> None:
        self.runtime.services.set_refresher(self.entity_id, self.refresh)
        if self.polls:
            interval = self.options.scan_interval_s
            self.runtime.scheduler.call_every(interval, lambda _: self.refresh())

    def refresh(self) -> Awaitable[None]:
        return self.update(Context())

    async def update(self, context: Context) -> None:
        """Work the state out again, unless an update is still running (skipped, as in
        Home Assistant, whose poll would otherwise pile up behind a slow command)."""
        if self._updating:
            _LOGGER.warning(
                "Updating %s took longer than its update interval %s s",
                self.entity_id,
                self.options.scan_interval_s,
            )
            return
        self._updating = True
        try:
            await self._update(context)
        finally:
            self._updating = False

    async def _update(self, context: Context) -> None:
        raise NotImplementedError

    async def read_output(self) -> str | None:
        """Run the command; its program's arguments may be a template. A template that
        fails leaves the last output, as Home Assistant does."""
        command = self.options.commands["command"]
        program, _, arguments = command.partition(" ")
        engine = get_template_engine(self.runtime)
        if arguments and engine.is_template(arguments):
            try:
                rendered = engine.template(arguments).render(
                    {"arguments": arguments}, parse_result=False
                )
            except TemplateError as err:
                _LOGGER.error("%s: error rendering the command: %s", self.entity_id, err)
                return self._last_output
            command = f"{program} {rendered}"
        self._last_output = await output_of(command, self.options.timeout_s)
        return self._last_output

    def render_value(self, value: str | None) -> str | None:
        """``value`` through ``value_template``; None when the template fails."""
        template = self.options.value_template
        if template is None:
            return value
        try:
            return str(template.render(value_variables(value), parse_result=False))
        except TemplateError as err:
            _LOGGER.warning("%s: value_template: %s", self.entity_id, err)
            return None

    def render_templates(self, value: Any) -> None:
        """``icon`` and ``availability`` rendered with ``value``; a failure makes the
        entity unavailable until they render again."""
        current = self.runtime.states.get(self.entity_id)
        variables = {"this": TemplateState(current) if current else None, **value_variables(value)}
        icon, availability = self.options.icon, self.options.availability
        try:
            if icon is not None and not icon.is_static:
                self._icon = icon.render(variables, parse_result=False)
            if availability is not None and not availability.is_static:
                self._availability = availability.render(variables)
        except TemplateError as err:
            _LOGGER.error("%s: error rendering a template: %s", self.entity_id, err)
            self._templates_failed = True
            return
        self._templates_failed = False

    @property
    def available(self) -> bool:
        # Only a rendered False makes it unavailable: "off" or 0 do not, here.
        return not self._templates_failed and self._availability is not False

    def write(
        self,
        state: str,
        context: Context,
        *,
        fixed: Mapping[str, Any] | None = None,
        reading: Mapping[str, Any] | None = None,
    ) -> None:
        """Write ``state`` with the ``fixed`` attributes (what the entity is) and, while
        it is available, those of its ``reading``."""
        shown: dict[str, Any] = dict(fixed or {})
        if self.available:
            shown.update(reading or {})
        if self._icon:
            shown["icon"] = self._icon
        if self.options.name:
            shown["friendly_name"] = self.options.name
        self.runtime.states.set(
            self.entity_id,
            state if self.available else "unavailable",
            with_registry_names(self.runtime, self.entity_id, shown),
            context=context,
        )
