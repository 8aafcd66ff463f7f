"""``system_log``: automations writing to the house's log, and ``system_log_event``.

As Home Assistant 2024.3: ``write`` logs ``message`` at ``level`` (``error`` unless
given) to the logger named ``logger`` (else the integration's ``external`` one).
With ``system_log: {fire_event: true}``, every record of level WARNING or above that
reaches the root logger, from any logger, fires ``system_log_event`` with what Home
Assistant's event holds: ``name``, ``message`` (a list), ``level``, ``source`` (file
and line), ``timestamp``, ``exception``, ``count`` and ``first_occurred``. Home
Assistant keeps the last ``max_entries`` of them for its frontend, and ``clear``
empties that list; homeloom has no such page, so it keeps none (``max_entries`` is
checked, then unused) and ``clear`` has nothing to empty. Never held by the autonomy
gate: logging is how a scenario explains.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, PositiveInt, ValidationError

from homeloom.orchestrator import ConfigIssue, Runtime, ServiceCall

__all__ = ["EVENT_SYSTEM_LOG", "EXTERNAL_LOGGER", "SystemLogEvents", "setup_system_log"]

DOMAIN = "system_log"
EVENT_SYSTEM_LOG = "system_log_event"
EXTERNAL_LOGGER = "homeloom.system_log.external"
_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}
# Sources are told relative to homeloom's package (as Home Assistant tells them
# relative to its own), else by their whole path.
_PACKAGE_DIR = str(Path(__file__).resolve().parents[1]) + "/"


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_entries: PositiveInt = 50
    fire_event: bool = False


class _Write(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str
    level: Literal["debug", "info", "warning", "error", "critical"] = "error"
    logger: str | None = None


class _Clear(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _write(call: ServiceCall) -> None:
    logger = logging.getLogger(call.data.get("logger") or EXTERNAL_LOGGER)
    logger.log(_LEVELS[call.data.get("level", "error")], "%s", call.data["message"])


def _clear(call: ServiceCall) -> None:
    """No list of recent errors is kept: nothing to empty."""


def _message(record: logging.LogRecord) -> str:
    """The record's text; a call with the wrong arguments must not break logging."""
    try:
        return record.getMessage()
    except Exception:  # any formatting error: say what was given
        return f"Bad logger message: {record.msg!r} ({record.args!r})"


def _source(record: logging.LogRecord) -> tuple[str, int]:
    """Where the record was logged: for an exception, the innermost frame in homeloom."""
    if record.exc_info and record.exc_info[2] is not None:
        for frame in reversed(traceback.extract_tb(record.exc_info[2])):
            if frame.filename.startswith(_PACKAGE_DIR):
                return frame.filename.removeprefix(_PACKAGE_DIR), frame.lineno or 0
    return record.pathname.removeprefix(_PACKAGE_DIR), record.lineno


class SystemLogEvents(logging.Handler):
    """On the root logger while the house runs: fires ``system_log_event`` for each
    record of WARNING or above, on the house's event loop whichever thread logged."""

    def __init__(self, runtime: Runtime, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(logging.WARNING)
        self._runtime = runtime
        self._loop = loop
        self._loop_thread = threading.get_ident()
        # A record logged by a listener while the event is dispatched fires none:
        # the handler never recurses into its own event.
        self._firing = False

    def emit(self, record: logging.LogRecord) -> None:
        if self._firing:
            return
        data = self._event_data(record)
        if threading.get_ident() == self._loop_thread:
            self._fire(data)
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._fire, data)

    def _event_data(self, record: logging.LogRecord) -> dict[str, Any]:
        # The house's clock, not the record's: a simulated day tells its own time.
        timestamp = self._runtime.now().timestamp()
        exception = ""
        if record.exc_info:
            exception = "".join(traceback.format_exception(*record.exc_info))
        return {
            "name": record.name,
            "message": [_message(record)],
            "level": record.levelname,
            "source": _source(record),
            "timestamp": timestamp,
            "exception": exception,
            # Each event is one record: Home Assistant counts repeats only in its list.
            "count": 1,
            "first_occurred": timestamp,
        }

    def _fire(self, data: Mapping[str, Any]) -> None:
        self._firing = True
        try:
            self._runtime.bus.fire(EVENT_SYSTEM_LOG, data)
        finally:
            self._firing = False


def _settings(config: Mapping[str, Any]) -> tuple[_Settings, list[ConfigIssue]]:
    block = config.get(DOMAIN)
    try:
        return _Settings.model_validate(block or {}), []
    except ValidationError as error:
        issues = [
            ConfigIssue(f"{'.'.join(map(str, e['loc']))}: {e['msg']}", key=DOMAIN)
            for e in error.errors()
        ]
        return _Settings(), issues


def setup_system_log(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Register the services and, with ``fire_event``, the handler firing the event."""
    runtime.services.register(DOMAIN, "write", _write, schema=_Write)
    runtime.services.register(DOMAIN, "clear", _clear, schema=_Clear)
    settings, issues = _settings(config)
    if settings.fire_event:
        _fire_events_while_running(runtime)
    return issues


def _fire_events_while_running(runtime: Runtime) -> None:
    handlers: list[SystemLogEvents] = []

    def install() -> None:
        handlers.append(SystemLogEvents(runtime, asyncio.get_running_loop()))
        logging.getLogger().addHandler(handlers[-1])

    def remove() -> None:
        for handler in handlers:
            logging.getLogger().removeHandler(handler)
        handlers.clear()

    runtime.on_start(install)
    runtime.on_stop(remove)
