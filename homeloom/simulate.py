"""``homeloom simulate``: replay an events file against a configuration's scenarios.

The file format and the output are specified in the shared
``reference/events-file.md``; other engines are compared with homeloom through
it, so this module follows it to the letter: initial states before scenarios
load, one write at a time with the engine idle in between, timers firing in
time order while the clock moves.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import yaml

from homeloom.house import House
from homeloom.orchestrator import (
    Context,
    Event,
    Runtime,
    ServiceCall,
    State,
    TestClock,
)
from homeloom.orchestrator._service_call import given_data
from homeloom.scenarios import EVENT_AUTOMATION_TRIGGERED, EVENT_GATED_CALL

__all__ = ["EventsFileError", "load_events_file", "parse_duration", "simulate"]

# Calls and runs at one instant past which the replay is a runaway: scenarios setting
# each other off for ever, which at home would never end either.
RUNAWAY_LIMIT = 50_000

_DURATION = re.compile(r"^(-)?(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$")


class EventsFileError(ValueError):
    """The events file is malformed; the message says where."""


def load_events_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as err:
        raise EventsFileError(f"{path}: {err}") from None
    if not isinstance(data, dict):
        raise EventsFileError(f"{path}: expected a mapping with start, initial and steps")
    return data


def parse_duration(value: Any) -> float:
    """Seconds from a number, ``HH:MM:SS``, ``HH:MM`` or ``{hours:, minutes:, seconds:}``."""
    if isinstance(value, bool):
        raise EventsFileError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Mapping):
        unknown = set(value) - {"days", "hours", "minutes", "seconds", "milliseconds"}
        if unknown:
            raise EventsFileError(f"unknown duration keys {sorted(unknown)}")
        return timedelta(**{str(k): float(v) for k, v in value.items()}).total_seconds()
    if isinstance(value, str):
        text = value.strip()
        match = _DURATION.match(text)
        if match:
            sign, hours, minutes, seconds = match.groups()
            total = int(hours) * 3600 + int(minutes) * 60 + float(seconds or 0)
            return -total if sign else total
        try:
            return float(text)
        except ValueError:
            pass
    raise EventsFileError(f"not a duration: {value!r} (seconds, 'HH:MM:SS', 'HH:MM' or a mapping)")


def parse_time(value: Any, tz: tzinfo) -> datetime:
    when = value if isinstance(value, datetime) else None
    if when is None:
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            raise EventsFileError(f"not an ISO 8601 time: {value!r}") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=tz)


def _state_text(value: Any) -> str:
    if value is True:
        return "on"
    if value is False:
        return "off"
    if value is None:
        return "unknown"
    return str(value)


def _split(value: Any) -> tuple[str | None, dict[str, Any] | None]:
    """(state or None, attributes or None) of one ``set`` or ``initial`` value."""
    if isinstance(value, Mapping) and ("state" in value or "attributes" in value):
        attributes = value.get("attributes")
        state = _state_text(value["state"]) if "state" in value else None
        return state, dict(attributes) if isinstance(attributes, Mapping) else None
    return _state_text(value), None


def _write(runtime: Runtime, entity_id: str, value: Any) -> None:
    state, attributes = _split(value)
    current = runtime.states.get(entity_id)
    merged = dict(current.attributes) if current is not None else {}
    for key, item in (attributes or {}).items():
        if item is None:
            merged.pop(key, None)
        else:
            merged[key] = item
    if state is None:
        state = current.state if current is not None else "unknown"
    runtime.states.set(entity_id, state, merged, context=Context(origin="device"), raw=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, State):
        return value.as_dict()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class _Recorder(logging.Handler):
    """Collects calls, runs and warnings while the replay goes on."""

    def __init__(self, runtime: Runtime, start: datetime) -> None:
        super().__init__(logging.WARNING)
        self.runtime = runtime
        self.start = start
        self.calls: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self._scenario_of_context: dict[str, str] = {}
        self._instant: datetime | None = None
        self._at_instant = 0
        self.runaway: str | None = None
        self.on_runaway: Callable[[], object] | None = None

    def _count(self) -> None:
        """Counts a call or a run; past RUNAWAY_LIMIT at one instant, stops the replay."""
        now = self.runtime.now()
        if now != self._instant:
            self._instant, self._at_instant = now, 0
        self._at_instant += 1
        if self._at_instant > RUNAWAY_LIMIT and self.runaway is None:
            self.runaway = (
                f"replay stopped: more than {RUNAWAY_LIMIT} service calls and runs at"
                f" {now.astimezone(self.runtime.settings.tz).isoformat()} without time"
                " moving (scenarios setting each other off without end?)"
            )
            if self.on_runaway is not None:
                self.on_runaway()

    def stamp(self) -> dict[str, Any]:
        now = self.runtime.now()
        return {
            "time": now.astimezone(self.runtime.settings.tz).isoformat(),
            "offset_s": round((now - self.start).total_seconds(), 3),
        }

    def emit(self, record: logging.LogRecord) -> None:
        self.errors.append(
            {**self.stamp(), "message": record.getMessage(), "level": record.levelname}
        )

    def on_triggered(self, event: Event) -> None:
        self._count()
        scenario = event.context.source
        if scenario is not None:
            self._scenario_of_context[event.context.id] = scenario

    def scenario_of(self, context: Context) -> str | None:
        for key in (context.id, context.parent_id):
            if key is not None and key in self._scenario_of_context:
                return self._scenario_of_context[key]
        if context.origin == "scenario":
            return context.source
        return None

    def on_gated(self, event: Event) -> None:
        """A call the autonomy gate held back: proposed, observed or blocked."""
        self._count()
        data = event.data
        self.calls.append(
            {
                **self.stamp(),
                "service": data["service"],
                "data": _jsonable(dict(data.get("data") or {})),
                "target": _jsonable(
                    {
                        k: v if isinstance(v, list) else [v]
                        for k, v in (data.get("target") or {}).items()
                    }
                ),
                "scenario": data.get("scenario"),
                "outcome": data["outcome"],
                "sentence": data.get("sentence"),
            }
        )

    def on_call(self, call: ServiceCall) -> None:
        """A call made, or refused by its service's checks (it fails then): recorded
        with its data as the caller gave it, as Home Assistant records calls."""
        self._count()
        scenario = self.scenario_of(call.context)
        if scenario is not None:
            self._scenario_of_context.setdefault(call.context.id, scenario)
        self.calls.append(
            {
                **self.stamp(),
                "service": call.name,
                "data": _jsonable(dict(given_data(call))),
                "target": _jsonable(dict(call.target)),
                "scenario": scenario,
                "outcome": "done",
            }
        )


async def simulate(
    config_dir: Path, events: Mapping[str, Any], *, stub_services: bool = False
) -> dict[str, Any]:
    """Replay ``events`` against ``config_dir``'s scenarios; calls, runs and errors as JSON."""
    house = House(config_dir, clock=TestClock(), persist=False, adapters=False)
    house.automations.keep_every_trace = True
    runtime = house.runtime
    tz = runtime.settings.tz
    start = parse_time(events.get("start") or "2026-06-01T00:00:00", tz)
    runtime.test_clock.set(start)
    recorder = _Recorder(runtime, start)
    logging.getLogger("homeloom").addHandler(recorder)
    try:
        runtime.services.stubbed = stub_services
        runtime.services.add_observer(recorder.on_call)
        runtime.bus.listen(EVENT_AUTOMATION_TRIGGERED, recorder.on_triggered)
        runtime.bus.listen(EVENT_GATED_CALL, recorder.on_gated)
        if not stub_services:
            install_simulated_devices(runtime)

        def write_initial(rt: Runtime) -> None:
            for entity_id, value in (events.get("initial") or {}).items():
                try:
                    _write(rt, str(entity_id).lower(), value)
                except Exception as err:
                    recorder.errors.append(
                        {**recorder.stamp(), "message": f"initial {entity_id}: {err}"}
                    )

        report = await house.setup(before_scenarios=write_initial)
        for issue in report.errors:
            recorder.errors.append({**recorder.stamp(), **issue.as_dict()})
        replay = asyncio.ensure_future(_replay(house, recorder, events, start, tz))
        recorder.on_runaway = replay.cancel
        try:
            await replay
        except asyncio.CancelledError:
            if recorder.runaway is None:
                raise
            await runtime.tasks.cancel_all()
            recorder.errors.append({**recorder.stamp(), "message": recorder.runaway})
        # What the replay did: stopping the house afterwards is not part of it (a
        # shutdown trigger's calls, runs cut short), as in the engines compared with it.
        result = {
            "calls": list(recorder.calls),
            "runs": _runs(house, recorder, start),
            "errors": list(recorder.errors),
        }
    finally:
        logging.getLogger("homeloom").removeHandler(recorder)
        await house.stop()
    return result


