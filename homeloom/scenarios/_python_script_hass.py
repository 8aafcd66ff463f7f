"""What a ``python_script`` is given: ``hass`` (states, services, bus), ``time``,
``dt_util`` and ``logger``, as Home Assistant 2024.3 gives them, and nothing more.

A script runs in a worker thread (see ``_python_script``); the house lives on its
event loop. Reading a state reads the store directly (a dict lookup, as Home
Assistant's scripts do from their executor thread); writing a state, firing an
event and calling a service are handed to the loop and waited for. Writes, events
and calls carry the context of the ``python_script`` call, so the chain of causes
(and the autonomy rules that read it) goes through the script; Home Assistant
gives them a fresh context, with no parent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from time import struct_time
from typing import Any, NoReturn

from homeloom.orchestrator import Context, Runtime, State

from ._python_script_sandbox import ScriptFacade, ScriptStopped
from ._template_time import _humanize

__all__ = ["DateTimeFacade", "HassFacade", "LoggerFacade", "ScriptHost", "TimeFacade"]

_LOGGER = logging.getLogger(__name__.rpartition("_hass")[0])
# How often a script waiting for the loop looks whether the house is stopping.
_STOP_POLL_S = 0.5


class ScriptHost:
    """One script run's way to the house: its loop, its context, the stop signal."""

    def __init__(self, runtime: Runtime, loop: asyncio.AbstractEventLoop, context: Context) -> None:
        self.runtime = runtime
        self.loop = loop
        self.context = context
        self.stop = threading.Event()

    def on_loop(self, function: Callable[[], Any]) -> Any:
        """Run ``function`` on the event loop and wait for its result (or the stop)."""
        future = asyncio.run_coroutine_threadsafe(_as_coroutine(function), self.loop)
        while True:
            try:
                return future.result(timeout=_STOP_POLL_S)
            except TimeoutError:
                if self.stop.is_set():
                    future.cancel()
                    raise ScriptStopped("stopped: the house is stopping") from None


async def _as_coroutine(function: Callable[[], Any]) -> Any:
    result = function()
    if asyncio.iscoroutine(result):
        return await result
    return result


