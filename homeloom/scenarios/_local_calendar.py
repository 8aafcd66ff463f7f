"""Local calendars made in Home Assistant's UI (its ``local_calendar`` integration).

Home Assistant 2024.3 keeps each as a config entry of ``.storage/core.config_entries``
(``data``: ``calendar_name``, and ``storage_key``, the name's slug when missing) and its
events in ``.storage/local_calendar.<storage_key>.ics``, written at the first event:
a missing file is an empty calendar. The entity is ``calendar.<slug of the name>``
(or the id the entity registry keeps for unique id = entry id), named by the name.
A file that does not parse is an error naming it, and the calendar is not made, as
Home Assistant then fails to set its entity up.

``calendar.create_event`` adds an event to such a calendar (``summary``;
``start_date_time``/``end_date_time``, ``start_date``/``end_date`` or ``in:
{days|weeks: n}``, a whole day that many days from today; ``description``, written
empty when not given, and ``location``), refused as Home Assistant's schema refuses
it. The file is read again, the event added and the whole written to a temporary file
moved over it, so no event is lost and a reader never sees half a file; timed events
are written in local wall time, as Home Assistant writes them. The state and the
triggers then follow the new event.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from homeloom.orchestrator import Runtime, ServiceCall
from homeloom.orchestrator._errors import ServiceValidationError
from homeloom.orchestrator._files import write_atomically
from homeloom.orchestrator._ha_registries import STORAGE_DIR

from ._calendar import Calendar, Calendars
from ._calendar_services import as_date, as_datetime, invalid
from ._computed_entries import RegisteredEntity, entry_identity
from ._platform_options import OptionError
from ._slugs import entity_slug

__all__ = ["create_event", "make_local_calendar"]

PRODID = "-//homeassistant.io//local_calendar 1.0//EN"  # what Home Assistant writes
_SERVICE = "create_event"
_WHEN = ("start_date", "start_date_time", "in")
_KEYS = frozenset({"summary", "description", "location", *_WHEN, "end_date", "end_date_time"})


def make_local_calendar(
    runtime: Runtime, data: Mapping[str, Any], registered: RegisteredEntity | None
) -> Calendar:
    """Make an entry's calendar; raises OptionError (key under ``data``) when it cannot."""
    name = data.get("calendar_name")
    if not isinstance(name, str) or not name:
        raise OptionError("calendar_name", f"'calendar_name' must be a text, got {name!r}")
    key = data.get("storage_key") or entity_slug(name)
    # Home Assistant's keys are slugs: one naming another folder is refused, as the
    # file it names is written to.
    if not isinstance(key, str) or Path(key).name != key or key.startswith("."):
        raise OptionError("storage_key", f"'storage_key' must be a file name, got {key!r}")
    assert runtime.config_dir is not None  # entries are read from it
    path = runtime.config_dir / STORAGE_DIR / f"local_calendar.{key}.ics"
    entity_id, shown = entry_identity(runtime, "calendar", name, registered)
    calendar = Calendar(runtime, shown, path, entity_id=entity_id, missing_ok=True)
    try:
        calendar.read()
    except ValueError as err:
        raise OptionError("storage_key", f"{path}: {err}") from None
    Calendars.of(runtime).items[entity_id] = calendar
    calendar.refresh()
    return calendar


