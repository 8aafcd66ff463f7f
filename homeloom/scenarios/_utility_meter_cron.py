"""The cron patterns a utility meter resets on: five fields (minute, hour, day of the
month, month, day of the week), each ``*``, a number, a range ``a-b``, a step
``*/n``, ``a/n`` or ``a-b/n``, or a list of those, as Home Assistant's ``croniter``
reads them. A day of the week is 0 to 7 (0 and 7 are Sunday). When both day fields
are restricted, a day matching either one matches, as in ``croniter``.

Names (``MON``, ``JAN``), ``L``, ``W``, ``#``, ``?``, a seconds field and the
``@daily`` shorthands are refused: homeloom does not read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

__all__ = ["CronError", "CronPattern"]

# (lowest, highest) of each field, in the pattern's order.
_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("weekday", 0, 7))
_LOOK_AHEAD_DAYS = 366 * 8  # the 29th of February on a Monday comes within 28 years...


class CronError(ValueError):
    """A pattern homeloom cannot read; the message says which part and what is valid."""


def _field_values(text: str, name: str, lowest: int, highest: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{name} field {text!r}: a step must be a whole number above 0")
            step = int(step_text)
        if span == "*":
            start, end = lowest, highest
        else:
            first, dash, last = span.partition("-")
            if not first.isdigit() or (dash and not last.isdigit()):
                raise CronError(
                    f"{name} field {text!r}: expected *, numbers, ranges a-b and steps /n"
                )
            start = int(first)
            # ``a/n`` runs from a to the field's end, as in croniter
            end = int(last) if dash else (highest if step_text else start)
        if not lowest <= start <= end <= highest:
            raise CronError(f"{name} field {text!r}: values must be {lowest} to {highest}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True, slots=True)
class CronPattern:
    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 is Sunday
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, text: str) -> CronPattern:
        fields = text.split()
        if len(fields) != 5:
            raise CronError(
                f"cron pattern {text!r}: expected five fields "
                "(minute hour day-of-month month day-of-week)"
            )
        minutes, hours, days, months, weekdays = (
            _field_values(field, name, lowest, highest)
            for field, (name, lowest, highest) in zip(fields, _FIELDS, strict=True)
        )
        return cls(
            text,
            tuple(sorted(minutes)),
            tuple(sorted(hours)),
            days,
            months,
            frozenset(day % 7 for day in weekdays),
            fields[2] == "*",
            fields[4] == "*",
        )

    def _day_matches(self, day: datetime) -> bool:
        if day.month not in self.months:
            return False
        by_date = day.day in self.days
        by_weekday = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return by_date and by_weekday
        return by_date or by_weekday

    def next_after(self, now: datetime) -> datetime | None:
        """The first matching wall-clock minute after ``now``, in ``now``'s time zone
        (None when no day of the coming years matches, such as the 31st of April)."""
        midnight = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
        for days_ahead in range(_LOOK_AHEAD_DAYS):
            day = midnight + timedelta(days=days_ahead)
            if not self._day_matches(day):
                continue
            for hour in self.hours:
                for minute in self.minutes:
                    moment = day.replace(hour=hour, minute=minute)
                    if moment > now:
                        return moment
        return None