class _ReadOnlyDict(dict[str, Any]):
    """A state's attributes: read, copied (``.copy()`` is a plain dict), not changed."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("Cannot modify ReadOnlyDict")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse

    def copy(self) -> dict[str, Any]:
        return dict(self)


class StateView(ScriptFacade):
    """A state as a script reads it."""

    # ``_state``: what the derived names are read from; the sandbox refuses names
    # starting with an underscore, so the script never reaches the State itself.
    __slots__ = ("_state", "attributes", "entity_id", "last_changed", "last_updated", "state")
    SCRIPT_NAMES = frozenset(
        {"attributes", "entity_id", "last_changed", "last_updated", "state"}
        | {"domain", "name", "object_id", "as_dict"}
    )
    SCRIPT_TYPE = "State"

    def __init__(self, state: State) -> None:
        self._state = state
        self.entity_id = state.entity_id
        self.state = state.state
        self.attributes = _ReadOnlyDict(state.attributes)
        self.last_changed = state.last_changed
        self.last_updated = state.last_updated

    @property
    def domain(self) -> str:
        return self._state.domain

    @property
    def object_id(self) -> str:
        return self._state.object_id

    @property
    def name(self) -> str:
        return self._state.name

    def as_dict(self) -> dict[str, Any]:
        shown = self._state.as_dict()
        del shown["context"]  # a script reaches no context (the sandbox's guard)
        return shown

    def __repr__(self) -> str:
        return f"<state {self.entity_id}={self.state}>"


class StatesFacade(ScriptFacade):
    __slots__ = ("_host",)
    SCRIPT_NAMES = frozenset(
        {"entity_ids", "all", "get", "is_state", "is_state_attr", "remove", "set"}
    )
    SCRIPT_TYPE = "StateMachine"

    def __init__(self, host: ScriptHost) -> None:
        self._host = host

    def get(self, entity_id: str) -> StateView | None:
        state = self._host.runtime.states.get(str(entity_id).lower())
        return StateView(state) if state is not None else None

    def entity_ids(self, domain_filter: str | Iterable[str] | None = None) -> list[str]:
        return [state.entity_id for state in self.all(domain_filter)]

    def all(self, domain_filter: str | Iterable[str] | None = None) -> list[StateView]:
        states = self._host.runtime.states.all()
        if domain_filter is not None:
            domains = {domain_filter} if isinstance(domain_filter, str) else set(domain_filter)
            states = [state for state in states if state.domain in domains]
        return [StateView(state) for state in states]

    def is_state(self, entity_id: str, state: str) -> bool:
        found = self.get(entity_id)
        return found is not None and found.state == state

    def is_state_attr(self, entity_id: str, name: str, value: Any) -> bool:
        found = self.get(entity_id)
        return found is not None and found.attributes.get(name) == value

    def set(
        self,
        entity_id: str,
        new_state: Any,
        attributes: Mapping[str, Any] | None = None,
        force_update: bool = False,
    ) -> None:
        """Write a state; its attributes are ``attributes`` alone, as in Home Assistant."""
        host = self._host
        text, written = str(new_state), dict(attributes or {})
        host.on_loop(
            lambda: host.runtime.states.set(
                str(entity_id),
                text,
                written,
                context=host.context,
                force_update=force_update,
                raw=True,  # hass.states.async_set: no customize laid over
            )
        )

    def remove(self, entity_id: str) -> bool:
        host = self._host
        removed: bool = host.on_loop(
            lambda: host.runtime.states.remove(str(entity_id).lower(), context=host.context)
        )
        return removed


class ServicesFacade(ScriptFacade):
    __slots__ = ("_host",)
    SCRIPT_NAMES = frozenset({"services", "has_service", "call"})
    SCRIPT_TYPE = "ServiceRegistry"

    def __init__(self, host: ScriptHost) -> None:
        self._host = host

    @property
    def services(self) -> dict[str, dict[str, str]]:
        """Each domain's services and their descriptions."""
        registered = self._host.runtime.services.all()
        return {
            domain: {name: entry.description for name, entry in services.items()}
            for domain, services in registered.items()
        }

    def has_service(self, domain: str, service: str) -> bool:
        return self._host.runtime.services.has(domain, service)

    def call(
        self,
        domain: str,
        service: str,
        service_data: Mapping[str, Any] | None = None,
        blocking: bool = False,
        target: Mapping[str, Any] | None = None,
        return_response: bool = False,
    ) -> Any:
        """Call a service through the house's registry. Not ``blocking``: once the call
        is accepted (an unknown service raises here), without waiting for it."""
        host = self._host
        services = host.runtime.services
        data = dict(service_data or {})

        async def call() -> Any:
            prepared = services.prepare(
                domain,
                service,
                data,
                target=target,
                context=host.context,
                return_response=return_response,
            )
            if blocking or return_response:
                return await services.run(prepared)
            host.runtime.create_task(_run_logged(services.run(prepared), f"{domain}.{service}"))
            return None

        return host.on_loop(call)


async def _run_logged(pending: Any, name: str) -> None:
    try:
        await pending
    except Exception:
        _LOGGER.exception("Error executing service %s called by a python_script", name)


class BusFacade(ScriptFacade):
    __slots__ = ("_host",)
    SCRIPT_NAMES = frozenset({"fire"})
    SCRIPT_TYPE = "EventBus"

    def __init__(self, host: ScriptHost) -> None:
        self._host = host

    def fire(self, event_type: str, event_data: Mapping[str, Any] | None = None) -> None:
        host, data = self._host, dict(event_data or {})
        host.on_loop(lambda: host.runtime.bus.fire(str(event_type), data, host.context))


class HassFacade(ScriptFacade):
    """``hass`` in a script: its ``states``, ``services`` and ``bus``, nothing else."""

    __slots__ = ("bus", "services", "states")
    SCRIPT_NAMES = frozenset({"bus", "services", "states"})
    SCRIPT_TYPE = "HomeAssistant"

    def __init__(self, host: ScriptHost) -> None:
        self.states = StatesFacade(host)
        self.services = ServicesFacade(host)
        self.bus = BusFacade(host)


