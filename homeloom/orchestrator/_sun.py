"""Where the sun is: sunrise, sunset and noon for the house's location (NOAA's algorithm).

Accurate to about a minute, which is what sun triggers and conditions need.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

__all__ = ["distance_m", "next_sun_event", "sun_event_time", "sun_times"]

_SUN_RADIUS = 32.0 / (60.0 * 2.0)  # apparent radius of the sun, degrees
EARTH_RADIUS_M = 6_371_000.0
_HORIZON_RADIUS_M = 6_356_900.0  # the radius astral uses for the dip of the horizon


def _julian_century(moment: datetime) -> float:
    julian_day = moment.timestamp() / 86400 + 2440587.5
    return (julian_day - 2451545.0) / 36525.0


def _solar(moment: datetime) -> tuple[float, float]:
    """(equation of time in minutes, declination in degrees) at ``moment``."""
    t = _julian_century(moment)
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


def _refraction(zenith: float) -> float:
    """Atmospheric refraction in degrees for the sun at ``zenith`` degrees."""
    elevation = 90.0 - zenith
    if elevation >= 85.0:
        return 0.0
    te = math.tan(math.radians(elevation))
    if elevation > 5.0:
        seconds = 58.1 / te - 0.07 / te**3 + 0.000086 / te**5
    elif elevation > -0.575:
        seconds = 1735.0 + elevation * (
            -518.2 + elevation * (103.4 + elevation * (-12.79 + elevation * 0.711))
        )
    else:
        seconds = -20.774 / te
    return seconds / 3600.0


def _crossing(
    midnight: datetime, latitude: float, longitude: float, zeniths: tuple[float, float], sign: int
) -> datetime | None:
    """When the sun crosses the horizon rising (sign -1) or setting (+1), in two passes."""
    lat = math.radians(latitude)
    moment = midnight
    minutes = 0.0
    for zenith in zeniths:
        eq_time, decl = _solar(moment)
        d = math.radians(decl)
        cos_h = math.cos(math.radians(zenith)) / (math.cos(lat) * math.cos(d)) - math.tan(
            lat
        ) * math.tan(d)
        if cos_h > 1 or cos_h < -1:
            return None
        hour_angle = math.degrees(math.acos(cos_h))
        minutes = 720 - 4 * longitude + sign * 4 * hour_angle - eq_time
        moment = midnight + timedelta(minutes=minutes)
    return moment


def sun_times(
    day: date, latitude: float, longitude: float, elevation: float = 0.0
) -> dict[str, datetime | None]:
    """Sunrise, noon and sunset (UTC) of the UTC ``day``; None when the sun never crosses.

    The sun's upper limb on the horizon with refraction, computed as Home Assistant's
    astral library does (so sun triggers fire when Home Assistant's would), with the dip
    of the horizon seen from ``elevation`` metres.
    """
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    zenith = 90.0 + _SUN_RADIUS
    if elevation > 0:
        zenith += math.degrees(math.acos(_HORIZON_RADIUS_M / (_HORIZON_RADIUS_M + elevation)))
    refraction = _refraction(zenith)
    zeniths = (zenith - refraction, zenith + refraction)
    eq_time, _ = _solar(midnight + timedelta(hours=12))
    noon = midnight + timedelta(minutes=720 - 4 * longitude - eq_time)
    return {
        "sunrise": _crossing(midnight, latitude, longitude, zeniths, -1),
        "noon": noon,
        "sunset": _crossing(midnight, latitude, longitude, zeniths, 1),
    }


def _location(settings: Any) -> tuple[float, float, float]:
    return float(settings.latitude), float(settings.longitude), float(settings.elevation)


def sun_event_time(event: str, day: date, settings: Any, *, local: bool = False) -> datetime | None:
    """When ``event`` (sunrise, sunset, noon) happens on ``day``, as Home Assistant
    reckons it: the event astral computes for that date in UTC (``local=False``), whose
    solar noon is near 12:00 UTC less the longitude. It falls on the local ``day``
    except where the time zone is more than twelve hours from the sun's time (east of
    the date line at a western longitude: Kiritimati, Tonga, Samoa), where it is the
    next local day's: there Home Assistant's sun condition takes it, so this does too.

    ``local``: the event of the local ``day`` wherever the house is (the daylight of a
    simulated house).
    """
    lat, lon, elevation = _location(settings)
    if not local:
        return sun_times(day, lat, lon, elevation).get(event)
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
    """The first ``event`` + ``offset`` strictly after ``after``, within a year: as Home
    Assistant looks for it, from the event of the day before the local date on."""
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
