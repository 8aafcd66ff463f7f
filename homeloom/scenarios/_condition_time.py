"""The conditions on the clock: ``time`` and ``sun``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from homeloom.orchestrator import Runtime, sun_event_time, valid_entity_id

from ._condition_base import ConditionCheck, ConditionError
from ._durations import DurationError, parse_duration, parse_time_of_day
from ._errors import fail
from ._templates import TemplateEngine
from ._triggers import as_list

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


_TIME_ENTITY_DOMAINS = ("input_datetime", "sensor")


def _time_of(runtime: Runtime, raw: Any, key: str) -> Callable[[], time | None]:
    """A ``before:`` or ``after:`` limit: a fixed time or an entity's, None when it has none.

    As Home Assistant: an ``input_datetime`` gives its hour, minute and second
    attributes (23:59:59 for those it lacks, as a date-only one), a timestamp sensor
    its local time of day; any other entity, or one unknown or unavailable, none.
    """
    text = str(raw).strip()
    if valid_entity_id(text.lower()):
        entity_id = text.lower()
        if entity_id.split(".", 1)[0] not in _TIME_ENTITY_DOMAINS:
            raise ValueError(f"{raw!r}: a time entity is an input_datetime or a sensor")

        def from_entity() -> time | None:
            state = runtime.states.get(entity_id)
            if state is None:
                raise ConditionError(f"unknown '{key}' entity {entity_id}")
            attributes = state.attributes
            if state.domain == "input_datetime":
                return time(
                    int(attributes.get("hour", 23)),
                    int(attributes.get("minute", 59)),
                    int(attributes.get("second", 59)),
                )
            if attributes.get("device_class") != "timestamp" or state.state in (
                "unknown",
                "unavailable",
            ):
                return None
            try:
                when = datetime.fromisoformat(state.state)
            except ValueError:
                return None
            if when.tzinfo is not None:
                when = when.astimezone(runtime.settings.tz)
            return when.time()

        return from_entity
    try:
        fixed = parse_time_of_day(text)
    except ValueError:
        raise ValueError(f"{raw!r} is not a time (HH:MM or HH:MM:SS) or an entity") from None
    return lambda: fixed


def _time(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
) -> ConditionCheck:
    limits: dict[str, Callable[[], time | None] | None] = {}
    for key in ("after", "before"):
        raw = config.get(key)
        try:
            limits[key] = None if raw is None else _time_of(runtime, raw, key)
        except ValueError as err:
            raise fail(config, key, f"{path}.{key}", str(err)) from None
    after, before = limits["after"], limits["before"]
    if after is None and before is None and config.get("weekday") is None:
        raise fail(config, None, path, "a time condition needs 'after', 'before' or 'weekday'")
    weekdays = [str(d) for d in as_list(config.get("weekday"))]  # lower case, as HA
    for day in weekdays:
        if day not in _WEEKDAYS:
            raise fail(
                config,
                "weekday",
                f"{path}.weekday",
                f"unknown weekday {day!r}; valid: {', '.join(_WEEKDAYS)}",
            )

    def check(variables: Mapping[str, Any]) -> bool:
        now = runtime.local_now()
        current = now.time().replace(tzinfo=None)
        start = time(0) if after is None else after()
        if start is None:
            return False
        end = time(23, 59, 59, 999999) if before is None else before()
        if end is None:
            return False
        if start < end:
            if not start <= current < end:
                return False
        elif end <= current < start:  # across midnight (or equal limits: all day)
            return False
        return not weekdays or _WEEKDAYS[now.weekday()] in weekdays

    return check


def _sun(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
) -> ConditionCheck:
    def offset(key: str) -> timedelta:
        raw = config.get(key)
        try:
            return parse_duration(raw) if raw is not None else timedelta()
        except DurationError as err:
            raise fail(config, key, f"{path}.{key}", str(err)) from None

    # Either event in any case, as Home Assistant reads it (cv.sun_event).
    after, before = (
        str(value).lower() if value is not None else None
        for value in (config.get("after"), config.get("before"))
    )
    for key, value in (("after", after), ("before", before)):
        if value is not None and value not in ("sunrise", "sunset"):
            raise fail(config, key, f"{path}.{key}", "expected 'sunrise' or 'sunset'")
    if after is None and before is None:
        raise fail(config, None, path, "a sun condition needs 'after', 'before' or both")
    after_offset, before_offset = offset("after_offset"), offset("before_offset")
    events = {event for event in (after, before) if event is not None}
    settings = runtime.settings

    def event_time(event: str, today: date) -> datetime | None:
        found = sun_event_time(event, today, settings)
        if found is not None and found.astimezone(settings.tz).date() < today:
            found = sun_event_time(event, today + timedelta(days=1), settings)
        return found

    def check(variables: Mapping[str, Any]) -> bool:
        # As Home Assistant: today's events; both limits included (only a moment
        # past ``before`` or short of ``after`` fails).
        now = runtime.now()
        today = now.astimezone(settings.tz).date()
        times = {event: event_time(event, today) for event in events}
        if before == "sunrise" and after == "sunset":  # the night: either side of it
            sunrise, sunset = times["sunrise"], times["sunset"]
            return (sunrise is not None and now < sunrise + before_offset) or (
                sunset is not None and now > sunset + after_offset
            )
        # None: no such event today (polar days and nights), the condition is false.
        if before is not None:
            limit = times[before]
            if limit is None or now > limit + before_offset:
                return False
        if after is not None:
            limit = times[after]
            if limit is None or now < limit + after_offset:
                return False
        return True

    return check
