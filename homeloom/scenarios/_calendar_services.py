"""The calendar services of Home Assistant 2024.3 (``components/calendar/__init__.py``).

* ``calendar.get_events`` (response only): for each calendar targeted,
  ``{entity_id: {"events": [...]}}``, the events overlapping ``start_date_time``
  (default now) to ``end_date_time``, or to that plus ``duration``; each event gives
  ``start`` and ``end`` (dates for all-day events, local ISO datetimes otherwise),
  ``summary``, and ``description`` and ``location`` only when set.
* ``calendar.list_events``: the same, deprecated, answering one calendar's
  ``{"events": [...]}``; more than one calendar is an error.
* ``calendar.create_event``: a new event in a local calendar (see ``_local_calendar``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeloom.orchestrator import Runtime, ServiceCall
from homeloom.orchestrator._errors import ServiceValidationError
from homeloom.orchestrator.types import ServiceResponse

from ._durations import DurationError, parse_duration

if TYPE_CHECKING:
    from ._calendar import Calendar

__all__ = ["as_date", "as_datetime", "invalid", "register_calendar_services"]

_LOGGER = logging.getLogger(__name__)
DOMAIN = "calendar"


def invalid(service: str, message: str) -> ServiceValidationError:
    """Data Home Assistant's schema refuses."""
    return ServiceValidationError(DOMAIN, service, "", message, invalid_data=True)


def as_datetime(runtime: Runtime, service: str, key: str, value: Any) -> datetime:
    """A datetime as Home Assistant reads one (``cv.datetime``), in the house's zone:
    one without an offset is local time."""
    parsed = value if isinstance(value, datetime) else None
    if parsed is None and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            parsed = None
    if parsed is None:
        raise invalid(
            service, f"Invalid datetime specified: {value} for dictionary value @ data['{key}']"
        )
    zone = runtime.settings.tz
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed.astimezone(zone)


def as_date(service: str, key: str, value: Any) -> date:
    """A date as Home Assistant reads one (``cv.date``)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise invalid(
            service, f"Invalid date specified for dictionary value @ data['{key}']"
        ) from None


def _span(runtime: Runtime, service: str, data: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """The time range asked for: exactly one of ``end_date_time`` and ``duration``."""
    given = [key for key in ("end_date_time", "duration") if key in data]
    if not given:
        raise invalid(service, "must contain at least one of end_date_time, duration.")
    if len(given) > 1:
        raise invalid(service, "must contain at most one of end_date_time, duration.")
    unknown = sorted(set(data) - {"start_date_time", "end_date_time", "duration"})
    if unknown:
        raise invalid(service, f"extra keys not allowed @ data['{unknown[0]}']")
    start = runtime.now().astimezone(runtime.settings.tz)
    if "start_date_time" in data:
        start = as_datetime(runtime, service, "start_date_time", data["start_date_time"])
    if "duration" in data:
        try:
            duration = parse_duration(data["duration"])
        except DurationError as err:
            raise invalid(service, f"{err} for dictionary value @ data['duration']") from None
        if duration < timedelta(0):
            raise invalid(
                service, "Time period must be positive for dictionary value @ data['duration']"
            )
        return start, start + duration
    return start, as_datetime(runtime, service, "end_date_time", data["end_date_time"])


def register_calendar_services(runtime: Runtime, known: dict[str, Calendar]) -> None:
    """Register the services, which act on the calendars in ``known``."""

    def answers(call: ServiceCall) -> dict[str, Any]:
        start, end = _span(runtime, call.service, call.data)
        found = {
            entity_id: {"events": [event.listed() for event in known[entity_id].events(start, end)]}
            for entity_id in call.entity_ids
            if entity_id in known
        }
        if not found:
            raise ServiceValidationError(
                DOMAIN,
                call.service,
                "",
                "Service call requested response data but did not match any entities",
            )
        return found

    def get_events(call: ServiceCall) -> ServiceResponse:
        return answers(call)

    def list_events(call: ServiceCall) -> ServiceResponse:
        _LOGGER.warning(
            "Detected use of service 'calendar.list_events'. This is deprecated; use "
            "'calendar.get_events' instead, which supports multiple entities"
        )
        found = answers(call)
        if len(found) > 1:
            raise ServiceValidationError(
                DOMAIN, call.service, "", "Deprecated service call matched more than one entity"
            )
        answer: ServiceResponse = next(iter(found.values()))
        return answer

    async def create_event(call: ServiceCall) -> None:
        from ._local_calendar import create_event as create

        await create(runtime, known, call)

    for name, handler in (("get_events", get_events), ("list_events", list_events)):
        runtime.services.register(
            DOMAIN,
            name,
            handler,
            target="required",
            entity_domains=(DOMAIN,),
            supports_response="only",
        )
    runtime.services.register(
        DOMAIN, "create_event", create_event, target="required", entity_domains=(DOMAIN,)
    )
