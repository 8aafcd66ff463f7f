"""Times of the day: ``binary_sensor:`` items with ``platform: tod`` (and the UI's
"Times of the Day" helpers), as Home Assistant 2024.3 makes them.

The sensor is on from its ``after`` to its ``before`` limit: each a time of day (local)
or ``sunrise``/``sunset`` at the house's location, moved by ``after_offset`` /
``before_offset``. A ``before`` earlier than ``after`` is the next day's (across
midnight); equal limits make a sensor that is never on. Its attributes are the
window's bounds and its next change (``after``, ``before``, ``next_update``), local
ISO texts.

Home Assistant's arithmetic is kept, quirks and all, since they decide when the
sensor flips: the first window is worked out from today's limits, and each later one
by moving both limits a day on. A time limit moves by a wall-clock day (a time the
spring change skips becomes the first one after it) and comes back to the hour and
minute written, so its offset counts only on the first day; a sun limit moves to the
next such event, its offset added again. A sun event the day lacks (polar day or
night) is the next one that happens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from homeloom.orchestrator import (
    ConfigIssue,
    Context,
    Runtime,
    next_sun_event,
    sun_event_time,
)

from ._durations import DurationError, parse_duration
from ._entity_hooks import Hooks, stop_entity
from ._platform_options import OptionError, option_issue, refuse_unknown_keys, required_text_option
from ._registered_ids import registered_entity_id, with_registry_names
from ._slugs import entity_slug

__all__ = ["TodSensor", "setup_tod", "time_of_day"]

SUN_EVENTS = ("sunrise", "sunset")
_KEYS = ("after", "before", "name", "after_offset", "before_offset", "unique_id")
# A limit: a local time of day, or a sun event's name.
Limit = time | str
_NEVER = datetime.min.replace(tzinfo=UTC)


class NoSunEvent(ValueError):
    """The sun event does not happen within a year of the moment asked."""


def time_of_day(value: Any, key: str) -> time:
    """A time as Home Assistant's ``cv.time`` reads it: ``H:M`` or ``H:M:S`` (parts past
    the third are ignored, as there)."""
    parts = str(value).split(":")
    try:
        if len(parts) < 2:
            raise ValueError
        return time(int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) > 2 else 0)
    except ValueError:
        raise OptionError(key, f"{value!r} is not a time (HH:MM or HH:MM:SS)") from None


def _limit(item: Mapping[str, Any], key: str) -> Limit:
    if key not in item:
        raise OptionError(key, f"'{key}' missing")
    value = item[key]
    if isinstance(value, str) and value.lower() in SUN_EVENTS:
        return value.lower()
    try:
        return time_of_day(value, key)
    except OptionError:
        message = f"{value!r} is neither a time (HH:MM or HH:MM:SS) nor sunrise or sunset"
        if isinstance(value, int):  # YAML reads an unquoted 20:30 as minutes, 1230
            message += " (quote a time: '20:30')"
        raise OptionError(key, message) from None


def _offset(item: Mapping[str, Any], key: str) -> timedelta:
    if key not in item:
        return timedelta()
    try:
        return parse_duration(item[key])
    except DurationError as err:
        raise OptionError(key, f"{key}: {err}") from None


@dataclass
class TodSensor:
    runtime: Runtime
    entity_id: str
    name: str
    after: Limit
    after_offset: timedelta
    before: Limit
    before_offset: timedelta
    # The window's bounds and the next change, in UTC (set by ``start``).
    time_after: datetime = _NEVER
    time_before: datetime = _NEVER
    next_update: datetime = _NEVER
    hooks: Hooks = field(default_factory=Hooks, repr=False)

    def start(self) -> None:
        """Work out the first window and show the state; raises NoSunEvent for a sun
        limit that never comes (Home Assistant fails to add the entity then)."""
        self._first_window()
        self._plan_next_update()
        self._write()
        self._schedule()

    def _schedule(self) -> None:
        # First among the timers due then: an automation firing at the same instant
        # reads the new state, as the sun entity's update does.
        timer = self.runtime.scheduler.call_at(self.next_update, self._update, first=True)
        self.hooks.keep(timer, "update")

    def _update(self, _: datetime) -> None:
        try:
            self._plan_next_update()
        except NoSunEvent:
            return  # as Home Assistant's listener failing: the state stays
        self._write()
        self._schedule()

    def stop(self) -> None:
        stop_entity(self.runtime, self.hooks, self.entity_id)

    def _now(self) -> datetime:
        return self.runtime.now().astimezone(UTC)

    def _sun_on_day(self, event: str, moment: datetime) -> datetime:
        """The event on ``moment``'s local date, or the next one if it has none."""
        day = moment.astimezone(self.runtime.settings.tz).date()
        found = sun_event_time(event, day, self.runtime.settings)
        return found if found is not None else self._sun_after(event, moment)

    def _sun_after(self, event: str, moment: datetime) -> datetime:
        found = next_sun_event(event, moment, self.runtime.settings)
        if found is None:
            raise NoSunEvent(f"no {event} within a year of {moment.isoformat()}")
        return found

    def _today_at(self, limit: time) -> datetime:
        """``limit`` on today's local date, in UTC."""
        tz = self.runtime.settings.tz
        today = self._now().astimezone(tz).date()
        return datetime.combine(today, limit, tzinfo=tz).astimezone(UTC)

    def _first_window(self) -> None:
        now = self._now()
        if isinstance(self.after, str):
            after = self._sun_on_day(self.after, now)
        else:
            after = self._today_at(self.after)
        if isinstance(self.before, str):
            before = self._sun_on_day(self.before, now)
            if before < after:
                before = self._sun_after(self.before, after)
        else:
            before = self._today_at(self.before)
            # Home Assistant compares with the after offset added here only.
            if before < after + self.after_offset:
                before += timedelta(days=1)
        # A window across midnight whose start is still to come today began yesterday.
        if not isinstance(self.after, str) and after > now and before > now + timedelta(days=1):
            after -= timedelta(days=1)
            before -= timedelta(days=1)
        self.time_after = after + self.after_offset
        self.time_before = before + self.before_offset

    def _next_day(self, moment: datetime, limit: Limit, offset: timedelta) -> datetime:
        if isinstance(limit, str):
            return self._sun_after(limit, moment - offset) + offset
        tz = self.runtime.settings.tz
        moved = (moment + timedelta(days=1)).astimezone(tz)
        moved = moved.replace(hour=limit.hour, minute=limit.minute, microsecond=0)
        return _existing(moved).astimezone(UTC)

    def _plan_next_update(self) -> None:
        now = self._now()
        if now < self.time_after:
            self.next_update = self.time_after
        elif now < self.time_before:
            self.next_update = self.time_before
        else:
            self.time_after = self._next_day(self.time_after, self.after, self.after_offset)
            self.time_before = self._next_day(self.time_before, self.before, self.before_offset)
            self.next_update = self.time_after

    def _write(self) -> None:
        now = self._now()
        is_on = self.time_after < self.time_before and self.time_after <= now < self.time_before
        tz = self.runtime.settings.tz
        attributes = {
            "after": self.time_after.astimezone(tz).isoformat(),
            "before": self.time_before.astimezone(tz).isoformat(),
            "next_update": self.next_update.astimezone(tz).isoformat(),
            "friendly_name": self.name,
        }
        self.runtime.states.set(
            self.entity_id,
            "on" if is_on else "off",
            with_registry_names(self.runtime, self.entity_id, attributes),
            context=Context(),
        )


