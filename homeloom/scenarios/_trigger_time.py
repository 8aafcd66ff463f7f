"""Triggers that wait for time: time of day, time patterns, the sun; and the
template trigger's entry (its code is in ``_trigger_template``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from homeloom.orchestrator import Event, Runtime, Unsubscribe, next_sun_event, valid_entity_id

from ._durations import DurationError, parse_duration, parse_time_of_day
from ._errors import fail
from ._trigger_template import _attach_template, _validate_template
from ._trigger_unattached import LeftOut, left_out
from ._triggers import Fire, Validate

__all__ = ["TIME_PLATFORMS"]

_LOGGER = logging.getLogger(__name__)
_TIME_DOMAINS = frozenset({"input_datetime", "sensor"})


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


# --- time -----------------------------------------------------------------------------


def _at_items(config: Mapping[str, Any]) -> list[tuple[str, Any, timedelta]]:
    """Each ``at:`` as ("fixed", time, 0) or ("entity", entity_id, offset)."""
    items: list[tuple[str, Any, timedelta]] = []
    path = f"{config['_path']}.at"
    for raw in _as_list(config.get("at")):
        if isinstance(raw, Mapping):
            entity_id = str(raw.get("entity_id", "")).lower()
            try:
                offset = parse_duration(raw.get("offset", 0))
            except DurationError as err:
                raise fail(config, "at", path, str(err)) from None
            if not valid_entity_id(entity_id):
                raise fail(config, "at", path, "a mapping in 'at' needs an 'entity_id'")
            items.append(("entity", _time_entity(config, path, entity_id), offset))
            continue
        text = str(raw).strip()
        if valid_entity_id(text.lower()):
            items.append(("entity", _time_entity(config, path, text.lower()), timedelta()))
            continue
        try:
            items.append(("fixed", parse_time_of_day(text), timedelta()))
        except ValueError:
            raise fail(
                config,
                "at",
                path,
                f"{raw!r} is not a time (HH:MM or HH:MM:SS), "
                f"an input_datetime or a timestamp sensor{_unquoted_hint(raw)}",
            ) from None
    if not items:
        raise fail(config, "at", path, "'at' is required")
    return items


def _unquoted_hint(raw: Any) -> str:
    """Why a whole number is no time: YAML reads an unquoted 7:30:00 as 27000 (seconds),
    which Home Assistant refuses too."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return " (YAML reads an unquoted 7:30:00 as a number of seconds: quote the time)"
    return ""


def _time_entity(config: Mapping[str, Any], path: str, entity_id: str) -> str:
    """As Home Assistant: ``at`` names only an input_datetime or a sensor."""
    if entity_id.split(".", 1)[0] not in _TIME_DOMAINS:
        raise fail(
            config,
            "at",
            path,
            f"{entity_id!r}: expected HH:MM, HH:MM:SS or an entity id "
            "with domain 'input_datetime' or 'sensor'",
        )
    return entity_id


def _validate_time(runtime: Runtime, config: Mapping[str, Any]) -> None:
    _at_items(config)


def _entity_moment(runtime: Runtime, entity_id: str) -> datetime | time | None:
    """When ``entity_id`` says to fire, as Home Assistant reads it: an input_datetime
    (from its attributes), or a ``sensor`` with device_class timestamp whose state is
    known; None otherwise."""
    state = runtime.states.get(entity_id)
    if state is None:
        return None
    if state.domain == "input_datetime":
        return _input_datetime_moment(runtime, state.attributes)
    if state.state in ("unknown", "unavailable", ""):
        return None
    if state.domain != "sensor" or state.attributes.get("device_class") != "timestamp":
        return None
    try:
        when = datetime.fromisoformat(state.state.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=runtime.settings.tz)


