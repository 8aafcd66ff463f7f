"""Where the sun is: sunrise, sunset and noon for the house's location (NOAA's algorithm).

Accurate to about a minute, which is what sun triggers and conditions need.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

__all__ = [
    "distance_m",
    "next_sun_event",
    "solar_midnight",
    "solar_noon",
    "sun_event_time",
    "sun_position",
    "sun_times",
    "sun_transit",
]

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
        # Products, not powers: the last bit then matches astral's.
        seconds = 58.1 / te - 0.07 / (te * te * te) + 0.000086 / (te * te * te * te * te)
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


# --- Home Assistant's sun entity ----------------------------------------------
# The ``sun.sun`` entity shows event times to the microsecond and angles to two
# decimals, so the functions below follow astral 2's arithmetic step for step
# (the same NOAA formulas as above, evaluated in the same order): dawn, dusk,
# rising and setting for a UTC date, solar noon and midnight to the whole second,
# and the sun's elevation and azimuth at a moment.

_J2000 = 2451545.0
_DAYS_PER_CENTURY = 36525.0


def _julian_day(day: date) -> float:
    """The Julian day at 0:00 UTC of ``day``."""
    return day.toordinal() + 1721424.5


def _century(julian_day: float) -> float:
    return (julian_day - _J2000) / _DAYS_PER_CENTURY


def _equation_of_time_and_declination(t: float) -> tuple[float, float]:
    """(equation of time in minutes, declination in degrees) at Julian century ``t``."""
    mean_long = (280.46646 + t * (36000.76983 + 0.0003032 * t)) % 360.0
    anomaly = math.radians(357.52911 + t * (35999.05029 - 0.0001537 * t))
    eccentricity = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    center = (
        math.sin(anomaly) * (1.914602 - t * (0.004817 + 0.000014 * t))
        + math.sin(anomaly + anomaly) * (0.019993 - 0.000101 * t)
        + math.sin(anomaly + anomaly + anomaly) * 0.000289
    )
    omega = math.radians(125.04 - 1934.136 * t)
    apparent_long = math.radians(mean_long + center - 0.00569 - 0.00478 * math.sin(omega))
    seconds = 21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))
    obliquity = 23.0 + (26.0 + seconds / 60.0) / 60.0 + 0.00256 * math.cos(omega)
    declination = math.degrees(
        math.asin(math.sin(math.radians(obliquity)) * math.sin(apparent_long))
    )
    half_tan = math.tan(math.radians(obliquity) / 2.0)
    y = half_tan * half_tan
    l0 = math.radians(mean_long)
    sin_m = math.sin(anomaly)
    equation = (
        y * math.sin(2.0 * l0)
        - 2.0 * eccentricity * sin_m
        + 4.0 * eccentricity * y * sin_m * math.cos(2.0 * l0)
        - 0.5 * y * y * math.sin(4.0 * l0)
        - 1.25 * eccentricity * eccentricity * math.sin(2.0 * anomaly)
    )
    return math.degrees(equation) * 4.0, declination


def _minutes_after(day: date, minutes: float) -> datetime:
    """0:00 UTC of ``day`` plus ``minutes``, cut (not rounded) to the microsecond."""
    whole_days = int(minutes / 1440)
    seconds = (minutes - whole_days * 1440) * 60
    whole_seconds = int(seconds)
    micro = int((seconds - whole_seconds) * 1_000_000)
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return midnight + timedelta(days=whole_days, seconds=whole_seconds, microseconds=micro)


def _transit_minutes(
    latitude: float, longitude: float, t: float, zenith: float, rising: bool
) -> float:
    _, declination = _equation_of_time_and_declination(t)
    lat, decl = math.radians(latitude), math.radians(declination)
    # math.acos raises ValueError when the sun never reaches ``zenith`` that day.
    cos_angle = (math.cos(math.radians(zenith)) - math.sin(lat) * math.sin(decl)) / (
        math.cos(lat) * math.cos(decl)
    )
    hour_angle = math.acos(cos_angle) if rising else -math.acos(cos_angle)
    equation, _ = _equation_of_time_and_declination(t)
    return 720.0 + 4.0 * (-longitude - math.degrees(hour_angle)) - equation


def sun_transit(
    day: date, latitude: float, longitude: float, elevation: float, zenith: float, rising: bool
) -> datetime:
    """When the sun's centre crosses ``zenith`` degrees on the UTC ``day``, rising or
    setting, seen from ``elevation`` metres (with refraction); ValueError if it does not."""
    latitude = max(-89.8, min(89.8, latitude))
    if elevation > 0:
        zenith += math.degrees(math.acos(_HORIZON_RADIUS_M / (_HORIZON_RADIUS_M + elevation)))
    refraction = _refraction(zenith)
    t = _century(_julian_day(day))
    minutes = _transit_minutes(latitude, longitude, t, zenith - refraction, rising)
    t = _century(t * _DAYS_PER_CENTURY + _J2000 + minutes / 1440.0)
    minutes = _transit_minutes(latitude, longitude, t, zenith + refraction, rising)
    return _minutes_after(day, minutes)


def _at_whole_second(day: date, hours: float) -> datetime:
    """``day`` at ``hours`` UTC cut to the second, as astral's noon and midnight are."""
    hour = int(hours)
    minute = int((hours - hour) * 60)
    second = int(((hours - hour) * 60 - minute) * 60)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start + timedelta(hours=hour, minutes=minute, seconds=second)


