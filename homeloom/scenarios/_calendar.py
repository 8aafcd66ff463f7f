"""Calendars: iCalendar files of events, their entities, and the ``calendar`` trigger.

```yaml
calendar:
  family:
    file: calendars/family.ics   # beside configuration.yaml; exported from any calendar app
```

``calendar.family`` is ``on`` while an event is happening, with that event (or
the next one) as attributes, as Home Assistant's calendars are: ``message``,
``description``, ``location``, ``start_time``, ``end_time``, ``all_day``.
Recurring events are expanded. The file is read again when it changes. The
``calendar`` trigger fires at each event's ``start`` or ``end``, moved by
``offset``, with ``trigger.calendar_event``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from homeloom.orchestrator import ConfigIssue, Runtime, Unsubscribe, slugify

from ._errors import issue_at

__all__ = ["Calendar", "CalendarEvent", "Calendars", "setup_calendars"]

_LOGGER = logging.getLogger(__name__)
DOMAIN = "calendar"
LOOK_AHEAD = timedelta(days=8)
CHECK_EVERY = timedelta(minutes=15)  # how often a changed file is noticed


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    summary: str
    start: datetime
    end: datetime
    all_day: bool
    description: str | None = None
    location: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """As Home Assistant's ``trigger.calendar_event``: dates for all-day events."""
        start: Any = self.start.date().isoformat() if self.all_day else self.start.isoformat()
        end: Any = self.end.date().isoformat() if self.all_day else self.end.isoformat()
        return {
            "summary": self.summary,
            "start": start,
            "end": end,
            "all_day": self.all_day,
            "description": self.description,
            "location": self.location,
        }


class Calendar:
    """One file of events and its ``calendar.<name>`` entity."""

    def __init__(self, runtime: Runtime, name: str, path: Path) -> None:
        self.runtime = runtime
        self.entity_id = f"{DOMAIN}.{name}"
        self.name = name.replace("_", " ").capitalize()
        self.path = path
        self._parsed: Any = None
        self._mtime: float | None = None
        self.on_change: list[Callable[[], None]] = []
        self._timer: Unsubscribe | None = None

    def read(self) -> None:
        """Parse the file again if it changed; raises ``ValueError`` for an unreadable one."""
        try:
            mtime = self.path.stat().st_mtime
        except OSError as err:
            raise ValueError(f"cannot read {self.path.name}: {err.strerror or err}") from None
        if mtime == self._mtime:
            return
        import icalendar  # only a house with calendars pays for the parser

        try:
            self._parsed = icalendar.Calendar.from_ical(self.path.read_bytes())
        except (ValueError, KeyError, IndexError) as err:
            raise ValueError(f"{self.path.name} is not an iCalendar file: {err}") from None
        self._mtime = mtime
        for listener in list(self.on_change):
            listener()

    def events(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        """Every event (recurrences included) overlapping ``start``..``end``, in order."""
        if self._parsed is None:
            return []
        import recurring_ical_events

        found = []
        for item in recurring_ical_events.of(self._parsed).between(start, end):
            event = self._event(item)
            if event is not None and event.end > start and event.start < end:
                found.append(event)
        return sorted(found, key=lambda e: (e.start, e.end, e.summary))

    def _event(self, item: Any) -> CalendarEvent | None:
        begin = item.get("DTSTART")
        if begin is None:
            return None
        first = begin.dt
        finish = item.get("DTEND")
        all_day = not isinstance(first, datetime)
        start = self._moment(first)
        if finish is not None:
            end = self._moment(finish.dt)
        else:
            duration = item.get("DURATION")
            end = start + (
                duration.dt if duration is not None else timedelta(days=1 if all_day else 0)
            )
        text = {key: item.get(key) for key in ("SUMMARY", "DESCRIPTION", "LOCATION")}
        return CalendarEvent(
            str(text["SUMMARY"] or ""),
            start,
            end,
            all_day,
            None if text["DESCRIPTION"] is None else str(text["DESCRIPTION"]),
            None if text["LOCATION"] is None else str(text["LOCATION"]),
        )

    def _moment(self, value: date | datetime) -> datetime:
        tz = self.runtime.settings.tz
        if not isinstance(value, datetime):
            return datetime.combine(value, time(), tz)
        return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)

    def refresh(self, _: Any = None) -> None:
        """Say what is happening now, and come back when that changes."""
        if self._timer is not None:
            self._timer()
        try:
            self.read()
        except ValueError as err:
            _LOGGER.warning("%s: %s", self.entity_id, err)
        now = self.runtime.now()
        coming = self.events(now, now + LOOK_AHEAD)
        current = next((e for e in coming if e.start <= now < e.end), None)
        shown = current or next(iter(coming), None)
        attributes: dict[str, Any] = {"friendly_name": self.name}
        if shown is not None:
            attributes.update(
                message=shown.summary,
                description=shown.description,
                location=shown.location,
                all_day=shown.all_day,
                start_time=shown.start.strftime("%Y-%m-%d %H:%M:%S"),
                end_time=shown.end.strftime("%Y-%m-%d %H:%M:%S"),
            )
        self.runtime.states.set(self.entity_id, "on" if current else "off", attributes)
        boundaries = [t for e in coming for t in (e.start, e.end) if t > now]
        wake = min([now + CHECK_EVERY, *boundaries])
        self._timer = self.runtime.scheduler.call_at(wake, self.refresh)


class Calendars:
    """Kept as ``runtime.components["calendars"]``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.items: dict[str, Calendar] = {}
        runtime.components["calendars"] = self


def setup_calendars(
    runtime: Runtime, config: Mapping[str, Any], config_dir: Path | None
) -> list[ConfigIssue]:
    """Each ``calendar:`` item as an entity; a missing or broken file is reported."""
    block = config.get(DOMAIN)
    if block is None:
        return []
    calendars = Calendars(runtime)
    if not isinstance(block, Mapping):
        return [issue_at(config, DOMAIN, DOMAIN, "calendar maps each name to {file: ...}")]
    issues: list[ConfigIssue] = []
    for name, item in block.items():
        path = f"{DOMAIN}.{name}"
        if slugify(str(name)) != str(name):
            issues.append(issue_at(block, name, path, "the name must be a lower-case slug"))
            continue
        file = item.get("file") if isinstance(item, Mapping) else None
        if not isinstance(file, str) or not file:
            issues.append(issue_at(block, name, path, "a calendar needs a 'file' (an .ics file)"))
            continue
        calendar = Calendar(runtime, str(name), (config_dir or Path()) / file)
        try:
            calendar.read()
        except ValueError as err:
            issues.append(issue_at(item, "file", f"{path}.file", str(err)))
            continue
        calendars.items[calendar.entity_id] = calendar
        calendar.refresh()
    return issues