def _input_datetime_moment(
    runtime: Runtime, attributes: Mapping[str, Any]
) -> datetime | time | None:
    """An input_datetime's moment as Home Assistant's time trigger reads it: from the
    ``year``...``second`` attributes that ``has_date`` and ``has_time`` say it has, not
    from its state (whatever that is, even unknown); a date without a time is its
    midnight. None when an attribute it needs is missing or no date or time."""
    try:
        has_date, has_time = attributes["has_date"], attributes["has_time"]
        hour = minute = second = 0
        if has_time:
            hour, minute, second = attributes["hour"], attributes["minute"], attributes["second"]
        if has_date:
            day = (attributes["year"], attributes["month"], attributes["day"])
            return datetime(*day, hour, minute, second, tzinfo=runtime.settings.tz)
        if has_time:
            return time(hour, minute, second)
    except (KeyError, TypeError, ValueError):
        return None
    return None


def _local_instants(runtime: Runtime, day: date, at: time) -> list[datetime]:
    """The real instants at which the wall clock reads ``at`` on ``day``: none when the
    clocks jump over it, two when they go back over it (as Home Assistant fires)."""
    tz = runtime.settings.tz
    instants: list[datetime] = []
    for fold in (0, 1):
        moment = datetime.combine(day, at.replace(tzinfo=None, fold=fold), tzinfo=tz)
        exists = moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == moment.replace(
            tzinfo=None
        )
        # Aware datetimes of one zone compare by wall time, blind to the fold: compare
        # the instants in UTC.
        if exists and all(moment.astimezone(UTC) != known.astimezone(UTC) for known in instants):
            instants.append(moment)
    return instants


def _next_daily(
    runtime: Runtime, at: time, after: datetime, offset: timedelta, inclusive: bool = False
) -> datetime:
    """The next instant the wall clock reads ``at`` (plus ``offset``) after ``after``; or
    within its second, when ``inclusive``: attached during the very second it names, a
    time trigger fires for it, as Home Assistant's (it looks for the next match from
    the current second on)."""
    day = after.astimezone(runtime.settings.tz).date() - timedelta(days=1)
    # (Adding even a zero timedelta would drop the fold of a repeated hour.)
    candidates = [
        (moment + offset if offset else moment).astimezone(UTC)
        for step in range(4)
        for moment in _local_instants(runtime, day + timedelta(days=step), at)
    ]
    bound = after.astimezone(UTC)
    if inclusive:
        bound = bound.replace(microsecond=0) - timedelta(microseconds=1)
    later = [candidate for candidate in candidates if candidate > bound]
    if not later:
        raise RuntimeError("no next time found")
    return min(later)