def _existing(local: datetime) -> datetime:
    """``local``, or the first wall-clock second after it that exists (a time the
    spring change skips does not)."""
    while local.astimezone(UTC).astimezone(local.tzinfo) != local:
        local += timedelta(seconds=1)
    return local


def tod_sensor(
    runtime: Runtime, entity_id: str, name: str, options: Mapping[str, Any]
) -> TodSensor:
    """The sensor of an item's (or an entry's) ``after``/``before`` limits and offsets."""
    return TodSensor(
        runtime,
        entity_id,
        name,
        _limit(options, "after"),
        _offset(options, "after_offset"),
        _limit(options, "before"),
        _offset(options, "before_offset"),
    )


def make_tod_entry(
    runtime: Runtime, entity_id: str, name: str, options: Mapping[str, Any]
) -> TodSensor:
    """A "Times of the Day" helper's sensor from its entry's ``after_time`` and
    ``before_time`` (times only, no offsets)."""
    limits = {}
    for key, option in (("after", "after_time"), ("before", "before_time")):
        if option not in options:
            raise OptionError(option, f"'{option}' missing")
        limits[key] = time_of_day(options[option], option)
    sensor = TodSensor(
        runtime, entity_id, name, limits["after"], timedelta(), limits["before"], timedelta()
    )
    sensor.start()
    return sensor


def setup_tod(runtime: Runtime, item: Mapping[str, Any], where: str) -> list[ConfigIssue]:
    """Make a ``platform: tod`` item's binary sensor; a bad item is reported and
    skipped, as Home Assistant skips a platform it cannot set up."""
    try:
        refuse_unknown_keys(item, _KEYS)
        name = required_text_option(item, "name")
        entity_id = registered_entity_id(
            runtime, f"binary_sensor.{entity_slug(name)}", set(), "tod", item.get("unique_id")
        )
        if entity_id is None:  # not added, as Home Assistant does not
            return []
        sensor = tod_sensor(runtime, entity_id, name, item)
        sensor.start()
    except OptionError as err:
        return [option_issue(item, where, err)]
    except (NoSunEvent, OverflowError) as err:  # an offset of ages overflows the calendar
        return [option_issue(item, where, OptionError(None, f"{name}: {err}"))]
    return []
