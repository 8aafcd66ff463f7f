"""``distance`` and ``closest``: how far things are, on the ellipsoid Home Assistant uses.

Distances are in the house's length unit: kilometres, or miles in a ``us_customary``
house. A point is an entity (id or state) with float ``latitude`` and ``longitude``
attributes, or a latitude and a longitude; a point that is neither is a warning and
the result None, as in Home Assistant.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from homeloom.orchestrator import Runtime, State, valid_entity_id

from ._template_house import HouseFunctions
from ._template_states import TemplateState

__all__ = ["LocationFunctions", "vincenty_km"]

_LOGGER = logging.getLogger(__name__)

# WGS-84, the ellipsoid of GPS coordinates.
_SEMI_MAJOR_M = 6378137.0
_SEMI_MINOR_M = 6356752.314245
_FLATTENING = 1 / 298.257223563
# Inches to feet to yards to miles, multiplied in this order so that a distance in miles
# comes out to the last bit as in Home Assistant.
_METRES_PER_MILE = 0.0254 * 12 * 3 * 1760

Point = tuple[float, float]


def vincenty_km(start: Point, end: Point) -> float | None:
    """The distance between two points in kilometres to the millimetre, by Vincenty's
    inverse method; None when it does not converge (nearly antipodal points)."""
    if start == end:
        return 0.0
    reduced_1 = math.atan((1 - _FLATTENING) * math.tan(math.radians(start[0])))
    reduced_2 = math.atan((1 - _FLATTENING) * math.tan(math.radians(end[0])))
    sin_u1, cos_u1 = math.sin(reduced_1), math.cos(reduced_1)
    sin_u2, cos_u2 = math.sin(reduced_2), math.cos(reduced_2)
    longitude_gap = math.radians(end[1] - start[1])
    lam = longitude_gap
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.sqrt(
            (cos_u2 * sin_lam) ** 2 + (cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam) ** 2
        )
        if sin_sigma == 0.0:
            return 0.0
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos_sq_alpha = 1 - sin_alpha**2
        # Along the equator cos_sq_alpha is 0 and this term is 0 too.
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos_sq_alpha if cos_sq_alpha else 0.0
        c = _FLATTENING / 16 * cos_sq_alpha * (4 + _FLATTENING * (4 - 3 * cos_sq_alpha))
        previous = lam
        lam = longitude_gap + (1 - c) * _FLATTENING * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
        )
        if abs(lam - previous) < 1e-12:
            break
    else:
        return None
    u_sq = cos_sq_alpha * (_SEMI_MAJOR_M**2 - _SEMI_MINOR_M**2) / _SEMI_MINOR_M**2
    a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = (
        b
        * sin_sigma
        * (
            cos_2sm
            + b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm**2)
                - b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    return round(_SEMI_MINOR_M * a * (sigma - delta_sigma) / 1000, 6)


def _as_float(value: Any) -> float | None:
    try:
        return float(value)
    except (ValueError, TypeError):
        return None


def _location(state: Any) -> Point | None:
    """A state's coordinates; None unless both are floats (as Home Assistant asks)."""
    if not isinstance(state, State | TemplateState):
        return None
    latitude = state.attributes.get("latitude")
    longitude = state.attributes.get("longitude")
    if isinstance(latitude, float) and isinstance(longitude, float):
        return latitude, longitude
    return None


class LocationFunctions:
    def __init__(self, runtime: Runtime, house: HouseFunctions) -> None:
        self.runtime = runtime
        self.house = house

    def _resolve(self, value: Any) -> Any:
        """A state for an entity id or state; None for anything else."""
        if isinstance(value, State | TemplateState):
            return value
        if isinstance(value, str):
            return self.house.state(value)
        return None

    def _in_house_unit(self, metres: float) -> float:
        # Times the inverse, not divided: the same last bit as Home Assistant's converter.
        if self.runtime.settings.unit_system == "us_customary":
            return metres * (1 / _METRES_PER_MILE)
        return metres * (1 / 1000)

    def _metres(self, start: Point, end: Point) -> float:
        km = vincenty_km(start, end)
        if km is None:  # Home Assistant fails the render here too
            raise TypeError("None is not a numeric value.")
        return km * 1000

    def distance(self, *args: Any) -> float | None:
        """From home to one point, or between the first two points given."""
        points: list[Point] = []
        pending = list(args)
        while pending:
            value = pending.pop(0)
            is_text_not_entity = isinstance(value, str) and not valid_entity_id(value)
            state = None if is_text_not_entity else self._resolve(value)
            if state is None:
                if not pending:
                    _LOGGER.warning("Distance:Expected latitude and longitude, got %s", value)
                    return None
                second = pending.pop(0)
                latitude, longitude = _as_float(value), _as_float(second)
                if latitude is None or longitude is None:
                    _LOGGER.warning(
                        "Distance:Unable to process latitude and longitude: %s, %s",
                        value,
                        second,
                    )
                    return None
                points.append((latitude, longitude))
                continue
            location = _location(state)
            if location is None:
                _LOGGER.warning("Distance:State does not contain valid location: %s", state)
                return None
            points.append(location)
        if not points:
            raise TypeError("None is not a numeric value.")
        if len(points) == 1:
            settings = self.runtime.settings
            home = (float(settings.latitude), float(settings.longitude))
            return self._in_house_unit(self._metres(home, points[0]))
        return self._in_house_unit(self._metres(points[0], points[1]))

    def closest(self, *args: Any) -> TemplateState | None:
        """The state nearest home, a point's state, or a latitude and longitude, among
        the entities given (groups and zones expanded as ``expand`` does)."""
        if len(args) == 1:
            settings = self.runtime.settings
            origin: Point = (float(settings.latitude), float(settings.longitude))
        elif len(args) == 2:
            state = self._resolve(args[0])
            if state is None:
                _LOGGER.warning("Closest:Unable to find state %s", args[0])
                return None
            located = _location(state)
            if located is None:
                _LOGGER.warning("Closest:State does not contain valid location: %s", state)
                return None
            origin = located
        elif len(args) >= 3:
            latitude, longitude = _as_float(args[0]), _as_float(args[1])
            if latitude is None or longitude is None:
                _LOGGER.warning("Closest:Received invalid coordinates: %s, %s", args[0], args[1])
                return None
            origin = (latitude, longitude)
        else:
            raise TypeError("closest expected at least 1 argument, got 0")
        candidates = [
            (location, state)
            for state in self.house.expand(args[min(len(args), 3) - 1])
            if (location := _location(state)) is not None
        ]
        if not candidates:
            return None
        # The first of equally near ones, in ``expand``'s order.
        return min(candidates, key=lambda found: vincenty_km(found[0], origin) or 0)[1]

    def closest_filter(self, *args: Any) -> TemplateState | None:
        """``entities | closest(point...)``: the entities come first as a filter."""
        if not args:
            raise TypeError("closest expected at least 1 argument, got 0")
        return self.closest(*args[1:], args[0])
