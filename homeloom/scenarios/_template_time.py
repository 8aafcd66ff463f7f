"""Template functions about time: now, today_at, timestamps and ages, as in Home Assistant."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from homeloom.orchestrator import Runtime

from ._durations import parse_time_of_day
from ._template_defaults import NO_DEFAULT, TemplateValueError, fail
from ._template_states import note_time

__all__ = ["TimeFunctions"]


def _parse_text(text: str) -> datetime | None:
    """A date and time in ISO 8601 text, or None."""
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _parse_time(text: Any) -> time | None:
    """``H:M`` or ``H:M:S`` with whole numbers, as Home Assistant reads a time, or None."""
    try:
        return parse_time_of_day(text)
    except ValueError:
        return None


class TimeFunctions:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def now(self) -> datetime:
        note_time()
        return self.runtime.local_now()

    def utcnow(self) -> datetime:
        note_time()
        return self.runtime.now().astimezone(UTC)

    def local(self, value: datetime) -> datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.runtime.settings.tz)
        return value.astimezone(self.runtime.settings.tz)

    def today_at(self, value: str = "") -> datetime:
        note_time()
        at = _parse_time(value) if value else time()
        if at is None:
            raise TemplateValueError(f"today_at: invalid time {value!r}")
        today = self.runtime.local_now()
        return datetime.combine(today.date(), at, tzinfo=self.runtime.settings.tz)

    def as_timestamp(self, value: Any, default: Any = NO_DEFAULT) -> Any:
        # A datetime, or text read as one (a number is not a timestamp here).
        parsed = value if isinstance(value, datetime) else _parse_text(str(value))
        if parsed is None:
            return fail("as_timestamp", value) if default is NO_DEFAULT else default
        return self.local(parsed).timestamp()

    def as_datetime(self, value: Any, default: Any = NO_DEFAULT) -> Any:
        # A number, or text of one, is a UNIX timestamp; other text a date and time.
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (ValueError, TypeError):
            pass
        parsed = _parse_text(value) if isinstance(value, str) else None
        if parsed is not None:
            return parsed
        if default is not NO_DEFAULT:
            return default
        # Text gives None, as in Home Assistant 2024.1 and before.
        return None if isinstance(value, str) else fail("as_datetime", value)

    def as_local(self, value: datetime) -> datetime:
        return self.local(value)

    def timestamp_custom(
        self,
        value: Any,
        fmt: str = "%Y-%m-%d %H:%M:%S",
        local: bool = True,
        default: Any = NO_DEFAULT,
    ) -> Any:
        # A number only: text of one is invalid input, as in Home Assistant.
        try:
            when = datetime.fromtimestamp(value, UTC)
        except (ValueError, TypeError):
            return fail("timestamp_custom", value) if default is NO_DEFAULT else default
        return (self.local(when) if local else when).strftime(fmt)

    def timestamp_local(self, value: Any, default: Any = NO_DEFAULT) -> Any:
        try:
            when = datetime.fromtimestamp(value, UTC)
        except (ValueError, TypeError):
            return fail("timestamp_local", value) if default is NO_DEFAULT else default
        return self.local(when).isoformat()

    def timestamp_utc(self, value: Any, default: Any = NO_DEFAULT) -> Any:
        try:
            return datetime.fromtimestamp(value, UTC).isoformat()
        except (ValueError, TypeError):
            return fail("timestamp_utc", value) if default is NO_DEFAULT else default

    def relative_time(self, value: Any) -> Any:
        note_time()
        if not isinstance(value, datetime):
            return value
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.runtime.settings.tz)
        # Local now, as Home Assistant: against a datetime in the house's own zone
        # (today_at, as_local) Python subtracts wall clocks, so an age spanning a
        # daylight saving change is an hour off its elapsed time there too.
        delta = self.runtime.local_now() - value
        if delta.total_seconds() < 0:
            return value
        return _humanize(delta.total_seconds())

    def strptime(self, value: str, fmt: str, default: Any = NO_DEFAULT) -> Any:
        try:
            return datetime.strptime(value, fmt)
        except (ValueError, AttributeError, TypeError):
            return fail("strptime", value) if default is NO_DEFAULT else default


_AGE_UNITS = (("second", 60), ("minute", 60), ("hour", 24), ("day", 30), ("month", 12))


def _humanize(seconds: float) -> str:
    """An age in its largest unit, rounded to the nearest (90 minutes is "2 hours")."""
    amount, count, unit = seconds, round(seconds), "year"
    for name, size in _AGE_UNITS:
        if count < size:
            unit = name
            break
        amount /= size
        count = round(amount)
    return f"{count} {unit}{'' if count == 1 else 's'}"
