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
    uid: str | None = None
    recurrence_id: str | None = None
    rrule: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """As Home Assistant's ``trigger.calendar_event``: dates for all-day events, and
        only the fields the event has (an unset description is left out, not None)."""
        start = self.start.date().isoformat() if self.all_day else self.start.isoformat()
        end = self.end.date().isoformat() if self.all_day else self.end.isoformat()
        fields = {
            "start": start,
            "end": end,
            "summary": self.summary,
            "description": self.description,
            "location": self.location,
            "uid": self.uid,
            "recurrence_id": self.recurrence_id,
            "rrule": self.rrule,
        }
        return {**{k: v for k, v in fields.items() if v is not None}, "all_day": self.all_day}

    def listed(self) -> dict[str, Any]:
        """As ``calendar.get_events`` answers it: these five fields, when set."""
        keys = ("start", "end", "summary", "description", "location")
        return {key: value for key, value in self.as_dict().items() if key in keys}


class Calendar:
    """One file of events and its ``calendar.<name>`` entity."""

    def __init__(
        self,
        runtime: Runtime,
        name: str,
        path: Path,
        *,
        entity_id: str | None = None,
        missing_ok: bool = False,
    ) -> None:
        self.runtime = runtime
        self.entity_id = entity_id or f"{DOMAIN}.{name}"
        self.name = name if entity_id else name.replace("_", " ").capitalize()
        self.path = path
        # A local calendar (Home Assistant's UI) has no file until its first event.
        self.missing_ok = missing_ok
        self.writable = missing_ok
        self._parsed: Any = None
        self._mtime: float | None = None
        self.on_change: list[Callable[[], None]] = []
        # Its next start or end, planned once (a changed file plans it again), so that
        # the state turns before a trigger due at the same time, as in Home Assistant.
        self._timer: Unsubscribe | None = None
        self._timer_at: datetime | None = None
        self._check: Unsubscribe | None = None  # every CHECK_EVERY: has the file changed?

    def read(self) -> None:
        """Parse the file again if it changed; raises ``ValueError`` for an unreadable one."""
        try:
            mtime: float | None = self.path.stat().st_mtime
        except FileNotFoundError:
            if not self.missing_ok:
                raise ValueError(f"cannot read {self.path.name}: no such file") from None
            mtime = None
        except OSError as err:
            raise ValueError(f"cannot read {self.path.name}: {err.strerror or err}") from None
        if mtime == self._mtime and self._parsed is not None:
            return
        import icalendar  # only a house with calendars pays for the parser

        try:
            text = b"" if mtime is None else self.path.read_bytes()
            self._parsed = (
                icalendar.Calendar() if not text.strip() else icalendar.Calendar.from_ical(text)
            )
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

        # Occurrences come without their rule: it is the recurring event's (by uid).
        rules = {
            str(item.get("UID")): item["RRULE"].to_ical().decode()
            for item in self._parsed.walk("VEVENT")
            if item.get("RRULE") is not None
        }
        found = []
        for item in recurring_ical_events.of(self._parsed).between(start, end):
            event = self._event(item, rules)
            if event is not None and event.end > start and event.start < end:
                found.append(event)
        return sorted(found, key=lambda e: (e.start, e.end, e.summary))

    def _event(self, item: Any, rules: Mapping[str, str]) -> CalendarEvent | None:
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
        if not all_day and end <= start:  # Home Assistant gives these half an hour
            end = start + timedelta(minutes=30)
        text = {
            key: None if item.get(key) is None else str(item.get(key))
            for key in ("SUMMARY", "DESCRIPTION", "LOCATION", "UID")
        }
        rule = rules.get(str(text["UID"]))
        return CalendarEvent(
            text["SUMMARY"] or "",
            start,
            end,
            all_day,
            text["DESCRIPTION"],
            text["LOCATION"],
            text["UID"],
            None if rule is None else _recurrence_id(first),
            rule,
        )

    def _moment(self, value: date | datetime) -> datetime:
        tz = self.runtime.settings.tz
        if not isinstance(value, datetime):
            return datetime.combine(value, time(), tz)
        return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)

    def refresh(self, _: Any = None) -> None:
        """Say what is happening now, and come back when that changes."""
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
                all_day=shown.all_day,
                start_time=shown.start.strftime("%Y-%m-%d %H:%M:%S"),
                end_time=shown.end.strftime("%Y-%m-%d %H:%M:%S"),
                # Home Assistant's calendars give "" for an unset location or description.
                location=shown.location or "",
                description=shown.description or "",
            )
        self.runtime.states.set(self.entity_id, "on" if current else "off", attributes)
        wake = min((t for e in coming for t in (e.start, e.end) if t > now), default=None)
        if wake != self._timer_at or self._timer is None:
            if self._timer is not None:
                self._timer()
            self._timer_at = wake
            self._timer = None if wake is None else self.runtime.scheduler.call_at(wake, self._due)
        if self._check is None:
            self._check = self.runtime.scheduler.call_at(now + CHECK_EVERY, self._checked)

    def _due(self, _: Any = None) -> None:
        self._timer = None
        self.refresh()

    def _checked(self, _: Any = None) -> None:
        self._check = None
        self.refresh()

    def reread(self) -> None:
        """Read the file again whatever its time (just written), and say so."""
        self._mtime = None
        self._parsed = None
        self.refresh()

    def stop(self) -> None:
        """End its timer and remove its state (its config entry unloaded)."""
        for cancel in (self._timer, self._check):
            if cancel is not None:
                cancel()
        self._timer = self._check = None
        self.runtime.states.remove(self.entity_id)
        Calendars.of(self.runtime).items.pop(self.entity_id, None)


def _recurrence_id(first: date | datetime) -> str:
    """An occurrence's id as Home Assistant's local calendars give it: its start as
    iCalendar writes it (a date, or a wall time, UTC ones ending in Z)."""
    if not isinstance(first, datetime):
        return first.strftime("%Y%m%d")
    utc = first.tzinfo is not None and first.utcoffset() == timedelta(0)
    return first.strftime("%Y%m%dT%H%M%S") + ("Z" if utc else "")


class Calendars:
    """Kept as ``runtime.components["calendars"]``; the first registers the services."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.items: dict[str, Calendar] = {}
        runtime.components["calendars"] = self
        from ._calendar_services import register_calendar_services

        register_calendar_services(runtime, self.items)

    @classmethod
    def of(cls, runtime: Runtime) -> Calendars:
        """The house's calendars, made (with their services) on first use."""
        found = runtime.components.get("calendars")
        return found if isinstance(found, Calendars) else cls(runtime)


def setup_calendars(
    runtime: Runtime, config: Mapping[str, Any], config_dir: Path | None
) -> list[ConfigIssue]:
    """Each ``calendar:`` item as an entity; a missing or broken file is reported."""
    block = config.get(DOMAIN)
    if block is None:
        return []
    calendars = Calendars.of(runtime)
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
