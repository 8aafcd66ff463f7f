"""Where the sun is: NOAA's low-precision solar position formulas (about 0.5 degree)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["SunPosition", "sun_position"]


@dataclass(frozen=True, slots=True)
class SunPosition:
    elevation: float  # degrees above the horizon (negative at night)
    azimuth: float  # degrees clockwise from north


def sun_position(moment: datetime, latitude: float, longitude: float) -> SunPosition:
    """The sun's position seen from ``latitude``/``longitude`` at ``moment`` (aware)."""
    utc = moment.astimezone(UTC)
    hours = utc.hour + utc.minute / 60 + utc.second / 3600
    # The fractional year, in radians.
    g = 2 * math.pi / 365 * (utc.timetuple().tm_yday - 1 + (hours - 12) / 24)
    equation_of_time = 229.18 * (
        0.000075
        + 0.001868 * math.cos(g)
        - 0.032077 * math.sin(g)
        - 0.014615 * math.cos(2 * g)
        - 0.040849 * math.sin(2 * g)
    )
    declination = (
        0.006918
        - 0.399912 * math.cos(g)
        + 0.070257 * math.sin(g)
        - 0.006758 * math.cos(2 * g)
        + 0.000907 * math.sin(2 * g)
        - 0.002697 * math.cos(3 * g)
        + 0.00148 * math.sin(3 * g)
    )
    true_solar_minutes = hours * 60 + equation_of_time + 4 * longitude
    hour_angle = math.radians(true_solar_minutes / 4 - 180)
    lat = math.radians(latitude)
    cos_zenith = math.sin(lat) * math.sin(declination) + math.cos(lat) * math.cos(
        declination
    ) * math.cos(hour_angle)
    elevation = 90 - math.degrees(math.acos(max(-1.0, min(1.0, cos_zenith))))
    azimuth = math.degrees(
        math.atan2(
            math.sin(hour_angle),
            math.cos(hour_angle) * math.sin(lat) - math.tan(declination) * math.cos(lat),
        )
    )
    return SunPosition(round(elevation, 2), round((azimuth + 180) % 360, 2))
