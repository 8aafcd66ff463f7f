"""The ``zone`` condition, and whether a person or tracker is in a zone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import Runtime, State, distance_m

from ._condition_base import ConditionCheck, ConditionError, _entity_ids
from ._templates import TemplateEngine

__all__ = ["in_zone"]


def _zone(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
) -> ConditionCheck:
    entity_ids = _entity_ids(config, path)
    zones = _entity_ids(config, path, "zone")

    def inside(entity_id: str, zone_id: str) -> bool:
        zone = runtime.states.get(zone_id)
        if zone is None:
            raise ConditionError(f"unknown zone {zone_id}")
        state = runtime.states.get(entity_id)
        if state is None:
            raise ConditionError(f"unknown entity {entity_id}")
        return in_zone(state, zone)

    def check(variables: Mapping[str, Any]) -> bool:
        # As Home Assistant: each entity in one of the zones; errors fail it only when
        # no entity is already outside.
        errors: list[str] = []
        all_inside = True
        for entity_id in entity_ids:
            entity_inside = False
            for zone_id in zones:
                try:
                    if inside(entity_id, zone_id):
                        entity_inside = True
                except ConditionError as err:
                    errors.append(f"error matching {entity_id} with {zone_id}: {err}")
            all_inside = all_inside and entity_inside
        if errors and not all_inside:
            raise ConditionError("; ".join(errors))
        return all_inside

    return check


def in_zone(state: State, zone: State) -> bool:
    """Whether a person or tracker is in a zone, by its coordinates, as Home Assistant.

    Never for an unknown or unavailable state, nor an unavailable zone; the distance
    less the gps accuracy must be strictly below the zone's radius. A state without
    coordinates raises :class:`ConditionError`.
    """
    if state.state in ("unknown", "unavailable"):
        return False
    attributes = state.attributes
    lat, lon = attributes.get("latitude"), attributes.get("longitude")
    if lat is None or lon is None:
        missing = "latitude" if lat is None else "longitude"
        raise ConditionError(f"entity {state.entity_id} has no '{missing}' attribute")
    if zone.state == "unavailable":
        return False
    zone_attributes = zone.attributes
    zlat, zlon = zone_attributes.get("latitude"), zone_attributes.get("longitude")
    radius = zone_attributes.get("radius")
    if zlat is None or zlon is None or radius is None:
        return False
    distance = distance_m(float(lat), float(lon), float(zlat), float(zlon))
    return distance - float(attributes.get("gps_accuracy", 0)) < float(radius)
