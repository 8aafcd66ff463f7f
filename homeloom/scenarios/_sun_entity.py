"""The ``sun.sun`` entity, kept as Home Assistant's ``sun`` integration keeps it.

A configuration with ``sun:`` or ``default_config:`` has it. Its state is
``above_horizon`` or ``below_horizon``; its attributes are the next dawn, dusk,
solar midnight, solar noon, rising and setting (UTC ISO text), the elevation and
azimuth (degrees, to two decimals) and ``rising``.

Home Assistant updates it sparingly, and automations see exactly those updates
(a ``numeric_state`` trigger on the elevation fires at an update, not at the
crossing), so this follows its schedule: every solar event below recomputes the
next events and the phase of the day; the position is refreshed at once and then
every few minutes, more often when the sun is low, skipping a refresh that would
fall within a quarter interval of the next event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from homeloom.orchestrator import ConfigIssue, Runtime, Unsubscribe
from homeloom.orchestrator._sun import (
    solar_midnight,
    solar_noon,
    sun_position,
    sun_transit,
)

__all__ = ["SUN_ENTITY_ID", "SunEntity", "setup_sun"]

SUN_ENTITY_ID = "sun.sun"
# Below this elevation (the sun's upper limb on the horizon, as astral has it) it is night.
_HORIZON_ELEVATION = -0.833
_SUNRISE_ZENITH = 90.0 + 32.0 / (60.0 * 2.0)

_NIGHT = "night"
_ASTRONOMICAL_TWILIGHT = "astronomical_twilight"
_NAUTICAL_TWILIGHT = "nautical_twilight"
_TWILIGHT = "twilight"
_SMALL_DAY = "small_day"
_DAY = "day"
# The sun moves about a degree every four minutes: refresh often only when it is low.
_POSITION_INTERVAL = {
    _NIGHT: timedelta(minutes=20),
    _ASTRONOMICAL_TWILIGHT: timedelta(minutes=8),
    _NAUTICAL_TWILIGHT: timedelta(minutes=8),
    _TWILIGHT: timedelta(minutes=4),
    _SMALL_DAY: timedelta(minutes=2),
    _DAY: timedelta(minutes=4),
}
# The lowest elevation of each phase, highest first, to name the phase at noon or midnight.
_PHASE_FLOORS = (
    (10.0, _DAY),
    (0.0, _SMALL_DAY),
    (-6.0, _TWILIGHT),
    (-12.0, _NAUTICAL_TWILIGHT),
    (-18.0, _ASTRONOMICAL_TWILIGHT),
)


@dataclass(frozen=True, slots=True)
class _SolarEvent:
    """One event of the solar day: the sun's centre at ``zenith`` rising or setting, or
    with ``zenith`` None, noon (``rising``) or midnight; the phase that ends when it
    comes, if it ends one; the attribute that shows it, if any."""

    attribute: str | None
    zenith: float | None
    rising: bool
    phase_before: str | None


# In Home Assistant's order: when two events fall at the same instant, the first wins.
_EVENTS = (
    _SolarEvent(None, 108.0, True, _NIGHT),
    _SolarEvent(None, 102.0, True, _ASTRONOMICAL_TWILIGHT),
    _SolarEvent("next_dawn", 96.0, True, _NAUTICAL_TWILIGHT),
    _SolarEvent("next_rising", _SUNRISE_ZENITH, True, _TWILIGHT),
    _SolarEvent(None, 80.0, True, _SMALL_DAY),
    _SolarEvent("next_noon", None, True, None),
    _SolarEvent(None, 80.0, False, _DAY),
    _SolarEvent("next_setting", _SUNRISE_ZENITH, False, _SMALL_DAY),
    _SolarEvent("next_dusk", 96.0, False, _TWILIGHT),
    _SolarEvent(None, 102.0, False, _NAUTICAL_TWILIGHT),
    _SolarEvent(None, 108.0, False, _ASTRONOMICAL_TWILIGHT),
    _SolarEvent("next_midnight", None, False, None),
)
_ATTRIBUTE_ORDER = (
    "next_dawn",
    "next_dusk",
    "next_midnight",
    "next_noon",
    "next_rising",
    "next_setting",
)


class SunEntity:
    """``sun.sun``: its events, its phase and the timers that keep it current."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self.latitude = float(settings.latitude)
        self.longitude = float(settings.longitude)
        self.elevation = float(settings.elevation)
        self.next_events: dict[str, datetime] = {}
        self.next_change = datetime.max.replace(tzinfo=UTC)
        self.phase = _NIGHT
        self.rising = False
        self._cancel_position: Unsubscribe | None = None
        self._cancel_events: Unsubscribe | None = None

    def _event_on(self, event: _SolarEvent, day: date) -> datetime:
        if event.zenith is not None:
            return sun_transit(
                day, self.latitude, self.longitude, self.elevation, event.zenith, event.rising
            )
        if event.rising:
            return solar_noon(day, self.longitude)
        return solar_midnight(day, self.longitude)

    def _next(self, event: _SolarEvent, now: datetime) -> datetime:
        """The first ``event`` after ``now``, looked for from the local day before on."""
        local_day = now.astimezone(self.runtime.settings.tz).date()
        for days in range(-1, 367):
            try:
                found = self._event_on(event, local_day + timedelta(days=days))
            except ValueError:  # the sun does not reach that elevation that day
                continue
            if found > now:
                return found
        # Within a year the sun reaches every elevation used here, at any latitude.
        raise AssertionError(f"no {event} within a year of {now}")

    def update_events(self, _: datetime | None = None) -> None:
        """Recompute the next events and the phase; refresh the position at once."""
        now = self.runtime.now().astimezone(UTC)
        self.next_change = now + timedelta(days=400)
        phase: str | None = None
        for event in _EVENTS:
            when = self._next(event, now)
            if event.attribute is not None:
                self.next_events[event.attribute] = when
            if when < self.next_change:
                self.next_change, phase = when, event.phase_before
        self.phase = phase or self._phase_at(self.next_change)
        self.rising = self.next_events["next_noon"] < self.next_events["next_midnight"]
        if self._cancel_position is not None:
            self._cancel_position()
        self.update_position()
        # First among the timers due then: a sun trigger firing at the same event
        # sees the updated entity, as in Home Assistant, whose runs start in a task.
        self._cancel_events = self.runtime.scheduler.call_at(
            self.next_change, self.update_events, first=True
        )

    def relocate(self, latitude: float, longitude: float, elevation: float) -> None:
        """The house moved (``homeassistant.set_location``): its events from there on."""
        place = (float(latitude), float(longitude), float(elevation))
        if place == (self.latitude, self.longitude, self.elevation):
            return
        self.latitude, self.longitude, self.elevation = place
        if self._cancel_events is not None:
            self._cancel_events()
        self.update_events()

    def _phase_at(self, moment: datetime) -> str:
        """The phase by the elevation at ``moment`` (the next event is noon or midnight)."""
        elevation, _ = sun_position(moment, self.latitude, self.longitude)
        return next((phase for floor, phase in _PHASE_FLOORS if elevation >= floor), _NIGHT)

    def update_position(self, _: datetime | None = None) -> None:
        """Write the state with the sun's position now; plan the next refresh."""
        now = self.runtime.now().astimezone(UTC)
        elevation, azimuth = sun_position(now, self.latitude, self.longitude)
        elevation, azimuth = round(elevation, 2), round(azimuth, 2)
        attributes: dict[str, Any] = {
            name: self.next_events[name].isoformat() for name in _ATTRIBUTE_ORDER
        }
        attributes.update(elevation=elevation, azimuth=azimuth, rising=self.rising)
        attributes["friendly_name"] = "Sun"
        state = "above_horizon" if elevation > _HORIZON_ELEVATION else "below_horizon"
        self.runtime.states.set(SUN_ENTITY_ID, state, attributes)
        interval = _POSITION_INTERVAL[self.phase]
        if now + interval * 1.25 > self.next_change:
            self._cancel_position = None  # the next event refreshes it
            return
        self._cancel_position = self.runtime.scheduler.call_at(now + interval, self.update_position)


def setup_sun(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Create ``sun.sun`` when the configuration has ``sun:`` or ``default_config:``."""
    if "sun" not in config and "default_config" not in config:
        return []
    issues: list[ConfigIssue] = []
    if config.get("sun"):  # as in Home Assistant, reported and otherwise ignored
        issues.append(ConfigIssue("'sun' takes no options", key="sun"))
    sun = SunEntity(runtime)
    sun.update_events()
    runtime.components["sun"] = sun
    return issues
