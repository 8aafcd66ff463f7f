"""The ``geo_location`` trigger: an event of a feed (earthquakes, bushfires...) entering
or leaving a zone, as Home Assistant 2024.3 makes it.

Every ``geo_location.*`` entity whose ``source`` attribute is the trigger's ``source``
is watched, those made later too; it enters when the change puts it in the zone and
it was not (or did not exist), leaves when it was and no longer is (or is removed).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import EVENT_STATE_CHANGED, Event, Runtime, State, Unsubscribe

from ._condition_base import ConditionError
from ._condition_zone import in_zone
from ._errors import fail
from ._triggers import Attach, Fire, Validate, entity_ids_of

__all__ = ["GEO_PLATFORMS"]

_LOGGER = logging.getLogger(__name__)
_DOMAIN_PREFIX = "geo_location."


def _validate_geo(runtime: Runtime, config: Mapping[str, Any]) -> None:
    path = config["_path"]
    source = config.get("source")
    if source is None or isinstance(source, Mapping | list):
        raise fail(config, "source", f"{path}.source", "'source' names the feed, such as usgs")
    zones = entity_ids_of(config, "zone")
    if len(zones) != 1 or not zones[0].startswith("zone."):
        raise fail(config, "zone", f"{path}.zone", "'zone' is one zone, such as zone.home")
    if config.get("event", "enter") not in ("enter", "leave"):
        raise fail(config, "event", f"{path}.event", "expected 'enter' or 'leave'")


def _from_source(state: State | None, source: str) -> bool:
    return state is not None and state.attributes.get("source") == source


def _attach_geo(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    source = str(config["source"]).lower()  # the feed's attribute is compared as written
    zone_id = entity_ids_of(config, "zone")[0]
    event_kind = config.get("event", "enter")

    def inside(state: State | None, zone: State) -> bool:
        return state is not None and in_zone(state, zone)

    def on_change(event: Event) -> None:
        entity_id = event.data["entity_id"]
        if not entity_id.startswith(_DOMAIN_PREFIX):
            return
        old, new = event.data["old_state"], event.data["new_state"]
        if not _from_source(old, source) and not _from_source(new, source):
            return
        zone = runtime.states.get(zone_id)
        if zone is None:
            _LOGGER.warning("geo_location trigger: zone %s not found", zone_id)
            return
        try:
            was, now = inside(old, zone), inside(new, zone)
        except ConditionError as err:  # an event without coordinates, as there
            _LOGGER.error("geo_location trigger on %s: %s", entity_id, err)
            return
        if (event_kind == "enter" and not was and now) or (
            event_kind == "leave" and was and not now
        ):
            data = {
                "source": source,
                "entity_id": entity_id,
                "from_state": old,
                "to_state": new,
                "zone": zone,
                "event": event_kind,
                "description": f"geo_location - {source}",
            }
            fire(data, event.context)

    return runtime.bus.listen(EVENT_STATE_CHANGED, on_change)


GEO_PLATFORMS: dict[str, tuple[Attach, Validate]] = {"geo_location": (_attach_geo, _validate_geo)}
