"""The ``utility_meter:`` block read as Home Assistant 2024.3's schema reads it, and
the meters it makes set up (see ``_utility_meter``).

A ``cycle`` is kept as the cron pattern Home Assistant turns it into: the ``offset``
gives the minute, the hour (not for quarter-hourly and hourly cycles) and the day
(of the week for a weekly cycle, Monday first; of the month for the longer ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Runtime, ServiceValidationError
from homeloom.orchestrator._service_call import ServiceCall

from ._durations import DurationError, parse_duration
from ._platform_options import (
    OptionError,
    boolean_option,
    keyed_items,
    refuse_unknown_keys,
    text_option,
)
from ._slugs import entity_slug
from ._utility_meter import Meter, MeterSensor, TariffSelect
from ._utility_meter_cron import CronError, CronPattern

__all__ = ["MeterOptions", "setup_utility_meters"]

DOMAIN = "utility_meter"
# Home Assistant's cycles, as cron patterns of the offset's minute, hour and day.
CYCLES = {
    "quarter-hourly": "{minute}/15 * * * *",
    "hourly": "{minute} * * * *",
    "daily": "{minute} {hour} * * *",
    "weekly": "{minute} {hour} * * {day}",
    "monthly": "{minute} {hour} {day} * *",
    "bimonthly": "{minute} {hour} {day} */2 *",
    "quarterly": "{minute} {hour} {day} */3 *",
    "yearly": "{minute} {hour} {day} 1/12 *",
}
_KEYS = (
    "source",
    "name",
    "unique_id",
    "cycle",
    "offset",
    "delta_values",
    "net_consumption",
    "periodically_resetting",
    "tariffs",
    "cron",
    "always_available",
)


@dataclass(frozen=True, slots=True)
class MeterOptions:
    source: str
    name: str
    cycle: str | None
    cron: CronPattern | None
    tariffs: tuple[str, ...]
    delta_values: bool
    net_consumption: bool
    periodically_resetting: bool
    always_available: bool


def setup_utility_meters(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Make each meter of the ``utility_meter:`` block, and the ``utility_meter.reset``
    and ``calibrate`` services (always, as Home Assistant registers them once the
    integration is set up); a bad meter is reported and skipped."""
    if DOMAIN not in config:
        return []
    read, issues = keyed_items(config, DOMAIN, "meter", meter_options)
    meters = []
    for key, options in read:
        select = (f"select.{key}", str(key)) if options.tariffs else None
        sensor_ids = [
            f"sensor.{entity_slug(f'{key} {tariff}')}" if tariff else _sensor_id(options.name)
            for tariff in options.tariffs or (None,)
        ]
        meters.append(make_meter(runtime, options, select, sensor_ids))
    start_meters(runtime, meters)
    return issues


def _sensor_id(name: str) -> str:
    return f"sensor.{entity_slug(name)}"


def make_meter(
    runtime: Runtime,
    options: MeterOptions,
    select: tuple[str, str] | None,
    sensor_ids: list[str],
) -> Meter:
    """A meter with its select (entity id and name) when it has tariffs, and its sensors
    (one per tariff, named ``<name> <tariff>``, or one named ``name``)."""
    meter = Meter(runtime, options)
    if select is not None:
        meter.select = TariffSelect(runtime, select[0], select[1], options.tariffs)
    for entity_id, tariff in zip(sensor_ids, options.tariffs or (None,), strict=True):
        name = f"{options.name} {tariff}" if tariff else options.name
        meter.sensors.append(MeterSensor(meter, entity_id, name, tariff))
    return meter


def start_meters(runtime: Runtime, meters: list[Meter]) -> None:
    """Set the meters up, and the services (registered once, as Home Assistant does
    when the integration is set up, for its YAML meters and its config entries)."""
    by_select: dict[str, Meter] | None = runtime.components.get(DOMAIN)
    if by_select is None:
        by_select = runtime.components[DOMAIN] = {}
        _register_services(runtime, by_select)
    for meter in meters:
        if meter.select is not None:
            by_select[meter.select.entity_id] = meter
            meter.select.set_up()
        for sensor in meter.sensors:
            sensor.set_up()