def _span(runtime: Runtime, data: Mapping[str, Any]) -> tuple[date | datetime, date | datetime]:
    """The event's start and end as Home Assistant's ``create_event`` schema reads them."""
    given = [key for key in _WHEN if key in data]
    if not given:
        raise invalid(_SERVICE, "must contain at least one of start_date, start_date_time, in.")
    if len(given) > 1:
        raise invalid(_SERVICE, "must contain at most one of start_date, start_date_time, in.")
    extra = sorted(set(data) - _KEYS)
    if extra:
        raise invalid(_SERVICE, f"extra keys not allowed @ data['{extra[0]}']")
    if "summary" not in data:
        raise invalid(_SERVICE, "required key not provided @ data['summary']")
    for first, last, what in (
        ("start_date", "end_date", "dates"),
        ("start_date_time", "end_date_time", "datetimes"),
    ):
        if (first in data) != (last in data):
            raise invalid(_SERVICE, f"Start and end {what} must both be specified")
    if "in" in data:
        return _in(runtime, data["in"])
    if "start_date" in data:
        day = as_date(_SERVICE, "start_date", data["start_date"])
        after = as_date(_SERVICE, "end_date", data["end_date"])
        if after - day < timedelta(seconds=1):
            raise invalid(_SERVICE, f"Expected minimum event duration of 0:00:01 ({day}, {after})")
        return day, after
    texts = [data["start_date_time"], data["end_date_time"]]
    start = as_datetime(runtime, _SERVICE, "start_date_time", texts[0])
    end = as_datetime(runtime, _SERVICE, "end_date_time", texts[1])
    if end - start < timedelta(seconds=1):
        raise invalid(_SERVICE, f"Expected minimum event duration of 0:00:01 ({start}, {end})")
    return start, end


def _in(runtime: Runtime, value: Any) -> tuple[date, date]:
    """``in: {days: n}`` or ``{weeks: n}``: the whole day that far from today."""
    if not isinstance(value, Mapping) or set(value) - {"days", "weeks"}:
        raise invalid(_SERVICE, "expected {days|weeks: n} for dictionary value @ data['in']")
    if len(value) > 1:
        raise invalid(_SERVICE, "two or more values in the same group of exclusion 'event_types'")
    if not value:  # Home Assistant's service then fails, not its schema
        raise ServiceValidationError(
            "calendar", _SERVICE, "", "Missing required fields to set start or end date/datetime"
        )
    number = next(iter(value.values()))
    if isinstance(number, bool) or not isinstance(number, int | str) or not str(number).isdigit():
        raise invalid(_SERVICE, "expected a positive integer for dictionary value @ data['in']")
    days = int(number) * (7 if "weeks" in value else 1)
    today = runtime.now().astimezone(runtime.settings.tz).date()
    return today + timedelta(days=days), today + timedelta(days=days + 1)


async def create_event(runtime: Runtime, known: Mapping[str, Calendar], call: ServiceCall) -> None:
    """``calendar.create_event`` on each local calendar targeted."""
    start, end = _span(runtime, call.data)
    for entity_id in call.entity_ids:
        calendar = known.get(entity_id)
        if calendar is None:
            continue
        if not calendar.writable:
            raise ServiceValidationError(
                "calendar", _SERVICE, "", f"Entity {entity_id} does not support this service."
            )
        _write_event(runtime, calendar.path, call.data, start, end)
        calendar.reread()  # its state and triggers follow the new event


def _write_event(
    runtime: Runtime,
    path: Path,
    data: Mapping[str, Any],
    start: date | datetime,
    end: date | datetime,
) -> None:
    """Add the event to the file's calendar, replacing the file in one move."""
    import icalendar

    text = path.read_bytes() if path.is_file() else b""
    if text.strip():
        calendar = icalendar.Calendar.from_ical(text)
    else:
        calendar = icalendar.Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
    event = icalendar.Event()
    stamp = runtime.now().astimezone(UTC).replace(microsecond=0)
    event.add("dtstamp", stamp)
    event.add("uid", str(uuid.uuid4()))
    for key, value in (("dtstart", start), ("dtend", end)):
        # Wall time without a zone, as Home Assistant stores its new events.
        event.add(key, value.replace(tzinfo=None) if isinstance(value, datetime) else value)
    event.add("summary", str(data["summary"]))
    event.add("description", str(data.get("description") or ""))
    if data.get("location") is not None:
        event.add("location", str(data["location"]))
    event.add("created", stamp)
    event.add("sequence", 0)
    calendar.add_component(event)
    write_atomically(path, calendar.to_ical())
