"""Where the sun is: sunrise, sunset and noon for the house's location (NOAA's algorithm).

Accurate to about a minute, which is what sun triggers and conditions need.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

__all__ = ["distance_m", "next_sun_event", "sun_event_time", "sun_times"]

_ZENITH = 90.833  # the sun's upper limb on the horizon, with refraction
EARTH_RADIUS_M = 6_371_000.0


def _julian_century(day: date) -> float:
    julian_day = datetime.combine(day, time(12), tzinfo=UTC).timestamp() / 86400 + 2440587.5
    return (julian_day - 2451545.0) / 36525.0


def _solar(day: date) -> tuple[float, float]:
    """(equation of time in minutes, declination in degrees) at noon UTC of ``day``."""
    t = _julian_century(day)
    mean_long = (280.46646 + t * (36000.76983 + t * 0.0003032)) % 360
    mean_anom = 357.52911 + t * (35999.05029 - 0.0001537 * t)
    ecc = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    m = math.radians(mean_anom)
    center = (
        math.sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t))
        + math.sin(2 * m) * (0.019993 - 0.000101 * t)
        + math.sin(3 * m) * 0.000289
    )
    true_long = mean_long + center
    omega = 125.04 - 1934.136 * t
    apparent = true_long - 0.00569 - 0.00478 * math.sin(math.radians(omega))
    obliq0 = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60
    obliq = obliq0 + 0.00256 * math.cos(math.radians(omega))
    decl = math.degrees(math.asin(math.sin(math.radians(obliq)) * math.sin(math.radians(apparent))))
    y = math.tan(math.radians(obliq / 2)) ** 2
    l0 = math.radians(mean_long)
    eq_time = 4 * math.degrees(
        y * math.sin(2 * l0)
        - 2 * ecc * math.sin(m)
        + 4 * ecc * y * math.sin(m) * math.cos(2 * l0)
        - 0.5 * y * y * math.sin(4 * l0)
        - 1.25 * ecc * ecc * math.sin(2 * m)
    )
    return eq_time, decl


def sun_times(
    day: date, latitude: float, longitude: float, elevation: float = 0.0
) -> dict[str, datetime | None]:
    """Sunrise, noon and sunset (UTC) of the local ``day``; None when the sun never crosses."""
    eq_time, decl = _solar(day)
    noon_min = 720 - 4 * longitude - eq_time
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    noon = midnight + timedelta(minutes=noon_min)
    zenith = _ZENITH + 2.076 * math.sqrt(max(elevation, 0.0)) / 60
    lat = math.radians(latitude)
    cos_h = (math.cos(math.radians(zenith)) - math.sin(lat) * math.sin(math.radians(decl))) / (
        math.cos(lat) * math.cos(math.radians(decl))
    )
    if cos_h > 1 or cos_h < -1:
        return {"sunrise": None, "noon": noon, "sunset": None}
    hour_angle = math.degrees(math.acos(cos_h))
    return {
        "sunrise": noon - timedelta(minutes=4 * hour_angle),
        "noon": noon,
        "sunset": noon + timedelta(minutes=4 * hour_angle),
    }


def _location(settings: Any) -> tuple[float, float, float]:
    return float(settings.latitude), float(settings.longitude), float(settings.elevation)


def sun_event_time(event: str, day: date, settings: Any) -> datetime | None:
    """When ``event`` (sunrise, sunset, noon) happens on the house's local ``day``."""
    lat, lon, elevation = _location(settings)
    # The UTC date whose solar noon falls on the local day.
    tz = settings.tz
    local_noon = datetime.combine(day, time(12), tzinfo=tz)
    times = sun_times(local_noon.astimezone(UTC).date(), lat, lon, elevation)
    found = times.get(event)
    if found is None:
        return None
    # Near the date line the UTC date can be off by one; move into the local day.
    local_day = found.astimezone(tz).date()
    if local_day != day:
        shifted = sun_times(
            local_noon.astimezone(UTC).date() + (day - local_day), lat, lon, elevation
        ).get(event)
        return shifted
    return found


def next_sun_event(
    event: str, after: datetime, settings: Any, offset: timedelta = timedelta()
) -> datetime | None:
    """The first ``event`` + ``offset`` strictly after ``after``, within a year."""
    day = after.astimezone(settings.tz).date() - timedelta(days=1)
    for _ in range(370):
        found = sun_event_time(event, day, settings)
        if found is not None and found + offset > after:
            return found + offset
        day += timedelta(days=1)
    return None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