async def _replay(
    house: House, recorder: _Recorder, events: Mapping[str, Any], start: datetime, tz: tzinfo
) -> None:
    runtime = house.runtime
    await house.start()
    await runtime.idle()
    for index, step in enumerate(events.get("steps") or []):
        await _run_step(runtime, recorder, index, step, start, tz)
    await runtime.idle()


async def _run_step(
    runtime: Runtime, recorder: _Recorder, index: int, step: Any, start: datetime, tz: tzinfo
) -> None:
    if not isinstance(step, Mapping) or len(step) != 1:
        recorder.errors.append(
            {**recorder.stamp(), "message": f"step {index}: expected one of set/advance/event/at"}
        )
        return
    ((kind, argument),) = step.items()
    try:
        if kind == "set":
            for entity_id, value in (argument or {}).items():
                _write(runtime, str(entity_id).lower(), value)
                await runtime.idle()
        elif kind == "advance":
            await runtime.advance(parse_duration(argument))
        elif kind == "at":
            target = parse_time(argument, tz)
            await runtime.advance_to(max(target, runtime.now()))
        elif kind == "event":
            argument = argument or {}
            event_type = str(argument.get("type") or argument.get("event_type"))
            runtime.bus.fire(event_type, dict(argument.get("data") or {}), Context(origin="device"))
            await runtime.idle()
        else:
            raise EventsFileError(f"unknown step kind {kind!r}; valid: set, advance, at, event")
    except Exception as err:
        recorder.errors.append({**recorder.stamp(), "message": f"step {index} {kind}: {err}"})


