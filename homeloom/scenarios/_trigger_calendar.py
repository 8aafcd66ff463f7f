"""The ``calendar`` trigger: the start or end of each event of a ``calendar:`` file, moved by
``offset`` (``-00:15:00``: a quarter of an hour before), with ``trigger.calendar_event``.

Recurring events are expanded; a changed file is planned again as soon as the
calendar notices it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from homeloom.orchestrator import Runtime, Unsubscribe

from ._calendar import LOOK_AHEAD, Calendar, Calendars
from ._durations import DurationError, parse_duration
from ._errors import fail
from ._triggers import Fire, Validate

__all__ = ["CALENDAR_PLATFORMS"]


def _calendar_of(runtime: Runtime, config: Mapping[str, Any]) -> Calendar:
    path = config["_path"]
    calendars = runtime.components.get("calendars")
    known = calendars.items if isinstance(calendars, Calendars) else {}
    entity_id = str(config.get("entity_id") or "")
    if entity_id not in known:
        valid = ", ".join(sorted(known)) or "none: add a calendar: block"
        raise fail(
            config, "entity_id", f"{path}.entity_id", f"no calendar {entity_id!r}; known: {valid}"
        )
    return known[entity_id]


def _calendar_options(config: Mapping[str, Any]) -> tuple[str, timedelta]:
    path = config["_path"]
    edge = str(config.get("event", "start"))
    if edge not in ("start", "end"):
        raise fail(config, "event", f"{path}.event", "expected 'start' or 'end'")
    try:
        offset = parse_duration(config.get("offset", 0))
    except DurationError as err:
        raise fail(config, "offset", f"{path}.offset", str(err)) from None
    return edge, offset


def _validate_calendar(runtime: Runtime, config: Mapping[str, Any]) -> None:
    _calendar_of(runtime, config)
    _calendar_options(config)


def _attach_calendar(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    calendar = _calendar_of(runtime, config)
    edge, offset = _calendar_options(config)
    fired: set[tuple[str, str]] = set()
    timer: list[Unsubscribe] = []

    def plan(_: Any = None) -> None:
        for cancel in timer:
            cancel()
        timer.clear()
        now = runtime.now()
        coming = []
        for event in calendar.events(now - abs(offset) - timedelta(days=1), now + LOOK_AHEAD):
            at = (event.start if edge == "start" else event.end) + offset
            key = (event.summary, f"{event.start.isoformat()} {edge}")
            if at >= now and key not in fired:
                coming.append((at, key, event))
        if not coming:
            return
        at, key, event = min(coming, key=lambda item: item[0])

        def ring(_: Any) -> None:
            fired.add(key)
            fire(
                {
                    "event": edge,
                    "offset": offset,
                    "calendar_event": event.as_dict(),
                    "description": f"{edge} of {event.summary!r} in {calendar.entity_id}",
                },
                None,
            )
            plan()

        timer.append(runtime.scheduler.call_at(at, ring))

    calendar.on_change.append(plan)
    plan()

    def detach() -> None:
        for cancel in timer:
            cancel()
        if plan in calendar.on_change:
            calendar.on_change.remove(plan)

    return detach


CALENDAR_PLATFORMS: dict[
    str, tuple[Callable[[Runtime, Mapping[str, Any], Fire], Unsubscribe], Validate]
] = {"calendar": (_attach_calendar, _validate_calendar)}
