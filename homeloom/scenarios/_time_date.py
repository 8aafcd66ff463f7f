"""``sensor:`` items with ``platform: time_date``: sensors showing the date and the
time, as Home Assistant 2024.3 makes them.

Each of an item's ``display_options`` (``time`` when none is given) makes one sensor
whose entity id is fixed: ``sensor.<option>`` (``sensor.internet_time`` for
``beat``), named as Home Assistant's English names them. Its state is a text in the
house's time zone (``*_utc``: in UTC): ``time`` ``HH:MM``, ``date`` ``YYYY-MM-DD``,
``date_time`` ``YYYY-MM-DD, HH:MM``, ``time_date`` ``HH:MM, YYYY-MM-DD``,
``date_time_iso`` ``YYYY-MM-DDTHH:MM:00`` (local, without an offset) and ``beat``
Swatch Internet Time (``@000`` to ``@999``, deprecated in 2024.3: a warning).

The date changes at local midnight; every other sensor at each whole minute, and
``beat`` every 86.4 s, as Home Assistant updates them. An option it does not know
makes the whole item refused. An entity id already held is not added again (an
error is logged), unless an entity registry entry keeps it: then, as Home Assistant
does, the sensor takes the next free id (``sensor.time_2``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Runtime
from homeloom.orchestrator._ha_registries import entity_registry_file

from ._entity_hooks import Hooks
from ._platform_options import OptionError, option_issue, platform_items, refuse_unknown_keys
from ._registered_ids import free_entity_id, with_registry_names

__all__ = ["DISPLAY_OPTIONS", "TimeDateSensor", "setup_time_date"]

_LOGGER = logging.getLogger(__name__)
PLATFORM = "time_date"
# Each option and its English name (Home Assistant's translation of its entity).
DISPLAY_OPTIONS = {
    "time": "Time",
    "date": "Date",
    "date_time": "Date & Time",
    "date_time_utc": "Date & Time (UTC)",
    "date_time_iso": "Date & Time (ISO)",
    "time_date": "Time & Date",
    "beat": "Internet time",
    "time_utc": "Time (UTC)",
}
_KEYS = ("display_options", "entity_namespace")
_MINUTE = timedelta(minutes=1)
# A beat is a thousandth of a day; beat @000 is midnight in Biel (UTC+1, all year).
_BEAT = timedelta(seconds=86.4)
_BIEL = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _icon(option: str) -> str:
    if "date" in option and "time" in option:
        return "mdi:calendar-clock"
    return "mdi:calendar" if "date" in option else "mdi:clock"


@dataclass
class TimeDateSensor:
    """One display option's sensor, written again whenever its text may change."""

    runtime: Runtime
    entity_id: str
    option: str
    hooks: Hooks = field(default_factory=Hooks, repr=False)

    def start(self) -> None:
        self._write(self.runtime.now())

    def stop(self) -> None:
        self.hooks.end()

    def _write(self, now: datetime) -> None:
        attributes = {"icon": _icon(self.option), "friendly_name": DISPLAY_OPTIONS[self.option]}
        self.runtime.states.set(
            self.entity_id,
            self.state_at(now),
            with_registry_names(self.runtime, self.entity_id, attributes),
            context=Context(),
        )
        # First among the timers due then: an automation firing at the same instant
        # reads the new text, as the sun entity's update does.
        timer = self.runtime.scheduler.call_at(self.next_update(now), self._write, first=True)
        self.hooks.keep(timer, "update")

    def state_at(self, now: datetime) -> str:
        """The sensor's text at ``now``."""
        utc = now.astimezone(UTC)
        local = now.astimezone(self.runtime.settings.tz)
        time, date = local.strftime("%H:%M"), local.date().isoformat()
        texts = {
            "time": time,
            "date": date,
            "date_time": f"{date}, {time}",
            "date_time_utc": f"{utc.date().isoformat()}, {utc.strftime('%H:%M')}",
            "time_date": f"{time}, {date}",
            "time_utc": utc.strftime("%H:%M"),
            # The local wall time, without its offset, as Home Assistant shows it.
            "date_time_iso": local.replace(second=0, microsecond=0, tzinfo=None).isoformat(),
        }
        if self.option == "beat":
            biel = utc + _BIEL
            since_midnight = biel - biel.replace(hour=0, minute=0, second=0, microsecond=0)
            return f"@{since_midnight // _BEAT:03d}"
        return texts[self.option]

    def next_update(self, now: datetime) -> datetime:
        """When the text changes next: local midnight for the date, else the next
        whole minute (or beat)."""
        if self.option == "date":
            tz = self.runtime.settings.tz
            tomorrow = (now.astimezone(tz) + timedelta(days=1)).date()
            return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=tz)
        interval, shift = (_BEAT, _BIEL) if self.option == "beat" else (_MINUTE, timedelta())
        # In whole microseconds: a float remainder may be a hair short of the interval,
        # which would schedule the next update at this very instant again.
        return now + (interval - (now + shift - _EPOCH) % interval)


def _display_options(item: Mapping[str, Any]) -> list[str]:
    """The item's options, as ``cv.ensure_list`` and ``vol.In`` read them."""
    value = item.get("display_options", ["time"])
    options = [] if value is None else value if isinstance(value, list) else [value]
    for option in options:
        if not isinstance(option, str) or option not in DISPLAY_OPTIONS:
            valid = ", ".join(DISPLAY_OPTIONS)
            raise OptionError("display_options", f"unknown option {option!r}; valid: {valid}")
    return options


def _entity_id(runtime: Runtime, option: str, taken: set[str]) -> str | None:
    """``sensor.<option>``; the next free one when the entity registry keeps it; None
    (an error logged) when another entity holds it, as Home Assistant refuses it."""
    wanted = f"sensor.{'internet_time' if option == 'beat' else option}"
    if wanted in entity_registry_file(runtime).by_entity_id:
        return free_entity_id(wanted, taken, runtime)
    current = runtime.states.get(wanted)
    if wanted in taken or (current is not None and not current.restored):
        _LOGGER.error("Entity id already exists - ignoring: %s", wanted)
        return None
    taken.add(wanted)
    return wanted


def setup_time_date(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Make every ``platform: time_date`` item's sensors; a bad item is reported and
    skipped, as Home Assistant skips a platform item its schema refuses."""
    issues: list[ConfigIssue] = []
    sensors: list[TimeDateSensor] = []
    taken: set[str] = set()
    for where, item in platform_items(config, "sensor", PLATFORM):
        try:
            refuse_unknown_keys(item, _KEYS)
            options = _display_options(item)
        except OptionError as err:
            issues.append(option_issue(item, where, err))
            continue
        if "beat" in options:
            _LOGGER.warning("'beat': is deprecated and will be removed in version 2024.7")
        for option in options:
            entity_id = _entity_id(runtime, option, taken)
            if entity_id is not None:
                sensor = TimeDateSensor(runtime, entity_id, option)
                sensor.start()
                sensors.append(sensor)
    if sensors:
        runtime.components[PLATFORM] = sensors
    return issues