def _runs(house: House, recorder: _Recorder, start: datetime) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    tz = house.runtime.settings.tz
    for automation in house.automations.automations.values():
        for trace in automation.traces:
            started = trace.started or start
            run: dict[str, Any] = {
                "time": started.astimezone(tz).isoformat(),
                "offset_s": round((started - start).total_seconds(), 3),
                "scenario": automation.label,
                "trigger": trace.trigger,
                "outcome": trace.script_execution or trace.state,
            }
            if trace.error:
                run["error"] = trace.error
            runs.append(run)
    runs.sort(key=lambda r: r["offset_s"])
    return runs


_ON_OFF = {"turn_on": "on", "turn_off": "off"}
_FIXED = {
    "open_cover": "open",
    "close_cover": "closed",
    "lock": "locked",
    "unlock": "unlocked",
    "open": "open",
    "alarm_disarm": "disarmed",
    "alarm_arm_home": "armed_home",
    "alarm_arm_away": "armed_away",
    "alarm_arm_night": "armed_night",
    "media_play": "playing",
    "media_pause": "paused",
    "media_stop": "idle",
}
_VALUE_FIELDS = {"set_value": "value", "select_option": "option", "set_hvac_mode": "hvac_mode"}


def apply_command(
    service: str, data: Mapping[str, Any], current: State | None
) -> tuple[str, dict[str, Any]]:
    """What a well-behaved device reports after ``service``: its new state and attributes."""
    state = current.state if current is not None else "unknown"
    attributes = dict(current.attributes) if current is not None else {}
    if service in _ON_OFF:
        state = _ON_OFF[service]
        if service == "turn_on":
            for key in ("brightness", "color_temp_kelvin", "rgb_color", "hs_color", "effect"):
                if key in data:
                    attributes[key] = data[key]
            if "brightness_pct" in data:
                attributes["brightness"] = round(float(data["brightness_pct"]) * 255 / 100)
    elif service == "toggle":
        state = "off" if state == "on" else "on"
    elif service in _FIXED:
        state = _FIXED[service]
    elif service in _VALUE_FIELDS and _VALUE_FIELDS[service] in data:
        state = str(data[_VALUE_FIELDS[service]])
    elif service == "set_cover_position" and "position" in data:
        attributes["current_position"] = int(data["position"])
        state = "open" if int(data["position"]) > 0 else "closed"
    elif service == "set_temperature":
        attributes.update({k: v for k, v in data.items() if k != "entity_id"})
    return state, attributes


def install_simulated_devices(runtime: Runtime) -> None:
    """Without ``--stub-services``, device commands act on the states as a device would."""

    async def act(entity_id: str, service: str, data: Mapping[str, Any], context: Context) -> None:
        current = runtime.states.get(entity_id)
        if current is not None and current.state == "unavailable":
            return  # Home Assistant passes an unavailable entity by, without a word
        state, attributes = apply_command(service, data, current)
        runtime.states.set(entity_id, state, attributes, context=context, raw=True)

    runtime.services.default_provider = act