class TimeFacade(ScriptFacade):
    """``time``: the house's clock; ``sleep`` warns once and waits (in the script's
    thread), cut short when the house stops."""

    __slots__ = ("_host", "_warned")
    SCRIPT_NAMES = frozenset(
        {"sleep", "strftime", "strptime", "gmtime", "localtime", "ctime", "time", "mktime"}
    )
    SCRIPT_TYPE = "TimeWrapper"
    strptime = staticmethod(time.strptime)
    mktime = staticmethod(time.mktime)

    def __init__(self, host: ScriptHost, warned: list[bool]) -> None:
        self._host = host
        self._warned = warned  # shared by the house's runs: one warning per house

    def sleep(self, seconds: float) -> None:
        if not self._warned[0]:
            self._warned[0] = True
            _LOGGER.warning("Using time.sleep can reduce the performance of Home Assistant")
        if self._host.stop.wait(max(0.0, float(seconds))):
            raise ScriptStopped("stopped: the house is stopping")

    def time(self) -> float:
        return self._host.runtime.now().timestamp()

    def gmtime(self, seconds: float | None = None) -> struct_time:
        return time.gmtime(self.time() if seconds is None else seconds)

    def localtime(self, seconds: float | None = None) -> struct_time:
        return time.localtime(self.time() if seconds is None else seconds)

    def ctime(self, seconds: float | None = None) -> str:
        return time.ctime(self.time() if seconds is None else seconds)

    def strftime(self, fmt: str, moment: Any = None) -> str:
        return time.strftime(fmt, self.localtime() if moment is None else moment)


class DateTimeFacade(ScriptFacade):
    """``dt_util``: Home Assistant's date helpers a script may use, on the house's clock
    and time zone."""

    __slots__ = ("_host",)
    SCRIPT_NAMES = frozenset(
        {"utcnow", "now", "as_utc", "as_timestamp", "as_local", "utc_from_timestamp"}
        | {"start_of_local_day", "parse_datetime", "parse_date", "get_age"}
    )
    SCRIPT_TYPE = "module"

    def __init__(self, host: ScriptHost) -> None:
        self._host = host

    @property
    def _zone(self) -> dt.tzinfo:
        return self._host.runtime.settings.tz

    def utcnow(self) -> dt.datetime:
        return self._host.runtime.now().astimezone(dt.UTC)

    def now(self, time_zone: dt.tzinfo | None = None) -> dt.datetime:
        return self._host.runtime.now().astimezone(time_zone or self._zone)

    def as_utc(self, moment: dt.datetime) -> dt.datetime:
        return (moment if moment.tzinfo else moment.replace(tzinfo=self._zone)).astimezone(dt.UTC)

    def as_local(self, moment: dt.datetime) -> dt.datetime:
        return (moment if moment.tzinfo else moment.replace(tzinfo=self._zone)).astimezone(
            self._zone
        )

    def as_timestamp(self, value: dt.datetime | str) -> float:
        moment = value if isinstance(value, dt.datetime) else self.parse_datetime(str(value))
        if moment is None:
            raise ValueError("not a valid date/time.")
        return moment.timestamp()

    def utc_from_timestamp(self, seconds: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)

    def start_of_local_day(self, day: dt.date | dt.datetime | None = None) -> dt.datetime:
        if day is None:
            day = self.now().date()
        elif isinstance(day, dt.datetime):
            day = day.date()
        return dt.datetime.combine(day, dt.time(), tzinfo=self._zone)

    def parse_datetime(self, text: str, *, raise_on_error: bool = False) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            if raise_on_error:
                raise
            return None

    def parse_date(self, text: str) -> dt.date | None:
        try:
            return dt.datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            return None

    def get_age(self, moment: dt.datetime) -> str:
        # Local now, as Home Assistant's dt_util.get_age (wall clocks in the house's zone).
        return _humanize((self._host.runtime.local_now() - moment).total_seconds())


class LoggerFacade(ScriptFacade):
    """``logger``: the script's own logger (``homeloom.scenarios._python_script.<file>``,
    as Home Assistant's ``homeassistant.components.python_script.<file>``), its logging
    methods only: the logging tree holds handlers that know the house."""

    __slots__ = ("_logger",)
    SCRIPT_NAMES = frozenset(
        {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "name"}
    )
    SCRIPT_TYPE = "Logger"

    def __init__(self, filename: str) -> None:
        self._logger = logging.getLogger(f"{_LOGGER.name}.{filename}")

    @property
    def name(self) -> str:
        return self._logger.name

    def debug(self, msg: Any, *args: Any) -> None:
        self._logger.debug(msg, *args)

    def info(self, msg: Any, *args: Any) -> None:
        self._logger.info(msg, *args)

    def warning(self, msg: Any, *args: Any) -> None:
        self._logger.warning(msg, *args)

    warn = warning

    def error(self, msg: Any, *args: Any) -> None:
        self._logger.error(msg, *args)

    def exception(self, msg: Any, *args: Any) -> None:
        self._logger.error(msg, *args)

    def critical(self, msg: Any, *args: Any) -> None:
        self._logger.critical(msg, *args)

    def log(self, level: int, msg: Any, *args: Any) -> None:
        self._logger.log(level, msg, *args)