def _attach_time(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    undo: list[Unsubscribe] = []
    tracked: set[tuple[str, timedelta]] = set()
    for kind, value, offset in _at_items(config):
        if kind == "fixed":
            undo.append(_schedule_daily(runtime, value, offset, fire, None))
        elif (value, offset) not in tracked:  # as Home Assistant: an entity listed twice fires once
            tracked.add((value, offset))
            undo.append(_track_entity_time(runtime, value, offset, fire))

    def detach() -> None:
        for item in undo:
            item()

    return detach


def _schedule_daily(
    runtime: Runtime, at: time, offset: timedelta, fire: Fire, entity_id: str | None
) -> Unsubscribe:
    cancel: list[Unsubscribe] = []
    stopped = False

    def schedule(after: datetime, inclusive: bool = False) -> None:
        due = _next_daily(runtime, at, after, offset, inclusive)
        cancel[:] = [runtime.scheduler.call_at(due, ring)]

    def ring(due: datetime) -> None:
        fire(_time_data(runtime, due, entity_id), None)
        # The run starts at once and may have detached this schedule (an alarm whose
        # run sets its input_datetime again): arming it again then would ring at the
        # old time tomorrow too, which Home Assistant does not.
        if not stopped:
            schedule(due)

    def detach() -> None:
        nonlocal stopped
        stopped = True
        if cancel:
            cancel[0]()

    schedule(runtime.now(), inclusive=True)
    return detach


def _time_data(runtime: Runtime, due: datetime, entity_id: str | None) -> dict[str, Any]:
    return {
        # Through UTC: a wall time the clocks skipped (an input_datetime's 02:30 on the
        # spring-forward day) reads as the instant's real local time, as in Home Assistant.
        "now": due.astimezone(UTC).astimezone(runtime.settings.tz),
        "entity_id": entity_id,
        "description": "time" if entity_id is None else f"time set in {entity_id}",
    }


def _track_entity_time(
    runtime: Runtime, entity_id: str, offset: timedelta, fire: Fire
) -> Unsubscribe:
    cancel: list[Unsubscribe] = []

    def arm() -> None:
        for item in cancel:
            item()
        cancel.clear()
        moment = _entity_moment(runtime, entity_id)
        if isinstance(moment, time):
            cancel.append(_schedule_daily(runtime, moment, offset, fire, entity_id))
        elif isinstance(moment, datetime):
            due = moment + offset
            # As Home Assistant: an input_datetime with a date fires when its moment is
            # now or later on the wall clock (Python compares two times of one zone so:
            # set in the repeated hour to its first pass, it fires at once; set after
            # the spring jump to a skipped time, never); a timestamp sensor only when
            # its instant is strictly later.
            if entity_id.startswith("input_datetime."):
                wall_now = runtime.local_now().replace(tzinfo=None)
                due_later = due.replace(tzinfo=None) >= wall_now
            else:
                due_later = due > runtime.now()
            if due_later:

                def ring(when: datetime) -> None:
                    fire(_time_data(runtime, when, entity_id), None)

                cancel.append(runtime.scheduler.call_at(due, ring))

    def on_change(_: Event) -> None:
        arm()

    arm()
    untrack = runtime.states.track(entity_id, on_change)

    def detach() -> None:
        untrack()
        for item in cancel:
            item()

    return detach


# --- time_pattern ---------------------------------------------------------------------


# A unit written "/0": Home Assistant loads it (its check allows 0 to the unit's
# highest value after the slash) but dividing by zero fails when the trigger is
# attached, so the trigger is left out (``left_out``).
_NEVER = None


def _pattern(
    raw: Any, high: int, key: str, config: Mapping[str, Any]
) -> Callable[[int], bool] | None:
    if raw is None or str(raw) == "*":
        return lambda value: True
    text = str(raw).strip()
    try:
        if text.startswith("/"):
            step = int(text[1:])
            if not 0 <= step <= high:
                raise fail(
                    config, key, f"{config['_path']}.{key}", f"'/N' needs N from 0 to {high}"
                )
            if step == 0:
                return _NEVER
            return lambda value: value % step == 0
        number = int(text)
    except ValueError:
        raise fail(
            config, key, f"{config['_path']}.{key}", f"{raw!r} is not '*', a number or '/N'"
        ) from None
    if not 0 <= number <= high:
        raise fail(config, key, f"{config['_path']}.{key}", f"must be between 0 and {high}")
    return lambda value: value == number


def _units(config: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """Hours, minutes and seconds as Home Assistant reads them: unspecified smaller
    units default to 0 when a larger one is given."""
    hours, minutes, seconds = config.get("hours"), config.get("minutes"), config.get("seconds")
    if minutes is None and hours is not None:
        minutes = 0
    if seconds is None and minutes is not None:
        seconds = 0
    return hours, minutes, seconds


def _patterns(config: Mapping[str, Any]) -> tuple[Callable[[int], bool] | None, ...]:
    hours, minutes, seconds = _units(config)
    return (
        _pattern(hours, 23, "hours", config),
        _pattern(minutes, 59, "minutes", config),
        _pattern(seconds, 59, "seconds", config),
    )


def pattern_left_out(runtime: Runtime, config: Mapping[str, Any]) -> LeftOut | None:
    """The unit written "/0", which leaves the trigger out when attached; None if none."""
    for key, found in zip(("hours", "minutes", "seconds"), _patterns(config), strict=True):
        if found is _NEVER:
            return key, "'/0' divides by zero"
    return None


def _validate_pattern(runtime: Runtime, config: Mapping[str, Any]) -> None:
    if all(config.get(key) is None for key in ("hours", "minutes", "seconds")):
        message = "a time_pattern needs one of hours, minutes, seconds"
        raise fail(config, None, config["_path"], message)
    _patterns(config)


def _next_match(
    runtime: Runtime,
    after: datetime,
    patterns: tuple[Callable[[int], bool], ...],
    inclusive: bool = False,
) -> datetime:
    """The first matching whole second after ``after`` (or from the second ``after``
    falls in, when ``inclusive``: Home Assistant looks for the next match from the
    current second with its fraction dropped, so a pattern attached at 22:10:00.4
    fires for 22:10:00 at once, as a fixed time does)."""
    hour_ok, minute_ok, second_ok = patterns
    # Stepping through real time (not the wall clock) so that, as Home Assistant, an
    # hour the clocks jump over never matches and an hour they repeat matches twice.
    moment = after.astimezone(UTC).replace(microsecond=0)
    if not inclusive:
        moment += timedelta(seconds=1)
    tz = runtime.settings.tz
    for _ in range(2 * 24 * 60):  # minute steps over two days
        local = moment.astimezone(tz)
        if hour_ok(local.hour) and minute_ok(local.minute):
            for second in range(local.second, 60):
                if second_ok(second):
                    return moment + timedelta(seconds=second - local.second)
        moment = (moment + timedelta(minutes=1)).replace(second=0)
    raise RuntimeError("time pattern never matches")


def _attach_pattern(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    never = pattern_left_out(runtime, config)
    if never is not None:
        return left_out(config, fire, never)
    patterns = tuple(pattern for pattern in _patterns(config) if pattern is not None)
    cancel: list[Unsubscribe] = []
    # As Home Assistant: with nothing but "*" (no unit given a value, once smaller units
    # took their 0: `minutes: "*"` is each minute), every second counted from the
    # attaching, not on whole seconds; never at the attaching itself.
    every_second = all(unit is None or str(unit) == "*" for unit in _units(config))

    def schedule(after: datetime, inclusive: bool = False) -> None:
        if every_second:
            due = after + timedelta(seconds=1)
        else:
            due = _next_match(runtime, after, patterns, inclusive)
        cancel[:] = [runtime.scheduler.call_at(due, ring)]

    def ring(due: datetime) -> None:
        fire({"now": due.astimezone(runtime.settings.tz), "description": "time pattern"}, None)
        schedule(due)

    # As Home Assistant: attached during a matching second, it fires for that second.
    schedule(runtime.now(), inclusive=True)
    return lambda: cancel[0]()


# --- sun ------------------------------------------------------------------------------


def _validate_sun(runtime: Runtime, config: Mapping[str, Any]) -> None:
    if str(config.get("event")).lower() not in ("sunrise", "sunset"):  # any case, as there
        raise fail(config, "event", f"{config['_path']}.event", "expected 'sunrise' or 'sunset'")
    try:
        parse_duration(config.get("offset", 0))
    except DurationError as err:
        raise fail(config, "offset", f"{config['_path']}.offset", str(err)) from None


def _attach_sun(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    event = str(config["event"]).lower()
    offset = parse_duration(config.get("offset", 0))
    cancel: list[Unsubscribe] = []

    def schedule(after: datetime) -> None:
        due = next_sun_event(event, after, runtime.settings, offset)
        if due is not None:
            cancel[:] = [runtime.scheduler.call_at(due, ring)]

    def ring(due: datetime) -> None:
        description = f"{event} with offset" if offset else event
        fire({"event": event, "offset": offset, "description": description}, None)
        schedule(due)

    schedule(runtime.now())
    return lambda: cancel[0]() if cancel else None


TIME_PLATFORMS: dict[
    str, tuple[Callable[[Runtime, Mapping[str, Any], Fire], Unsubscribe], Validate]
] = {
    "time": (_attach_time, _validate_time),
    "time_pattern": (_attach_pattern, _validate_pattern),
    "sun": (_attach_sun, _validate_sun),
    "template": (_attach_template, _validate_template),
}
