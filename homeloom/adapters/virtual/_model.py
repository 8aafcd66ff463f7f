"""The physics of the demo house: daylight, temperatures, people, motion and power.

Everything random comes from generators seeded by the configured seed (and,
for the daily schedule, by the date), so a seed and a clock give the same
house every time.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

ROOMS = ("living_room", "kitchen", "hall", "bedroom", "bathroom", "garage")
MOTION_ROOMS = ("living_room", "kitchen", "hall", "bathroom")
HEATED_ROOMS = ("living_room", "kitchen", "bedroom", "bathroom")
LIT_ROOMS = ("living_room", "hall")


@dataclass(slots=True)
class Person:
    key: str
    name: str
    leaves: time
    returns: time
    home: bool = True


@dataclass(slots=True)
class Schedule:
    """When each person is out on a given day."""

    away: dict[str, tuple[datetime, datetime] | None] = field(default_factory=dict)


def day_schedule(seed: int, day: date, tz: tzinfo, people: list[Person]) -> Schedule:
    rng = random.Random(f"{seed}:{day.isoformat()}")
    schedule = Schedule()
    weekend = day.weekday() >= 5
    for person in people:
        if weekend and rng.random() < 0.6:
            schedule.away[person.key] = None
            continue
        leave = datetime.combine(day, person.leaves, tz) + timedelta(minutes=rng.randint(-20, 20))
        back = datetime.combine(day, person.returns, tz) + timedelta(minutes=rng.randint(-40, 40))
        if weekend:
            leave += timedelta(hours=2)
            back -= timedelta(hours=4)
        schedule.away[person.key] = (leave, back)
    return schedule


def daylight_lux(now: datetime, sunrise: datetime | None, sunset: datetime | None) -> float:
    """Outdoor light, 0 at night, a smooth arch between sunrise and sunset."""
    if sunrise is None or sunset is None or not sunrise < now < sunset:
        return 0.0
    span = (sunset - sunrise).total_seconds()
    phase = (now - sunrise).total_seconds() / span
    return 20000.0 * math.sin(math.pi * phase)


def outdoor_temperature(now: datetime, tz: tzinfo, noise: float) -> float:
    local = now.astimezone(tz)
    hours = local.hour + local.minute / 60
    # Coldest near 05:00, warmest near 15:00.
    return 15.0 + 6.0 * math.sin((hours - 9.0) / 24 * 2 * math.pi) + noise


@dataclass(slots=True)
class RoomClimate:
    temperature: float

    def step(self, outdoor: float, heating: bool, minutes: float) -> None:
        # Heat leaks towards outdoors; a heating thermostat adds warmth.
        self.temperature += (outdoor - self.temperature) * 0.002 * minutes
        if heating:
            self.temperature += 0.05 * minutes


def room_lux(daylight: float, light_on: bool, brightness: int, blinds_open: float) -> float:
    """Indoor light: a share of daylight through the windows, plus the room's lamp."""
    lamp = 300.0 * brightness / 255 if light_on else 0.0
    return daylight * 0.02 * blinds_open + lamp
