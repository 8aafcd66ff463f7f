"""The ``calendar`` trigger: the start or end of each event of a ``calendar:`` file, moved by
``offset`` (``-00:15:00``: a quarter of an hour before), with ``trigger.calendar_event``.

Recurring events are expanded; a changed file is planned again as soon as the
calendar notices it. As in Home Assistant, the calendar must be named (an entity id),
but one the house does not have leaves only this trigger out, with an error logged,
when the automation is turned on (``_trigger_unattached``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from homeloom.orchestrator import Runtime, Unsubscribe, valid_entity_id

from ._calendar import LOOK_AHEAD, Calendar, Calendars
from ._durations import DurationError, parse_duration
from ._errors import fail
from ._trigger_unattached import LeftOut, left_out
from ._triggers import Fire, Validate

__all__ = ["CALENDAR_PLATFORMS"]


def _known(runtime: Runtime) -> dict[str, Calendar]:
    calendars = runtime.components.get("calendars")
    return calendars.items if isinstance(calendars, Calendars) else {}


def _named(config: Mapping[str, Any]) -> str:
    """The calendar's entity id, as Home Assistant requires it: one valid entity id."""
    path = config["_path"]
    raw = config.get("entity_id")
    entity_id = raw.lower() if isinstance(raw, str) else ""
    if not valid_entity_id(entity_id):
        got = "none" if raw is None else repr(raw)
        message = f"'entity_id' is required: the calendar's entity id, got {got}"
        raise fail(
            config, "entity_id" if "entity_id" in config else None, f"{path}.entity_id", message
        )
    return entity_id


def calendar_left_out(runtime: Runtime, config: Mapping[str, Any]) -> LeftOut | None:
    """Why the calendar the trigger names cannot be followed; None when it can."""
    known = _known(runtime)
    entity_id = _named(config)
    if entity_id in known:
        return None
    valid = ", ".join(sorted(known)) or "none: add a calendar: block"
    return "entity_id", f"no calendar {entity_id!r} (known: {valid})"


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
    _named(config)
    _calendar_options(config)


def _attach_calendar(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    unknown = calendar_left_out(runtime, config)
    if unknown is not None:
        return left_out(config, fire, unknown)
    calendar = _known(runtime)[_named(config)]
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