def _register_services(runtime: Runtime, by_select: Mapping[str, Meter]) -> None:
    def reset(call: ServiceCall) -> None:
        listed = call.data.get("entity_id", call.target.get("entity_id"))
        if not listed:  # Home Assistant's handler fails on a call naming no meter
            raise ServiceValidationError(DOMAIN, "reset", "entity_id", "expected a meter's select")
        for entity_id in [listed] if isinstance(listed, str) else list(listed or ()):
            domain, _, object_id = str(entity_id).partition(".")
            # Home Assistant still reads utility_meter.<key> as its select
            meter = by_select.get(f"select.{object_id}" if domain == DOMAIN else str(entity_id))
            if meter is not None:
                meter.reset(call.context or Context())

    runtime.services.register(DOMAIN, "reset", reset, target="optional")
    runtime.services.register_entity_service(DOMAIN, "calibrate", entity_domains=("sensor",))
    if not runtime.services.has("select", "select_option"):
        runtime.services.register_entity_service("select", "select_option")


def meter_options(item: Any, key: str) -> MeterOptions:
    """One meter's options; ``OptionError`` names the option Home Assistant refuses."""
    if not isinstance(item, Mapping):
        raise OptionError(None, "expected a mapping with at least 'source'")
    refuse_unknown_keys(item, _KEYS, base=frozenset())
    source = item.get("source")
    if not isinstance(source, str) or "." not in source.strip():
        raise OptionError(
            "source", f"expected one entity id, such as sensor.energy, got {source!r}"
        )
    cycle, cron = item.get("cycle"), item.get("cron")
    if cycle is not None and (not isinstance(cycle, str) or cycle not in CYCLES):
        raise OptionError("cycle", f"cycle {cycle!r} is not one of {', '.join(CYCLES)}")
    offset = _offset(item)
    if cron is not None and cycle is not None:
        raise OptionError("cron", "use <cron> or <cycle>, not both")
    if cron is not None and offset:
        raise OptionError("offset", "when <cron> is used <offset> has no meaning")
    pattern = _cron(cron) if cron is not None else None
    if cycle is not None:
        seconds = offset.seconds
        minute, hour, day = seconds % 3600 // 60, seconds // 3600, offset.days + 1
        pattern = CronPattern.parse(CYCLES[cycle].format(minute=minute, hour=hour, day=day))
    tariffs = item.get("tariffs", [])
    listed = tariffs if isinstance(tariffs, list) else [tariffs]
    if any(tariff is None or isinstance(tariff, Mapping | list) for tariff in listed):
        raise OptionError("tariffs", f"expected a list of tariff names, got {tariffs!r}")
    names = tuple(str(tariff) for tariff in listed)
    if len(set(names)) != len(names):
        raise OptionError("tariffs", f"tariffs must be unique, got {', '.join(names)}")
    name = text_option(item, "name")
    return MeterOptions(
        source=source.strip().lower(),
        name=key if name is None else name,
        cycle=cycle,
        cron=pattern,
        tariffs=names,
        delta_values=boolean_option(item, "delta_values", False),
        net_consumption=boolean_option(item, "net_consumption", False),
        periodically_resetting=boolean_option(item, "periodically_resetting", True),
        always_available=boolean_option(item, "always_available", False),
    )


def _offset(item: Mapping[str, Any]) -> timedelta:
    if "offset" not in item:
        return timedelta()
    try:
        offset = parse_duration(item["offset"])
    except DurationError as err:
        raise OptionError("offset", str(err)) from None
    if offset < timedelta():
        raise OptionError("offset", f"the offset must not be negative, got {item['offset']!r}")
    if offset.days >= 28:
        raise OptionError(
            "offset", "an offset of 28 days or more is not supported: use a cron pattern"
        )
    return offset


def _cron(value: Any) -> CronPattern:
    if not isinstance(value, str):
        raise OptionError("cron", f"expected a cron pattern such as '0 7 * * *', got {value!r}")
    try:
        return CronPattern.parse(value)
    except CronError as err:
        raise OptionError("cron", str(err)) from None