def solar_noon(day: date, longitude: float) -> datetime:
    """The sun's highest point on the UTC ``day``, to the second."""
    equation, _ = _equation_of_time_and_declination(_century(_julian_day(day)))
    return _at_whole_second(day, (720.0 - 4 * longitude - equation) / 60.0)


def solar_midnight(day: date, longitude: float) -> datetime:
    """The sun's lowest point nearest 0:00 UTC of ``day`` (maybe the evening before)."""
    t = _century(_julian_day(day) + 0.5 + -longitude / 360.0)
    equation, _ = _equation_of_time_and_declination(t)
    return _at_whole_second(day, (-longitude * 4.0 - equation) / 60.0)


def sun_position(moment: datetime, latitude: float, longitude: float) -> tuple[float, float]:
    """(elevation with refraction, azimuth) in degrees of the sun at ``moment``, whose
    microseconds are ignored as astral ignores them."""
    utc = moment.astimezone(UTC)
    latitude = max(-89.8, min(89.8, latitude))
    hours = utc.hour + utc.minute / 60.0 + utc.second / 3600.0
    equation, declination = _equation_of_time_and_declination(
        _century(_julian_day(utc.date()) + hours / 24.0)
    )
    solar_minutes = utc.hour * 60.0 + utc.minute + utc.second / 60.0 + (equation - 4.0 * -longitude)
    while solar_minutes > 1440:
        solar_minutes -= 1440
    hour_angle = solar_minutes / 4.0 - 180.0
    if hour_angle < -180:
        hour_angle += 360.0
    lat, decl = math.radians(latitude), math.radians(declination)
    cos_zenith = math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(
        math.radians(hour_angle)
    )
    zenith = math.degrees(math.acos(max(-1.0, min(1.0, cos_zenith))))
    denominator = math.cos(lat) * math.sin(math.radians(zenith))
    if abs(denominator) > 0.001:
        cos_azimuth = (
            math.sin(lat) * math.cos(math.radians(zenith)) - math.sin(decl)
        ) / denominator
        azimuth = 180.0 - math.degrees(math.acos(max(-1.0, min(1.0, cos_azimuth))))
        if hour_angle > 0.0:
            azimuth = -azimuth
    else:
        azimuth = 180.0 if latitude > 0.0 else 0.0
    if azimuth < 0.0:
        azimuth += 360.0
    return 90.0 - (zenith - _refraction(zenith)), azimuth
