"""Utility meters made in Home Assistant's UI: config entries of the ``utility_meter``
domain, made as Home Assistant 2024.3 makes them.

The entry's ``options`` are the YAML options but for a few: ``cycle`` may be
``none``, ``offset`` is a number of days, the name is the entry's ``title``, and
``source`` may be an entity registry id. The select is ``select.<title>``, the
sensors ``sensor.<title>`` or ``sensor.<title> <tariff>`` (as slugs), unless the
entity registry keeps other ids for them (their unique ids: the entry id, and
``<entry id>_<tariff>`` for a tariff's sensor).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeloom.orchestrator import Runtime

from ._platform_options import OptionError, registry_entity_id
from ._slugs import entity_slug
from ._utility_meter import Meter
from ._utility_meter_config import make_meter, meter_options, start_meters

__all__ = ["make_meter_entry", "meter_unique_ids"]

EntityIdOf = Callable[[str, str], "str | None"]
"""The entity id the entity registry keeps for ``(entity domain, unique id)``."""


def make_meter_entry(
    runtime: Runtime,
    entry_id: str,
    title: str,
    options: Mapping[str, Any],
    entity_id_of: EntityIdOf,
    registry_ids: Mapping[str, str],
) -> Meter:
    """Make and start the entry's meter; ``OptionError`` names an option it cannot use."""
    item = {key: value for key, value in options.items() if key != "name"}
    if "source" in item:
        item["source"] = registry_entity_id(item["source"], "source", registry_ids)
    if item.get("cycle") == "none":
        del item["cycle"]
    days = item.pop("offset", 0)
    if not isinstance(days, int | float) or isinstance(days, bool):
        raise OptionError("offset", f"expected a number of days, got {days!r}")
    if days:
        item["offset"] = {"days": days}
    item["name"] = title
    chosen = meter_options(item, title)
    tariffs = chosen.tariffs
    select = None
    if tariffs:
        select_id = entity_id_of("select", entry_id) or f"select.{entity_slug(title)}"
        select = (select_id, title)
    sensor_ids = []
    for tariff in tariffs or (None,):
        unique_id = f"{entry_id}_{tariff}" if tariff else entry_id
        name = f"{title} {tariff}" if tariff else title
        sensor_ids.append(entity_id_of("sensor", unique_id) or f"sensor.{entity_slug(name)}")
    meter = make_meter(runtime, chosen, select, sensor_ids)
    start_meters(runtime, [meter])
    return meter


def meter_unique_ids(entry_id: str, meter: Meter) -> dict[tuple[str, str], str]:
    """The entity ids of an entry's meter by (entity domain, unique id), as the entity
    registry keeps them (see the module's docstring)."""
    ids = {
        ("sensor", f"{entry_id}_{sensor.tariff}" if sensor.tariff else entry_id): sensor.entity_id
        for sensor in meter.sensors
    }
    if meter.select is not None:
        ids["select", entry_id] = meter.select.entity_id
    return ids
